"""Open311 GeoReport v2 (docs/api.md#open311): categories as services, tickets as service
requests."""

from flask import Blueprint

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

from pmsys.open311 import views  # noqa: E402,F401 (routes)

__all__ = ["bp"]
