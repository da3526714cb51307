"""The JSON API under /api/v1: token auth, pagination, the error envelope, OpenAPI."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# Each module registers its routes on `bp` when imported.
from pmsys.api import auth as _auth  # noqa: E402,F401
from pmsys.api import openapi as _openapi  # noqa: E402,F401
from pmsys.assets import api as _assets_api  # noqa: E402,F401
from pmsys.fees import api as _fees_api  # noqa: E402,F401
from pmsys.governance import api as _governance_api  # noqa: E402,F401
from pmsys.imports import api as _imports_api  # noqa: E402,F401
from pmsys.places import api as _places_api  # noqa: E402,F401
from pmsys.tickets import api as _tickets_api  # noqa: E402,F401
