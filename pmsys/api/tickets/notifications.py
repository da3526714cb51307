"""API: the caller's in-app notifications, newest first, and marking them read."""

from __future__ import annotations

from pmsys.api import bp
from pmsys.api.helpers import api_login_required, page_rows
from pmsys.api.openapi import PAGING_PARAMETERS, describe, errors, json_response, page_of, ref
from pmsys.api.tickets import serializers
from pmsys.api.tickets.tickets import caller
from pmsys.db import MAX_ID
from pmsys.extensions import db
from pmsys.notifications import queries as notification_services


def _counts(marked: int, user) -> dict:
    return {"marked": marked, "unread": notification_services.unread_count(db.session, user)}


@bp.get("/notifications")
@api_login_required
def list_notifications():
    """The caller's notifications, newest first, with the number still unread."""
    user = caller()
    rows, total = page_rows(notification_services.notifications_for(user))
    return {
        "items": [serializers.notification_json(row) for row in rows],
        "total": total,
        "unread": notification_services.unread_count(db.session, user),
    }


@bp.post("/notifications/<int:notification_id>/read")
@api_login_required
def read_notification(notification_id: int):
    """Mark one of the caller's notifications read."""
    user = caller()
    marked = notification_services.mark_read(db.session, user, notification_id)
    return _counts(marked, user)


@bp.post("/notifications/read")
@api_login_required
def read_all_notifications():
    """Mark all of the caller's notifications read."""
    user = caller()
    marked = notification_services.mark_read(db.session, user)
    return _counts(marked, user)


# --- OpenAPI -----------------------------------------------------------------------------------

_NO_BODY = {
    "required": False,
    "description": "No body is needed; an empty JSON object is accepted.",
    "content": {"application/json": {"schema": {"type": "object"}}},
}
_COUNTS = {
    "type": "object",
    "required": ["marked", "unread"],
    "properties": {
        "marked": {"type": "integer", "minimum": 0,
                   "description": "How many were unread and are now read."},
        "unread": {"type": "integer", "minimum": 0,
                   "description": "How many of the caller's are still unread."},
    },
}

describe(
    {
        "/notifications": {
            "get": {
                "operationId": "listNotifications",
                "summary": "The caller's notifications, newest first",
                "description": "The assignee organisation's staff hear of new, reassigned, "
                "escalated and disputed tickets; the reporter of every change of status. "
                "`unread` counts the caller's unread notifications over all pages.",
                "tags": ["notifications"],
                "parameters": PAGING_PARAMETERS,
                "responses": {
                    "200": json_response("A page of notifications.", {
                        "allOf": [
                            page_of("Notification"),
                            {"type": "object", "required": ["unread"],
                             "properties": {"unread": {"type": "integer", "minimum": 0}}},
                        ]
                    }),
                    **errors(400, 401),
                },
            }
        },
        "/notifications/{notification_id}/read": {
            "post": {
                "operationId": "readNotification",
                "summary": "Mark one of the caller's notifications read",
                "tags": ["notifications"],
                "parameters": [
                    {"name": "notification_id", "in": "path", "required": True,
                     "description": "The notification's id.",
                     "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}},
                ],
                "requestBody": _NO_BODY,
                "responses": {
                    "200": json_response("Marked (again marking a read one changes "
                                         "nothing).", _COUNTS),
                    **errors(401),
                    "404": json_response("Not one of the caller's notifications.",
                                         ref("Error")),
                },
            }
        },
        "/notifications/read": {
            "post": {
                "operationId": "readAllNotifications",
                "summary": "Mark all of the caller's notifications read",
                "tags": ["notifications"],
                "requestBody": _NO_BODY,
                "responses": {
                    "200": json_response("Marked.", _COUNTS),
                    **errors(401),
                },
            }
        },
    }
)
