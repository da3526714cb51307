"""JSON shapes of tickets, routing previews, photos and notifications (docs/api.md#tickets), with
the answer models that document them.

The functions write the answers as plain dicts; the models below describe them
for the OpenAPI document (and the tests), so the two are changed together.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Annotated, Literal

from flask import url_for
from flask_babel import get_locale
from pydantic import Field

from pmsys import clock
from pmsys.api.answer_types import CodeText, Count, Moment, OrgRef
from pmsys.api.typed import Answer, Page
from pmsys.auth import permissions
from pmsys.categories import CODES as CATEGORY_CODES
from pmsys.models.auth import Role
from pmsys.models.tickets import (
    Channel,
    Notification,
    Priority,
    Ticket,
    TicketStatus,
)
from pmsys.tickets import explain, lifecycle, routing
from pmsys.tickets.queries import TicketView
from pmsys.tickets.services.actions import party_finder


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


def photo_json(photo) -> dict:
    """A photo of a ticket with the permission-checked URL that serves it."""
    return {
        "id": photo.id,
        "purpose": photo.purpose,
        "url": url_for("api.get_ticket_photo", ticket_id=photo.ticket_id, photo_id=photo.id),
        "content_type": photo.content_type,
        "width": photo.width,
        "height": photo.height,
    }


def ticket_json(actor, ticket: TicketView, locale: str | None = None, *,
                listed: bool = False) -> dict:
    """A ticket as `actor` may read it, the reporter's phone masked (docs/domain.md#privacy).

    `locale`: the request's language, when the caller already knows it.
    `listed`: the ticket is one of a list, where the phone is masked to all but the
    reporter (the assignee reads it in full on the ticket itself, while open).
    """
    return ticket_writer(actor, locale, listed=listed)(ticket)


def tickets_json(actor, tickets: Iterable[TicketView], locale: str | None = None, *,
                 listed: bool = False) -> list[dict]:
    """Tickets as `actor` may read them (see `ticket_json`), written by one `ticket_writer`."""
    write = ticket_writer(actor, locale, listed=listed)
    return [write(ticket) for ticket in tickets]


def ticket_writer(actor, locale: str | None = None, *,
                  listed: bool = False) -> Callable[[TicketView], dict]:
    """What writes tickets as `actor` may read them (see `ticket_json`), for a page of them.

    What the actor is and what time it is are read once; the actions a page's
    tickets allow are worked out once per state and parties (a queue repeats the
    same few). The rules stay those of permissions and the lifecycle.
    """
    phone_of = permissions.reporter_phones(actor, listed=listed)
    parties_of = party_finder(actor)
    # Follow-up visits are notes of staff and building leaders, not the resident's.
    shows_visits = actor.role is not Role.resident
    locale = locale or str(get_locale())
    now = clock.now()
    actions: dict[tuple, list[str]] = {}

    def write(ticket: TicketView) -> dict:
        status = ticket.status.value
        parties = parties_of(ticket, ticket.street_id, ticket.community_office_id)
        allowed = actions.get((status, parties))
        if allowed is None:
            # Every action the parties may take in this state, as if hurrying were due.
            allowed = actions[status, parties] = lifecycle.allowed_actions(
                status, parties, hurry_due=True)
        if "hurry" in allowed and not lifecycle.hurry_due(ticket, now):
            allowed = [name for name in allowed if name != "hurry"]
        else:
            allowed = list(allowed)
        flags = sorted(ticket.routing_flags)
        building, unit, household, asset = (ticket.building, ticket.unit, ticket.household,
                                            ticket.asset)
        return {
            "id": ticket.id,
            "number": ticket.number,
            "status": status,
            "category": ticket.category,
            "priority": ticket.priority.value,
            "channel": ticket.channel.value,
            "community": ticket.community.code,
            "building": building.code if building else None,
            "unit": unit.code if unit else None,
            "household": household.code if household else None,
            "inside_home": ticket.inside_home,
            "asset": asset.code if asset else None,
            "description": ticket.description,
            "reported_at": time_str(ticket.reported_at),
            "assignee": {"org": ticket.assignee.code, "name": ticket.assignee.name},
            "routing": {
                "reason": ticket.routing_reason,
                "steps": explain.stored_steps_text(ticket.routing_steps_json, locale),
                "flags": flags,
                "not_handed_over": routing.NOT_HANDED_OVER in flags,
            },
            "due_respond_at": time_str(ticket.due_respond_at),
            "due_resolve_at": time_str(ticket.due_resolve_at),
            "responded_at": time_str(ticket.responded_at),
            "resolved_at": time_str(ticket.resolved_at),
            "closed_at": time_str(ticket.closed_at),
            "cancelled_at": time_str(ticket.cancelled_at),
            "resolution_note": ticket.resolution_note,
            "escalation_level": ticket.escalation_level,
            "rating": ticket.rating,
            "reopen_count": ticket.reopen_count,
            "hurry_count": ticket.hurry_count,
            "reporter": {"name": ticket.reporter_name, "phone": phone_of(ticket)},
            "events": [
                {
                    "at": time_str(event.at),
                    "action": event.action,
                    "status": event.status_after,
                    "actor": event.actor,
                    "org": event.org,
                    "note": event.note or "",
                }
                for event in ticket.events
                if shows_visits or event.action != "visit"
            ],
            "allowed_actions": allowed,
            "photos": [photo_json(photo) for photo in ticket.photos],
        }

    return write


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


# --- The shapes above, as typed answers (the OpenAPI document is built from them) --------------

Status = Literal[tuple(status.value for status in TicketStatus)]
PriorityName = Literal[tuple(priority.value for priority in Priority)]
CategoryCode = Literal[tuple(sorted(CATEGORY_CODES))]


class Routing(Answer):
    """Why the assignee got the ticket."""

    reason: Annotated[Literal[tuple(routing.REASONS)],
                      Field(description="Why the assignee got it (docs/domain.md#routing).")]
    steps: Annotated[list[str], Field(description="Every step routing considered, as "
                                      "sentences in the caller's language.")]
    flags: Annotated[list[str], Field(description=(
        "`not_handed_over` (a utility's asset left with the manager), `coverage_gap` (nobody "
        "manages the community), `paid_service` (past the meter, the owner's), "
        "`notify_manager` (gas: the manager is told too)."))]
    not_handed_over: bool


class Reporter(Answer):
    name: str
    phone: Annotated[str | None, Field(description=(
        "In full only to the reporter, and to the assigned organisation in the answer "
        "about this one ticket while it is open; else masked (138****0000), and always "
        "masked in lists of tickets but to the reporter."))]


class TicketEventAnswer(Answer):
    at: Moment
    action: str
    status: Status
    actor: Annotated[str | None, Field(description="Username; null for the scheduler.")]
    org: CodeText | None
    note: str


class TicketPhotoAnswer(Answer):
    id: int
    purpose: Literal["report", "fix"]
    url: Annotated[str, Field(description="Where the image is served (with the bearer token; "
                              "only to those who see the ticket).")]
    content_type: Literal["image/jpeg", "image/png", "image/webp"]
    width: Annotated[int, Field(ge=1)]
    height: Annotated[int, Field(ge=1)]


class TicketAnswer(Answer):
    """A repair ticket as the caller may read it."""

    id: int
    number: Annotated[str, Field(examples=["20250602-000001"])]
    status: Status
    category: CategoryCode
    priority: PriorityName
    channel: Literal[tuple(c.value for c in Channel)]
    community: CodeText
    building: CodeText | None
    unit: CodeText | None
    household: Annotated[CodeText | None, Field(description="The household's code in its "
                                                "unit.")]
    inside_home: bool
    asset: CodeText | None
    description: str
    reported_at: Moment
    assignee: OrgRef
    routing: Routing
    due_respond_at: Moment
    due_resolve_at: Moment
    responded_at: Moment | None
    resolved_at: Moment | None
    closed_at: Moment | None
    cancelled_at: Moment | None
    resolution_note: str
    escalation_level: Annotated[int, Field(ge=0, le=3)]
    rating: Annotated[int, Field(ge=1, le=5)] | None
    reopen_count: Annotated[int, Field(ge=0)]
    hurry_count: Annotated[int, Field(ge=0, description="How often the reporter hurried the "
                                      "ticket up (催办) past a deadline.")]
    reporter: Reporter
    events: Annotated[list[TicketEventAnswer], Field(description="The trail, oldest first.")]
    allowed_actions: Annotated[list[Literal[tuple(lifecycle.ACTION_NAMES)]],
                               Field(description="What the caller may do now.")]
    photos: list[TicketPhotoAnswer]


class RoutingPreviewAnswer(Routing):
    """Who would get a ticket, why, and the asset that decided."""

    assignee: OrgRef
    asset: Annotated[CodeText | None, Field(description="The asset that decided, if any.")]


class PhotosAnswer(Answer):
    """The photos an upload added."""

    items: list[TicketPhotoAnswer]


class NotificationAnswer(Answer):
    """A notification as a sentence in the reader's language, with its ticket."""

    id: int
    kind: str
    text: Annotated[str, Field(description="In the caller's language.")]
    ticket: Annotated[int | None, Field(description="The ticket's id.")]
    number: str | None
    created_at: Moment
    read: bool


class NotificationPage(Page[NotificationAnswer]):
    """A page of notifications; `unread` counts the caller's unread ones over all pages."""

    unread: Count


class ReadCounts(Answer):
    marked: Annotated[Count, Field(description="How many were unread and are now read.")]
    unread: Annotated[Count, Field(description="How many of the caller's are still unread.")]
