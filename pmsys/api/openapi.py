"""The OpenAPI 3 description of /api/v1."""

from pmsys.api import bp  # noqa: F401
