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
from pmsys.web.assets.common import bp, category_label, current_actor
from pmsys.web.spreadsheets import (
    COUNT_FORMAT,
    DATE_FORMAT,
    add_sheet,
    book_bytes,
    download,
    new_book,
)
from pmsys.web.tickets.pages import Listing

PER_PAGE = 50


def _backlog_regions(user) -> list[Region]:
    """The streets the user sees, with their districts, for the region filter."""
    streets = visible_streets(db.session, user)
    districts = {s.parent.id: s.parent for s in streets if s.parent is not None}
    return sorted(districts.values(), key=lambda r: r.code) + streets


def _require_reader(user) -> None:
    if not permissions.can_see_handover_backlog(user):
        raise Forbidden(_("The backlog is for the housing bureau and the street offices."))


def _requested():
    """(form, backlog, day) of the request's filters; backlog and day None for a bad filter."""
    user = current_actor()
    _require_reader(user)
    form = forms.BacklogFilterForm(formdata=request.args)
    form.set_regions(_backlog_regions(user))
    if not form.validate():
        return form, None, None
    on = form.on.data or clock.today()
    return form, assets.handover_backlog(db.session, user, on,
                                         region=form.region.data or None), on


@bp.get("/reports/handover-backlog")
@login_required
def handover_backlog():
    """Utility assets not handed over in time: by category, street and receiver, 50 a page."""
    form, report, on = _requested()
    if report is None:
        return render_template("assets/backlog.html", form=form, report=None), 400
    page = request.args.get("page", default=1, type=int) or 1
    pages = max(1, -(-len(report.items) // PER_PAGE))
    page = min(max(page, 1), pages)
    listing = Listing(report.items[(page - 1) * PER_PAGE:page * PER_PAGE], page, pages,
                      len(report.items))
    streets = {item.street.code: item.street for item in report.items}
    receivers = {item.receiver.code: item.receiver for item in report.items if item.receiver}
    given = {"region": form.region.data, "on": form.on.data.isoformat() if form.on.data else ""}
    filters = {name: value for name, value in given.items() if value}
    return render_template("assets/backlog.html", form=form, report=report, on=on,
                           listing=listing, filters=filters, per_page=PER_PAGE,
                           streets=streets, receivers=receivers,
                           statuses=labels.HANDOVER_STATUS_LABELS)


@bp.get("/reports/handover-backlog.xlsx")
@login_required
def handover_backlog_export():
    """Every row of the backlog (all pages) as an Excel workbook, with the counts."""
    form, report, on = _requested()
    if report is None:
        return render_template("assets/backlog.html", form=form, report=None), 400
    scope = form.region.data or "all"
    return download(backlog_workbook(report), f"handover-backlog-{scope}-{on.isoformat()}.xlsx")


def backlog_workbook(report) -> bytes:
    """The overdue assets, oldest first, and the counts by category and by street."""
    book = new_book()
    statuses = labels.HANDOVER_STATUS_LABELS
    add_sheet(book, _("Hand-over backlog"), [
        _("Asset"), _("Name"), _("Category"), _("Community"), _("Street"), _("Project"),
        _("Accepted on"), _("Days overdue"), _("Hand-over"), _("Status"), _("Receiver"),
    ], [
        [item.asset.code, item.asset.name or "", category_label(item.asset.category),
         item.community.name, item.street.name, item.project.code, item.project.accepted_on,
         item.days_overdue, item.handover.code if item.handover else "",
         str(statuses.get(item.handover.status, "")) if item.handover else "",
         item.receiver.name if item.receiver else ""]
        for item in report.items
    ], [None, None, None, None, None, None, DATE_FORMAT, COUNT_FORMAT, None, None, None],
        (16, 24, 12, 20, 16, 12, 12, 10, 14, 10, 20))
    streets = {item.street.code: item.street.name for item in report.items}
    add_sheet(book, _("By category"), [_("Category"), _("Overdue assets")],
              [[category_label(code), count] for code, count in report.by_category.most_common()],
              [None, COUNT_FORMAT], (20, 14))
    add_sheet(book, _("By street"), [_("Street"), _("Overdue assets")],
              [[streets.get(code, code), count] for code, count in report.by_street.most_common()],
              [None, COUNT_FORMAT], (20, 14))
    return book_bytes(book)


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

