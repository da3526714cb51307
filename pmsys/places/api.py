"""API: communities."""

from pmsys.api import bp  # noqa: F401
