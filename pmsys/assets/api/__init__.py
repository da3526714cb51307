"""API: projects, assets, hand-overs and the hand-over backlog (API.md, Hand-overs)."""

from pmsys.assets.api import docs, handovers, register  # noqa: F401 (routes, OpenAPI)
