"""Notification pages: the user's messages, marking them read, and the count in the menu."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from pmsys.auth import permissions
from pmsys.extensions import db
from pmsys.models.tickets import Notification
from pmsys.notifications import queries as notes
from pmsys.tickets import explain
from pmsys.web.assets.common import current_actor
from pmsys.web.auth.views import safe_next
from pmsys.web.tickets import bp

PER_PAGE = 50


@bp.app_context_processor
def _menu_context():
    """The menu's unread count (asked only when a menu is drawn) and who reads the reports."""
    def unread_notifications() -> int:
        """How many of the logged-in user's notifications are unread (for the menu)."""
        if not getattr(current_user, "is_authenticated", False):
            return 0
        return notes.unread_count(db.session, current_user)

    return {"unread_notifications": unread_notifications,
            "ticket_report_readers": permissions.TICKET_REPORT_READERS,
            "fee_readers": permissions.FEE_READERS}


def _link(note: Notification, visible: tuple[set[int], set[str], set[int], set[str]]
          ) -> str | None:
    tickets, handovers, votes, communities = visible
    if note.ticket_id is not None:
        if note.ticket_id in tickets:
            return url_for("tickets.ticket_detail", ticket_id=note.ticket_id)
        return None
    data = note.data or {}
    if data.get("handover") in handovers:
        return url_for("assets.handover_detail", code=data["handover"])
    if data.get("vote") in votes:
        return url_for("governance.vote_detail", vote_id=data["vote"])
    if note.kind == "committee_term_ending" and data.get("community") in communities:
        return url_for("governance.committee_page", code=data["community"])
    return None


@bp.get("/notifications")
@login_required
def notification_list():
    """The user's notifications, newest first, the unread ones marked."""
    user = current_actor()
    query = notes.notifications_for(user)
    total = db.session.scalar(
        select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(request.args.get("page", default=1, type=int) or 1, 1), pages)
    rows = db.session.scalars(query.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    visible = notes.still_visible(db.session, user, rows)
    items = [{"note": n, "text": explain.notification_text(n.kind, n.data or {}),
              "link": _link(n, visible)} for n in rows]
    return render_template(
        "tickets/notifications.html", items=items, page=page, pages=pages, total=total,
        unread=notes.unread_count(db.session, user),
    )


@bp.post("/notifications/read")
@login_required
def notifications_read():
    """Mark one notification (field `id`) or all of them read, then go back."""
    user = current_actor()
    chosen = request.form.get("id") or None
    count = notes.mark_read(db.session, user, chosen)
    if chosen is None:
        flash(_("All notifications are marked read."), "success")
    elif count:
        flash(_("The notification is marked read."), "success")
    return redirect(safe_next(request.form.get("next")) or url_for("tickets.notification_list"))
