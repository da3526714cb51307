"""API: projects, assets, hand-overs and the hand-over backlog (docs/api.md#handovers)."""

from pmsys.api.assets import handovers, register  # noqa: F401 (routes)
