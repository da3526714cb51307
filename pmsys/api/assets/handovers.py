"""API: hand-overs and their workflow, and the hand-over backlog (docs/api.md#handovers)."""

from __future__ import annotations

from flask import g, request

from pmsys import clock
from pmsys.api import bp
from pmsys.api.assets import serializers
from pmsys.api.assets.inputs import (
    NOTE_LENGTH,
    STATUSES,
    Body,
    choice_arg,
    day_arg,
    flag_arg,
    page_of_list,
)
from pmsys.api.helpers import api_login_required, json_body, page_rows, require
from pmsys.assets.services import backlog as backlog_services
from pmsys.assets.services import handovers as handover_services
from pmsys.assets.workflow import ACTIONS
from pmsys.auth import permissions
from pmsys.extensions import db
from pmsys.models.assets import Handover

# --- hand-overs --------------------------------------------------------------------------------


@bp.get("/handovers")
@api_login_required
def list_handovers():
    """The hand-overs the caller may see, or (`waiting=1`) those waiting for it to act."""
    status = choice_arg("status", STATUSES)
    community = request.args.get("community") or None
    if flag_arg("waiting"):
        waiting = handover_services.waiting_for(db.session, g.api_user)
        if status is not None:
            waiting = [h for h in waiting if h.status.value == status]
        if community is not None:
            waiting = [h for h in waiting if any(a.community.code == community for a in h.assets)]
        rows, total = page_of_list(waiting)
    else:
        query = handover_services.visible_handovers(
            g.api_user, status=status, community=community
        )
        rows, total = page_rows(query.order_by(Handover.code))
    return {"items": [serializers.handover_json(db.session, h) for h in rows], "total": total}


@bp.post("/handovers")
@api_login_required
def create_handover():
    """Draft a hand-over of assets from a transferor to a receiver."""
    body = Body(json_body())
    code = body.text("code", required=True)
    from_org = body.text("from", required=True)
    to_org = body.text("to", required=True)
    assets = body.texts("assets", required=True)
    body.check()
    handover = handover_services.create_handover(
        db.session, g.api_user, code=code, from_org=from_org, to_org=to_org, assets=assets
    )
    return serializers.handover_json(db.session, handover), 201


@bp.get("/handovers/<code>")
@api_login_required
def get_handover(code: str):
    """One hand-over with its inspection, defects, signatures and trail."""
    handover = handover_services.get_handover_or_404(db.session, g.api_user, code)
    return serializers.handover_json(db.session, handover)


@bp.post("/handovers/<code>/actions")
@api_login_required
def act_on_handover(code: str):
    """Take one step of the hand-over workflow as one of its parties."""
    handover = handover_services.get_handover_or_404(db.session, g.api_user, code)
    body = Body(json_body())
    action = body.text("action", required=True)
    if action is not None and action not in ACTIONS:
        body.problems["action"] = "one of " + ", ".join(ACTIONS)
    payload = {
        "note": body.text("note", max_length=NOTE_LENGTH),
        "defects": body.texts("defects", max_length=NOTE_LENGTH),
        "defect": body.integer("defect"),
        "effective_on": body.day("effective_on"),
        "inspected_on": body.day("inspected_on"),
    }
    body.check()
    handover_services.take_action(db.session, g.api_user, handover, action, **payload)
    return serializers.handover_json(db.session, handover)


@bp.get("/reports/handover-backlog")
@api_login_required
def handover_backlog():
    """Utility assets past the hand-over deadline without an effective hand-over."""
    require(permissions.can_see_handover_backlog(g.api_user),
            "only the housing bureau and street offices read the backlog")
    on = day_arg("on") or clock.today()
    region = request.args.get("region") or None
    report = backlog_services.handover_backlog(db.session, g.api_user, on, region=region)
    return serializers.backlog_json(report)
