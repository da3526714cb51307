"""API: hand-overs and their workflow, and the hand-over backlog (docs/api.md#handovers)."""

from __future__ import annotations

from typing import Annotated, Literal

from flask import g
from pydantic import Field

from pmsys import clock
from pmsys.api import bp
from pmsys.api.assets import serializers
from pmsys.api.assets.serializers import HandoverAnswer, HandoverBacklogAnswer, HandoverStatusName
from pmsys.api.helpers import api_login_required, page_of_query, require
from pmsys.api.typed import (
    Code,
    Day,
    EmptyIsAbsent,
    ErrorCode,
    Flag,
    Input,
    Integer,
    Page,
    Paged,
    Params,
    endpoint,
    text,
)
from pmsys.assets.services import backlog as backlog_services
from pmsys.assets.services import handovers as handover_services
from pmsys.assets.services import worklist
from pmsys.assets.workflow import ACTIONS
from pmsys.auth import permissions
from pmsys.extensions import db
from pmsys.models.assets import Handover

NOTE_LENGTH = 4000
HANDOVER_PATH = {"code": "The hand-over's code."}
Filter = ErrorCode("invalid_filter")
Note = text(NOTE_LENGTH)


def _handover_or_404(code: str) -> Handover:
    return handover_services.get_handover_or_404(db.session, g.api_user, code)


class HandoverFilter(Paged):
    status: Annotated[HandoverStatusName | None, Field(description="Only hand-overs in this "
                                                       "state."), Filter] = None
    community: Annotated[Code | None, Field(description="Only those handing over an asset of "
                                            "this community (code)."), Filter] = None
    waiting: Annotated[Flag, Field(description="1: only those waiting for the caller to act."),
                       Filter] = False


class NewHandover(Input):
    code: Code
    from_org: Annotated[Code, Field(alias="from", description="The transferor's organisation "
                                    "code.")]
    to: Annotated[Code, Field(description="The receiver's organisation code.")]
    assets: Annotated[list[Code], Field(description="The codes of the assets handed over.")]


class HandoverAction(Input):
    action: Literal[tuple(ACTIONS)]
    note: Annotated[Note | None, Field(description=(
        "`return`: the reasons (required); `inspect`: the participants; otherwise a remark "
        "for the trail."))] = None
    defects: Annotated[list[Note] | None, Field(description="`inspect`: the defects "
                                                "found.")] = None
    defect: Annotated[Integer | None, Field(description="`fix_defect`: the defect's "
                                            "index.")] = None
    inspected_on: Annotated[Day | None, Field(description="`inspect`: today by "
                                              "default.")] = None
    effective_on: Annotated[Day | None, Field(description="`sign`: today by default.")] = None


class BacklogQuery(Params):
    on: Annotated[Day | None, Field(description="The date of the report; today by default."),
                  ErrorCode("invalid_date")] = None
    # Empty is the same as absent: every region the caller sees.
    region: Annotated[Code | None, EmptyIsAbsent,
                      Field(description="Only the communities within this region (code)."),
                      Filter] = None


# --- hand-overs --------------------------------------------------------------------------------


@bp.get("/handovers")
@api_login_required
@endpoint(query=HandoverFilter, answers={200: ("A page of hand-overs.", Page[HandoverAnswer])},
          tags=("handovers",))
def list_handovers(query: HandoverFilter):
    """The hand-overs the caller may see.

    Parties see their own; committee members, street officers and the bureau see those
    touching their communities; residents and managers see none. With `waiting=1`: only
    those waiting for the caller's organisation to submit, inspect or sign. Ordered by code.
    """
    if query.waiting:
        rows = worklist.waiting_for(db.session, g.api_user)
        if query.status is not None:
            rows = [h for h in rows if h.status.value == query.status]
        if query.community is not None:
            rows = [h for h in rows
                    if any(a.community.code == query.community for a in h.assets)]
        total = len(rows)
        rows = rows[query.offset:query.offset + query.per_page]
    else:
        found = handover_services.visible_handovers(
            g.api_user, status=query.status, community=query.community)
        rows, total = page_of_query(found.order_by(Handover.code), query.page, query.per_page)
    return {"items": [serializers.handover_json(db.session, h) for h in rows], "total": total}


@bp.post("/handovers")
@api_login_required
@endpoint(body=NewHandover, answers={201: ("The draft.", HandoverAnswer)}, refusals={
    403: "", 409: "The code is taken (`duplicate_code`), or an asset is already in an open "
                  "hand-over (`asset_in_open_handover`)."}, tags=("handovers",))
def create_handover(body: NewHandover):
    """Draft a hand-over (the transferor, or the bureau keeping the register)."""
    handover = handover_services.create_handover(
        db.session, g.api_user, code=body.code, from_org=body.from_org, to_org=body.to,
        assets=body.assets)
    return serializers.handover_json(db.session, handover), 201


@bp.get("/handovers/<code>")
@api_login_required
@endpoint(answers={200: ("The hand-over.", HandoverAnswer)}, refusals={404: ""},
          path=HANDOVER_PATH, tags=("handovers",))
def get_handover(code: str):
    """One hand-over with its inspection, defects, signatures and trail."""
    return serializers.handover_json(db.session, _handover_or_404(code))


@bp.post("/handovers/<code>/actions")
@api_login_required
@endpoint(body=HandoverAction, answers={200: ("The hand-over after the step.", HandoverAnswer)},
          refusals={
              403: "The caller is not a party that may take this step (`not_a_party`).",
              404: "",
              409: "The step does not fit the state (`wrong_state`, `already_signed`, "
                   "`already_fixed`), or someone acted at the same time "
                   "(`concurrent_update`).",
              422: "A rule refuses it: signing with open defects (`open_defects`), an "
                   "effective date before the inspection, or one that would rewrite an "
                   "asset's maintainer history."},
          path=HANDOVER_PATH, tags=("handovers",), find=_handover_or_404)
def act_on_handover(code: str, body: HandoverAction, found: Handover):
    """Take one step of the hand-over workflow.

    draft → submitted → inspected → signed → effective; submitted → returned → submitted.
    `submit`: the transferor. `return` (with a `note`, the reasons): the receiver.
    `inspect` (`note`: the participants, `defects`, `inspected_on`): either party.
    `fix_defect` (`defect`: its index): either party. `sign` (`effective_on`): transferor,
    receiver and, where one is active, the owners' committee; the last signature makes it
    signed, or effective once its date has come. From the effective date the receiver
    maintains the assets.
    """
    handover_services.take_action(db.session, g.api_user, found, body.action,
                                  **body.model_dump(exclude={"action"}))
    return serializers.handover_json(db.session, found)


@bp.get("/reports/handover-backlog")
@api_login_required
@endpoint(query=BacklogQuery, answers={200: ("The backlog.", HandoverBacklogAnswer)},
          refusals={403: "Only bureau administrators, street officers and sysadmins read the "
                         "backlog.",
                    404: "No region with this code."}, tags=("handovers",))
def get_handover_backlog(query: BacklogQuery):
    """Utility assets overdue for hand-over (bureau and street offices).

    Assets of a utility category whose project was accepted more than the configured number
    of days (90 by default) before `on` and that have no effective hand-over by then, oldest
    acceptance first, with counts by category, street and receiver. Not paged: `total` is
    the number of items.
    """
    require(permissions.can_see_handover_backlog(g.api_user),
            "only the housing bureau and street offices read the backlog")
    report = backlog_services.handover_backlog_rows(db.session, g.api_user,
                                                    query.on or clock.today(), region=query.region)
    return serializers.backlog_json(report)
