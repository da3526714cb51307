"""API: POST /api/v1/imports."""

from pmsys.api import bp  # noqa: F401
