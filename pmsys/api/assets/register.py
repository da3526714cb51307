"""API: the asset register and renovation projects (docs/api.md#handovers)."""

from __future__ import annotations

from flask import g, request
from sqlalchemy import select

from pmsys import clock
from pmsys.api import bp
from pmsys.api.assets import serializers
from pmsys.api.assets.inputs import (
    NAME_LENGTH,
    NOTE_LENGTH,
    Body,
    choice_arg,
)
from pmsys.api.helpers import api_login_required, json_body, page_rows
from pmsys.assets.services import register
from pmsys.auth import permissions
from pmsys.categories import CODES as CATEGORY_CODES
from pmsys.extensions import db
from pmsys.models.assets import (
    Asset,
    Project,
)
from pmsys.models.places import Community

# --- assets ------------------------------------------------------------------------------------

_SCOPE_CLAUSES = {
    "community": lambda: Asset.building_id.is_(None),
    "building": lambda: Asset.building_id.is_not(None) & Asset.unit_id.is_(None),
    "unit": lambda: Asset.unit_id.is_not(None),
}


@bp.get("/assets")
@api_login_required
def list_assets():
    """The assets the caller may see, by community, category and scope."""
    category = choice_arg("category", sorted(CATEGORY_CODES))
    scope = choice_arg("scope", serializers.SCOPES)
    community = request.args.get("community") or None
    query = select(Asset).where(permissions.asset_clause(g.api_user))
    if community is not None:
        query = query.where(
            Asset.community_id.in_(select(Community.id).where(Community.code == community))
        )
    if category is not None:
        query = query.where(Asset.category == category)
    if scope is not None:
        query = query.where(_SCOPE_CLAUSES[scope]())
    rows, total = page_rows(query.order_by(Asset.code))
    today = clock.today()
    return {"items": [serializers.asset_json(db.session, a, today) for a in rows],
            "total": total}


@bp.get("/assets/<code>")
@api_login_required
def get_asset(code: str):
    """One asset with its warranty and maintainers."""
    asset = register.get_asset_or_404(db.session, g.api_user, code)
    return serializers.asset_json(db.session, asset, clock.today())


@bp.post("/assets")
@api_login_required
def create_asset():
    """Add an asset to the register (the housing bureau of its region)."""
    body = Body(json_body())
    fields = {
        "code": body.text("code", required=True),
        "category": body.text("category", required=True),
        "community": body.text("community", required=True),
        "building": body.text("building"),
        "unit": body.text("unit"),
        "project": body.text("project"),
        "name": body.text("name", max_length=NAME_LENGTH) or "",
        "warranty_contractor": body.text("warranty_contractor"),
        "warranty_contract_until": body.day("warranty_until"),
    }
    body.check()
    asset = register.create_asset(db.session, g.api_user, **fields)
    return serializers.asset_json(db.session, asset, clock.today()), 201


# --- projects ----------------------------------------------------------------------------------


def _project_or_404(code: str) -> Project:
    return register.get_project_or_404(db.session, g.api_user, code)


@bp.get("/projects")
@api_login_required
def list_projects():
    """The renovation projects covering communities the caller may see."""
    query = select(Project).where(permissions.project_clause(g.api_user))
    rows, total = page_rows(query.order_by(Project.code))
    return {"items": [serializers.project_json(db.session, p) for p in rows], "total": total}


@bp.get("/projects/<code>")
@api_login_required
def get_project(code: str):
    """One project with its communities, sign-offs, items and acceptance."""
    return serializers.project_json(db.session, _project_or_404(code))


@bp.post("/projects")
@api_login_required
def create_project():
    """Record a renovation project (the housing bureau of its communities)."""
    body = Body(json_body())
    fields = {
        "code": body.text("code", required=True),
        "name": body.text("name", max_length=NAME_LENGTH) or "",
        "year": body.integer("year", required=True),
        "contractor": body.text("contractor"),
        "communities": body.texts("communities", required=True),
        "completed_on": body.day("completed_on"),
    }
    items = body.objects("items", required=True) or []
    fields["items"] = [
        {
            "kind": item.text("kind", required=True, max_length=40),
            "class": item.text("class", required=True, max_length=40),
            "community": item.text("community"),
            "contractor": item.text("contractor"),
            "description": item.text("description", max_length=NOTE_LENGTH) or "",
        }
        for item in items
    ]
    body.check(*items)
    project = register.create_project(db.session, g.api_user, **fields)
    return serializers.project_json(db.session, project), 201


@bp.post("/projects/<code>/accept")
@api_login_required
def accept_project(code: str):
    """Record the acceptance; 422 with every reason where a rule refuses it."""
    project = _project_or_404(code)
    body = Body(json_body())
    accepted_on = body.day("accepted_on", required=True)
    rate = body.decimal("satisfaction_rate", required=True)
    note = body.text("note", max_length=NOTE_LENGTH) or ""
    body.check()
    register.accept_project(db.session, g.api_user, project, accepted_on=accepted_on,
                            satisfaction_rate=rate, note=note)
    return serializers.project_json(db.session, project)


@bp.post("/projects/<code>/sign-off")
@api_login_required
def sign_off_project(code: str):
    """The owners' committee signs off the project for its community."""
    project = _project_or_404(code)
    body = Body(json_body())
    community_code = body.text("community", required=True)
    body.check()
    community = permissions.get_community_or_404(db.session, g.api_user, community_code)
    register.sign_off_project(db.session, g.api_user, project, community)
    return serializers.project_json(db.session, project)
