"""JSON shapes of tickets, routing previews, photos and notifications (docs/api.md#tickets), with
schemas.

Each shape sits next to the OpenAPI schema that documents it, so the two are
changed together; the modules of pmsys/tickets/api register the schemas.
"""

from __future__ import annotations

from datetime import datetime

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from pmsys import clock
from pmsys.api.openapi import CODE, DATETIME, nullable, ref
from pmsys.auth import permissions
from pmsys.auth.models import Organization, User
from pmsys.auth.serializers import org_ref
from pmsys.tickets import explain, lifecycle, routing
from pmsys.tickets.categories import CODES as CATEGORY_CODES
from pmsys.tickets.models import (
    Channel,
    Notification,
    Priority,
    Ticket,
    TicketPhoto,
    TicketStatus,
)
from pmsys.tickets.services import allowed_actions


def time_str(moment: datetime | None) -> str | None:
    """Format a stored UTC time as ISO 8601 in China Standard Time (docs/api.md#conventions)."""
    return moment.astimezone(clock.LOCAL_TZ).isoformat() if moment else None


def place_code(ticket: Ticket) -> str:
    """The ticket's place as one code: "CA", "CA/1", "CA/1/1" or "CA/1/1/101"."""
    parts = [ticket.community.code]
    for row in (ticket.building, ticket.unit, ticket.household):
        if row is None:
            break
        parts.append(row.code)
    return "/".join(parts)


def routing_json(reason: str, steps: list[dict], flags) -> dict:
    """Why the assignee got the ticket: the reason code, the steps as sentences, the flags."""
    flags = sorted(flags or ())
    return {
        "reason": reason,
        "steps": explain.steps_text(steps),
        "flags": flags,
        "not_handed_over": routing.NOT_HANDED_OVER in flags,
    }


def preview_json(decided: routing.Routing) -> dict:
    """A routing preview: who would get the ticket, why, and the asset that decided it."""
    return {
        "assignee": {"org": decided.assignee.code, "name": decided.assignee.name},
        **routing_json(decided.reason, [step.as_dict() for step in decided.steps],
                       decided.flags),
        "asset": decided.asset.code if decided.asset else None,
    }


def photo_json(photo: TicketPhoto) -> dict:
    """A photo of a ticket with the permission-checked URL that serves it."""
    return {
        "id": photo.id,
        "purpose": photo.purpose,
        "url": url_for("api.get_ticket_photo", ticket_id=photo.ticket_id, photo_id=photo.id),
        "content_type": photo.content_type,
        "width": photo.width,
        "height": photo.height,
    }


def _names(session: Session, model, column, ids) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(session.execute(select(model.id, column).where(model.id.in_(wanted))).all())


def ticket_json(session: Session, actor, ticket: Ticket) -> dict:
    """A ticket as `actor` may read it: the reporter's phone masked unless docs/domain.md#privacy
    allows."""
    phone = ticket.reporter_phone
    if not permissions.can_see_reporter_phone(actor, ticket):
        phone = permissions.mask_phone(phone)
    events = ticket.events
    users = _names(session, User, User.username, [e.actor_id for e in events])
    orgs = _names(session, Organization, Organization.code, [e.actor_org_id for e in events])
    return {
        "id": ticket.id,
        "number": ticket.number,
        "status": ticket.status.value,
        "category": ticket.category,
        "priority": ticket.priority.value,
        "channel": ticket.channel.value,
        "community": ticket.community.code,
        "building": ticket.building.code if ticket.building else None,
        "unit": ticket.unit.code if ticket.unit else None,
        "household": ticket.household.code if ticket.household else None,
        "inside_home": ticket.inside_home,
        "asset": ticket.asset.code if ticket.asset else None,
        "description": ticket.description,
        "reported_at": time_str(ticket.reported_at),
        "assignee": org_ref(ticket.assignee),
        "routing": routing_json(ticket.routing_reason, ticket.routing_steps,
                                ticket.routing_flags),
        "due_respond_at": time_str(ticket.due_respond_at),
        "due_resolve_at": time_str(ticket.due_resolve_at),
        "responded_at": time_str(ticket.responded_at),
        "resolved_at": time_str(ticket.resolved_at),
        "closed_at": time_str(ticket.closed_at),
        "cancelled_at": time_str(ticket.cancelled_at),
        "resolution_note": ticket.resolution_note or "",
        "escalation_level": ticket.escalation_level,
        "rating": ticket.rating,
        "reopen_count": ticket.reopen_count,
        "reporter": {"name": ticket.reporter_name, "phone": phone},
        "events": [
            {
                "at": time_str(event.at),
                "action": event.action,
                "status": event.status_after,
                "actor": users.get(event.actor_id),
                "org": orgs.get(event.actor_org_id),
                "note": event.note or "",
            }
            for event in events
        ],
        "allowed_actions": allowed_actions(session, actor, ticket),
        "photos": [photo_json(photo) for photo in ticket.photos],
    }


def notification_json(notification: Notification) -> dict:
    """A notification as a sentence in the reader's language, with its ticket."""
    data = notification.data or {}
    return {
        "id": notification.id,
        "kind": notification.kind,
        "text": explain.notification_text(notification.kind, data),
        "ticket": notification.ticket_id,
        "number": data.get("number"),
        "created_at": time_str(notification.created_at),
        "read": notification.read_at is not None,
    }


