"""API: the asset register and renovation projects (docs/api.md#handovers)."""

from __future__ import annotations

from typing import Annotated, Literal

from flask import g
from pydantic import ConfigDict, Field
from sqlalchemy import select

from pmsys import clock
from pmsys.api import bp
from pmsys.api.assets import serializers
from pmsys.api.assets.serializers import AssetAnswer, ProjectAnswer, Scope
from pmsys.api.helpers import api_login_required, page_of_query
from pmsys.api.tickets.serializers import CategoryCode
from pmsys.api.typed import (
    Code,
    Day,
    ErrorCode,
    Input,
    Integer,
    Page,
    Paged,
    endpoint,
    number,
    text,
)
from pmsys.assets.services import projects, register
from pmsys.auth import permissions
from pmsys.extensions import db
from pmsys.models.assets import ITEM_KINDS, Asset, ItemClass, Project
from pmsys.models.places import Community

NAME_LENGTH = 200
NOTE_LENGTH = 4000
ASSET_PATH = {"code": "The asset's code."}
PROJECT_PATH = {"code": "The project's code."}
Filter = ErrorCode("invalid_filter")

# --- assets ------------------------------------------------------------------------------------

_SCOPE_CLAUSES = {
    "community": lambda: Asset.building_id.is_(None),
    "building": lambda: Asset.building_id.is_not(None) & Asset.unit_id.is_(None),
    "unit": lambda: Asset.unit_id.is_not(None),
}


class AssetFilter(Paged):
    community: Annotated[Code | None, Field(description="Only the assets of this community "
                                            "(code)."), Filter] = None
    category: Annotated[CategoryCode | None, Field(description="Only this category."),
                        Filter] = None
    scope: Annotated[Scope | None, Field(description="Only assets covering a whole community, "
                                         "one building or one unit."), Filter] = None


class NewAsset(Input):
    code: Code
    category: CategoryCode
    community: Code
    building: Code | None = None
    unit: Annotated[Code | None, Field(description="Needs `building`.")] = None
    project: Code | None = None
    name: text(NAME_LENGTH) | None = None
    warranty_contractor: Code | None = None
    warranty_until: Annotated[Day | None, Field(description="The contract's warranty end, if "
                                                "any.")] = None
    spaces: Annotated[Integer | None, Field(description=(
        "A `parking` asset's number of parking spaces: required for one, 1 to "
        f"{register.MAX_SPACES}; refused for any other category."))] = None
    space_numbers: Annotated[text(register.MAX_SPACE_NUMBERS) | None, Field(description=(
        "A `parking` asset's space numbers as painted, e.g. `A01-A40, B01-B12`."))] = None


@bp.get("/assets")
@api_login_required
@endpoint(query=AssetFilter, answers={200: ("A page of assets.", Page[AssetAnswer])},
          tags=("assets",))
def list_assets(query: AssetFilter):
    """The assets the caller may see.

    Everyone sees the assets of the communities they see; an operator also those it
    maintains or holds under warranty. Ordered by code.
    """
    found = select(Asset).where(permissions.asset_clause(g.api_user))
    if query.community is not None:
        found = found.where(
            Asset.community_id.in_(select(Community.id).where(Community.code == query.community))
        )
    if query.category is not None:
        found = found.where(Asset.category == query.category)
    if query.scope is not None:
        found = found.where(_SCOPE_CLAUSES[query.scope]())
    rows, total = page_of_query(found.order_by(Asset.code), query.page, query.per_page)
    today = clock.today()
    return {"items": [serializers.asset_json(db.session, a, today) for a in rows],
            "total": total}


@bp.get("/assets/<code>")
@api_login_required
@endpoint(answers={200: ("The asset.", AssetAnswer)}, refusals={404: ""}, path=ASSET_PATH,
          tags=("assets",))
def get_asset(code: str):
    """One asset with its warranty and maintainers."""
    asset = register.get_asset_or_404(db.session, g.api_user, code)
    return serializers.asset_json(db.session, asset, clock.today())


@bp.post("/assets")
@api_login_required
@endpoint(body=NewAsset, answers={201: ("The asset.", AssetAnswer)}, refusals={
    403: "", 404: "No community with this code that the caller may see.",
    409: "The code is taken."}, tags=("assets",))
def create_asset(body: NewAsset):
    """Add an asset to the register (bureau_admin, sysadmin).

    The warranty end is computed from the project's acceptance by the statutory minimum for
    the category, unless `warranty_until` (the contract's date) is later.
    """
    fields = body.model_dump(exclude={"warranty_until"})
    fields["name"] = body.name or ""
    asset = register.create_asset(db.session, g.api_user, **fields,
                                  warranty_contract_until=body.warranty_until)
    return serializers.asset_json(db.session, asset, clock.today()), 201


# --- projects ----------------------------------------------------------------------------------


class ProjectItem(Input):
    model_config = ConfigDict(populate_by_name=True)

    kind: Literal[tuple(sorted(ITEM_KINDS))]
    item_class: Annotated[Literal[tuple(c.value for c in ItemClass)], Field(alias="class")]
    community: Code | None = None
    contractor: Code | None = None
    description: text(NOTE_LENGTH) | None = None


