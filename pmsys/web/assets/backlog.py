"""The hand-over backlog report, and the panels the home pages add."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from pmsys import clock, labels
from pmsys.assets import services as assets
from pmsys.auth import permissions
from pmsys.errors import Forbidden
from pmsys.extensions import db
from pmsys.governance.services import active_committees
from pmsys.models.assets import Project, ProjectCommunity
from pmsys.models.auth import Role
from pmsys.models.places import Region
from pmsys.places.services import visible_streets
from pmsys.web.assets import forms
from pmsys.web.assets.common import bp, current_actor


def _backlog_regions(user) -> list[Region]:
    """The streets the user sees, with their districts, for the region filter."""
    streets = visible_streets(db.session, user)
    districts = {s.parent.id: s.parent for s in streets if s.parent is not None}
    return sorted(districts.values(), key=lambda r: r.code) + streets


@bp.get("/reports/handover-backlog")
@login_required
def handover_backlog():
    """Utility assets not handed over in time: by category, street and receiver."""
    user = current_actor()
    if not permissions.can_see_handover_backlog(user):
        raise Forbidden(_("The backlog is for the housing bureau and the street offices."))
    form = forms.BacklogFilterForm(formdata=request.args)
    form.set_regions(_backlog_regions(user))
    if not form.validate():
        return render_template("assets/backlog.html", form=form, report=None), 400
    on = form.on.data or clock.today()
    report = assets.handover_backlog(db.session, user, on, region=form.region.data or None)
    streets = {item.street.code: item.street for item in report.items}
    receivers = {item.receiver.code: item.receiver for item in report.items if item.receiver}
    return render_template("assets/backlog.html", form=form, report=report, on=on,
                           streets=streets, receivers=receivers,
                           statuses=labels.HANDOVER_STATUS_LABELS)


# --- Panels of the home pages ---------------------------------------------------------


def home_panels(session, user) -> dict:
    """What the home page adds for hand-overs and projects: waiting work, backlog count."""
    panels: dict = {"waiting_handovers": [], "backlog_count": None, "signoff_projects": []}
    if user.role is not Role.resident:
        panels["waiting_handovers"] = assets.waiting_for(session, user)
    if permissions.can_see_handover_backlog(user):
        panels["backlog_count"] = len(
            assets.handover_backlog(session, user, clock.today()).items)
    if user.role is Role.committee_member and user.organization is not None:
        committees = active_committees(session, [user.organization.community_id or 0])
        if committees.get(user.organization.community_id) is user.organization:
            panels["signoff_projects"] = session.scalars(
                select(Project).join(ProjectCommunity)
                .where(ProjectCommunity.community_id == user.organization.community_id,
                       ProjectCommunity.committee_signed_at.is_(None),
                       Project.accepted_on.is_(None), permissions.project_clause(user))
                .order_by(Project.code)
            ).all()
    return panels

