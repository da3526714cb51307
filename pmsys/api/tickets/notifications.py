"""API: the caller's in-app notifications, newest first, and marking them read."""

from __future__ import annotations

from pmsys.api import bp
from pmsys.api.helpers import api_login_required, page_rows
from pmsys.api.tickets import serializers
from pmsys.api.tickets.serializers import NotificationPage, ReadCounts
from pmsys.api.tickets.tickets import caller
from pmsys.api.typed import NoBody, Paged, endpoint
from pmsys.extensions import db
from pmsys.notifications import queries as notification_services


def _counts(marked: int, user) -> dict:
    return {"marked": marked, "unread": notification_services.unread_count(db.session, user)}


@bp.get("/notifications")
@api_login_required
@endpoint(query=Paged, answers={200: ("A page of notifications.", NotificationPage)},
          tags=("notifications",))
def list_notifications(query: Paged):
    """The caller's notifications, newest first.

    The assignee organisation's staff hear of new, reassigned, escalated and disputed
    tickets; the reporter of every change of status. `unread` counts the caller's unread
    notifications over all pages.
    """
    user = caller()
    rows, total = page_rows(notification_services.notifications_for(user), query)
    return {
        "items": [serializers.notification_json(row) for row in rows],
        "total": total,
        "unread": notification_services.unread_count(db.session, user),
    }


@bp.post("/notifications/<int:notification_id>/read")
@api_login_required
@endpoint(body=NoBody, answers={200: ("Marked (again marking a read one changes nothing).",
                                      ReadCounts)},
          refusals={404: "Not one of the caller's notifications."},
          path={"notification_id": "The notification's id."}, tags=("notifications",))
def read_notification(notification_id: int):
    """Mark one of the caller's notifications read."""
    user = caller()
    marked = notification_services.mark_read(db.session, user, notification_id)
    return _counts(marked, user)


@bp.post("/notifications/read")
@api_login_required
@endpoint(body=NoBody, answers={200: ("Marked.", ReadCounts)}, tags=("notifications",))
def read_all_notifications():
    """Mark all of the caller's notifications read."""
    user = caller()
    marked = notification_services.mark_read(db.session, user)
    return _counts(marked, user)
