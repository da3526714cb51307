"""The JSON API under /api/v1: token auth, pagination, the error envelope, OpenAPI."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# Each module registers its routes on `bp` when imported.
from pmsys.api import assets as _assets_api  # noqa: E402,F401
from pmsys.api import auth as _auth  # noqa: E402,F401
from pmsys.api import evaluation as _evaluation_api  # noqa: E402,F401
from pmsys.api import fees as _fees_api  # noqa: E402,F401
from pmsys.api import fund as _fund_api  # noqa: E402,F401
from pmsys.api import governance as _governance_api  # noqa: E402,F401
from pmsys.api import imports as _imports_api  # noqa: E402,F401
from pmsys.api import openapi as _openapi  # noqa: E402,F401
from pmsys.api import orgs as _orgs_api  # noqa: E402,F401
from pmsys.api import places as _places_api  # noqa: E402,F401
from pmsys.api import surveys as _surveys_api  # noqa: E402,F401
from pmsys.api import tickets as _tickets_api  # noqa: E402,F401