class NewProject(Input):
    code: Code
    name: text(NAME_LENGTH) | None = None
    year: Annotated[Integer, Field(description="From 1990 to 2100.")]
    contractor: Code | None = None
    communities: list[Code]
    completed_on: Day | None = None
    items: list[ProjectItem]


class ProjectAcceptance(Input):
    accepted_on: Day
    satisfaction_rate: Annotated[number("0.95", floats=True) | None, Field(description=(
        "Typed instead of the project's closed survey: between 0 and 1, a decimal string "
        "(\"0.95\"); a number is accepted too. Needs `satisfaction_reason`. Absent: the "
        "satisfaction rate of the project's latest closed survey."))] = None
    satisfaction_reason: Annotated[text(NOTE_LENGTH) | None, Field(description=(
        "Why a rate is typed instead of the survey's (audited); required with "
        "`satisfaction_rate`."))] = None
    note: text(NOTE_LENGTH) | None = None
    management_override: Annotated[text(NOTE_LENGTH) | None, Field(description=(
        "Why the project is accepted although a covered community has neither a management "
        "term in force on `accepted_on` nor a recorded long-term management plan (audited, "
        "kept on the project). Absent: such a community refuses the acceptance."))] = None


class ProjectSignOff(Input):
    community: Code


def _project_or_404(code: str) -> Project:
    return register.get_project_or_404(db.session, g.api_user, code)


@bp.get("/projects")
@api_login_required
@endpoint(query=Paged, answers={200: ("A page of projects.", Page[ProjectAnswer])},
          tags=("projects",))
def list_projects(query: Paged):
    """The renovation projects the caller may see.

    Projects covering a community the caller sees, and a contractor's own. Ordered by code.
    """
    found = select(Project).where(permissions.project_clause(g.api_user))
    rows, total = page_of_query(found.order_by(Project.code), query.page, query.per_page)
    return {"items": [serializers.project_json(db.session, p) for p in rows], "total": total}


@bp.get("/projects/<code>")
@api_login_required
@endpoint(answers={200: ("The project.", ProjectAnswer)}, refusals={404: ""}, path=PROJECT_PATH,
          tags=("projects",))
def get_project(code: str):
    """One renovation project with its communities, sign-offs, items and acceptance."""
    return serializers.project_json(db.session, _project_or_404(code))


@bp.post("/projects")
@api_login_required
@endpoint(body=NewProject, answers={201: ("The project.", ProjectAnswer)},
          refusals={403: "", 409: "The code is taken."}, tags=("projects",))
def create_project(body: NewProject):
    """Record a renovation project (bureau_admin, sysadmin)."""
    fields = body.model_dump(exclude={"items"})
    fields["name"] = body.name or ""
    fields["items"] = [
        {"kind": item.kind, "class": item.item_class, "community": item.community,
         "contractor": item.contractor, "description": item.description or ""}
        for item in body.items
    ]
    project = projects.create_project(db.session, g.api_user, **fields)
    return serializers.project_json(db.session, project), 201


@bp.post("/projects/<code>/accept")
@api_login_required
@endpoint(body=ProjectAcceptance, answers={200: ("The accepted project.", ProjectAnswer)},
          refusals={
              400: "Malformed input; a typed rate without a reason (`reason_required`).",
              403: "", 404: "", 409: "Already accepted.",
              422: "Refused: `fields.reasons` lists every reason (`satisfaction_too_low` below "
                   "the configured minimum, 0.90 by default; `satisfaction_missing`: no closed "
                   "survey of the project with answers and no typed rate; "
                   "`committee_signoff_missing`; `accepted_before_completion`; "
                   "`bad_satisfaction`; `no_management_arrangement`: a covered community "
                   "has no term in force and no recorded plan, listed in "
                   "`fields.without_arrangement`, and no `management_override`)."},
          path=PROJECT_PATH, tags=("projects",), find=_project_or_404)
def accept_project(code: str, body: ProjectAcceptance, found: Project):
    """Record the project's acceptance (bureau_admin, sysadmin).

    The satisfaction rate and participation are the project's latest closed survey's; a
    typed rate replaces them only with a reason, which is audited. Every covered community
    needs a management term in force on `accepted_on` or a recorded long-term management
    plan, unless `management_override` says why not. A rule that refuses the acceptance
    answers 422 with every reason.
    """
    projects.accept_project(db.session, g.api_user, found, accepted_on=body.accepted_on,
                            satisfaction_rate=body.satisfaction_rate,
                            satisfaction_reason=body.satisfaction_reason,
                            note=body.note or "",
                            management_override=body.management_override)
    return serializers.project_json(db.session, found)


@bp.post("/projects/<code>/sign-off")
@api_login_required
@endpoint(body=ProjectSignOff, answers={200: ("The project.", ProjectAnswer)},
          refusals={403: "", 404: "", 409: "Already signed off, or already accepted."},
          path=PROJECT_PATH, tags=("projects",), find=_project_or_404)
def sign_off_project(code: str, body: ProjectSignOff, found: Project):
    """The owners' committee signs off the project for its community."""
    community = permissions.get_community_or_404(db.session, g.api_user, body.community)
    projects.sign_off_project(db.session, g.api_user, found, community)
    return serializers.project_json(db.session, found)
