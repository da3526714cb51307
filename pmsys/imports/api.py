"""API: POST /api/v1/imports loads a region bundle (docs/api.md#import)."""

from __future__ import annotations

from flask import g

from pmsys.api import bp
from pmsys.api.helpers import api_login_required, json_body, require
from pmsys.auth import permissions
from pmsys.extensions import db
from pmsys.imports.services import import_bundle


@bp.post("/imports")
@api_login_required
def import_region_bundle():
    """Load the bundle in the body: 200 with the counts, or 400 listing every problem."""
    require(permissions.can_import(g.api_user), "only bureau administrators may import")
    summary = import_bundle(db.session, json_body(), g.api_user)
    db.session.commit()
    return {"counts": summary.counts}
