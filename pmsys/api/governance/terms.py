"""API: a community's management terms (docs/domain.md#management): the history, and a new term;
its long-term management plans (docs/domain.md#plans)."""

from __future__ import annotations

from typing import Annotated

from flask import g
from pydantic import Field

from pmsys.api import bp
from pmsys.api.governance import serializers
from pmsys.api.governance.committees import COMMUNITY_PATH, BoundedDay, visible_community
from pmsys.api.governance.serializers import Plan, Term
from pmsys.api.helpers import api_login_required
from pmsys.api.typed import Code, Input, Integer, Page, Paged, endpoint, text
from pmsys.extensions import db
from pmsys.governance.services import plans
from pmsys.governance.services import terms as services
from pmsys.models.governance import ManagementMode
from pmsys.models.places import Community


class NewTerm(Input):
    mode: Annotated[Code, Field(json_schema_extra={"enum": [
        mode.value for mode in ManagementMode if mode is not ManagementMode.original_unit]})]
    org: Code
    start: BoundedDay
    basis_vote: Annotated[Integer | None, Field(description="The passed vote it rests on.")
                          ] = None
    end: BoundedDay | None = None


@bp.get("/communities/<code>/terms")
@api_login_required
@endpoint(query=Paged, answers={200: ("A page of terms.", Page[Term])}, refusals={404: ""},
          path=COMMUNITY_PATH, tags=("governance",), find=visible_community)
def list_terms(code: str, query: Paged, found: Community):
    """A community's management terms, the latest start first.

    Everyone who sees the community.
    """
    terms = services.terms_of(db.session, found)
    return {"items": [serializers.term_json(t)
                      for t in terms[query.offset:query.offset + query.per_page]],
            "total": len(terms)}


@bp.post("/communities/<code>/terms")
@api_login_required
@endpoint(body=NewTerm, answers={201: ("The new term.", Term)}, refusals={
    400: "Malformed input; an unknown mode or organisation, a vote of another community, an "
         "end before the start, a start before the vote closed.",
    403: "The caller may not decide this community's terms (`forbidden`).", 404: "",
    409: "A term already starts on or after `start` (`term_overlap`), or the vote is the "
         "basis of another term (`basis_vote_used`).",
    422: "`legacy_mode` (original_unit is for imports only), `org_does_not_fit`, "
         "`basis_vote_required`, `basis_vote_not_passed`, `basis_vote_wrong_matter`."},
    path=COMMUNITY_PATH, tags=("governance",), find=visible_community)
def start_term(code: str, body: NewTerm, found: Community):
    """Change the management arrangement by a new term.

    `professional` and `self` rest on a passed assembly vote (`basis_vote`: hire_manager; for
    self also management_rules), closed no later than `start` and not the basis of another
    term. `community` may be imposed without a vote by the street office or the bureau where
    no owners' committee is in office. The term in force ends the day before `start`; terms
    never overlap. The street office, the bureau, or the committee in office (on its
    assembly's vote).
    """
    term = services.start_term(db.session, g.api_user, found, mode=body.mode, org_code=body.org,
                               start=body.start, basis_vote_id=body.basis_vote, end=body.end)
    return serializers.term_json(term), 201


class NewPlan(Input):
    mode: Annotated[str, Field(json_schema_extra={"enum": list(plans.PLAN_MODES)},
                               description="How the community is to be managed.")]
    note: Annotated[text(plans.NOTE_MAX, 1), Field(description=(
        "What was agreed: who will manage, how it is paid for."))]
    starts_on: Annotated[BoundedDay | None, Field(description=(
        "When the arrangement is to start, if known."))] = None


@bp.post("/communities/<code>/management-plan")
@api_login_required
@endpoint(body=NewPlan, answers={201: ("The plan, recorded.", Plan)}, refusals={
    400: "Malformed input; an unknown mode, no note.",
    403: "The caller may not record this community's plan (`forbidden`).", 404: ""},
    path=COMMUNITY_PATH, tags=("governance",), find=visible_community)
def record_plan(code: str, body: NewPlan, found: Community):
    """Record a long-term management plan (长效管理机制) for a community.

    The street office (or community office) of the community, the bureau that sees it, or a
    sysadmin writes down how the community will be managed after its renovation. A
    renovation project covering a community is accepted only where the community has a
    management term in force on the acceptance day or a recorded plan (or the acceptance
    is overridden with a reason). Plans are never edited; the newest is the community's.
    """
    plan = plans.record_plan(db.session, g.api_user, found, mode=body.mode, note=body.note,
                             starts_on=body.starts_on)
    return serializers.plan_json(plan), 201