# --- OpenAPI schemas of the shapes above --------------------------------------------------------

STATUSES = [status.value for status in TicketStatus]
PRIORITIES = [priority.value for priority in Priority]
CATEGORY = {"type": "string", "enum": sorted(CATEGORY_CODES)}
_TEXTS = {"type": "array", "items": {"type": "string"}}
_FLAGS = {
    "type": "array",
    "items": {"type": "string"},
    "description": "`not_handed_over` (a utility's asset left with the manager), "
    "`coverage_gap` (nobody manages the community), `paid_service` (past the meter, the "
    "owner's), `notify_manager` (gas: the manager is told too).",
}
_ROUTING = {
    "reason": {"type": "string", "enum": list(routing.REASONS),
               "description": "Why the assignee got it (docs/domain.md#routing)."},
    "steps": {**_TEXTS, "description": "Every step routing considered, as sentences in the "
              "caller's language."},
    "flags": _FLAGS,
    "not_handed_over": {"type": "boolean"},
}

SCHEMAS: dict[str, dict] = {
    "TicketPhoto": {
        "type": "object",
        "required": ["id", "purpose", "url", "content_type", "width", "height"],
        "properties": {
            "id": {"type": "integer"},
            "purpose": {"type": "string", "enum": ["report", "fix"]},
            "url": {"type": "string", "description": "Where the image is served (with the "
                    "bearer token; only to those who see the ticket)."},
            "content_type": {"type": "string",
                             "enum": ["image/jpeg", "image/png", "image/webp"]},
            "width": {"type": "integer", "minimum": 1},
            "height": {"type": "integer", "minimum": 1},
        },
    },
    "Ticket": {
        "type": "object",
        "required": [
            "id", "number", "status", "category", "priority", "channel", "community",
            "building", "unit", "household", "inside_home", "asset", "description",
            "reported_at", "assignee", "routing", "due_respond_at", "due_resolve_at",
            "responded_at", "resolved_at", "closed_at", "cancelled_at", "resolution_note",
            "escalation_level", "rating", "reopen_count", "reporter", "events",
            "allowed_actions", "photos",
        ],
        "properties": {
            "id": {"type": "integer"},
            "number": {"type": "string", "examples": ["20250602-000001"]},
            "status": {"type": "string", "enum": STATUSES},
            "category": CATEGORY,
            "priority": {"type": "string", "enum": PRIORITIES},
            "channel": {"type": "string", "enum": [c.value for c in Channel]},
            "community": CODE,
            "building": nullable(CODE),
            "unit": nullable(CODE),
            "household": nullable({**CODE, "description": "The household's code in its unit."}),
            "inside_home": {"type": "boolean"},
            "asset": nullable(CODE),
            "description": {"type": "string"},
            "reported_at": DATETIME,
            "assignee": ref("OrgRef"),
            "routing": {"type": "object", "required": list(_ROUTING), "properties": _ROUTING},
            "due_respond_at": DATETIME,
            "due_resolve_at": DATETIME,
            "responded_at": nullable(DATETIME),
            "resolved_at": nullable(DATETIME),
            "closed_at": nullable(DATETIME),
            "cancelled_at": nullable(DATETIME),
            "resolution_note": {"type": "string"},
            "escalation_level": {"type": "integer", "minimum": 0, "maximum": 3},
            "rating": nullable({"type": "integer", "minimum": 1, "maximum": 5}),
            "reopen_count": {"type": "integer", "minimum": 0},
            "reporter": {
                "type": "object",
                "required": ["name", "phone"],
                "properties": {
                    "name": {"type": "string"},
                    "phone": nullable({
                        "type": "string",
                        "description": "In full only to the reporter, and to the assigned "
                        "organisation while the ticket is open; else masked (138****0000).",
                    }),
                },
            },
            "events": {
                "type": "array",
                "description": "The trail, oldest first.",
                "items": {
                    "type": "object",
                    "required": ["at", "action", "status", "actor", "org", "note"],
                    "properties": {
                        "at": DATETIME,
                        "action": {"type": "string"},
                        "status": {"type": "string", "enum": STATUSES},
                        "actor": nullable({"type": "string",
                                           "description": "Username; null for the scheduler."}),
                        "org": nullable(CODE),
                        "note": {"type": "string"},
                    },
                },
            },
            "allowed_actions": {
                "type": "array",
                "items": {"type": "string", "enum": list(lifecycle.ACTION_NAMES)},
                "description": "What the caller may do now.",
            },
            "photos": {"type": "array", "items": ref("TicketPhoto")},
        },
    },
    "RoutingPreview": {
        "type": "object",
        "required": ["assignee", "asset", *_ROUTING],
        "properties": {
            "assignee": ref("OrgRef"),
            **_ROUTING,
            "asset": nullable({**CODE, "description": "The asset that decided, if any."}),
        },
    },
    "Notification": {
        "type": "object",
        "required": ["id", "kind", "text", "ticket", "number", "created_at", "read"],
        "properties": {
            "id": {"type": "integer"},
            "kind": {"type": "string"},
            "text": {"type": "string", "description": "In the caller's language."},
            "ticket": nullable({"type": "integer", "description": "The ticket's id."}),
            "number": nullable({"type": "string"}),
            "created_at": DATETIME,
            "read": {"type": "boolean"},
        },
    },
}
