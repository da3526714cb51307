"""Writing webhook deliveries to the outbox, in the same transaction as the change.

A service that changes something an organisation may subscribe to
(docs/api.md#webhooks) calls `publish`: one INSERT … SELECT writes a pending
delivery for each of the organisation's live webhooks that wants the event, and
nothing when none does. The rows commit or roll back with the change itself, so
an event is never lost and never sent for work that was undone; the `webhooks`
job (pmsys/notifications/delivery.py) sends them later.
"""

from __future__ import annotations

import uuid

from sqlalchemy import JSON, Integer, String, bindparam, insert, literal, select
from sqlalchemy.orm import Session

from pmsys import clock
from pmsys.db import UTCDateTime, Write
from pmsys.models.integrations import WEBHOOK_EVENTS, Webhook, WebhookDelivery
from pmsys.models.tickets import Ticket

# Built once, run with parameters: building an INSERT … SELECT costs more than running it.
# On the table, not the entity: with parameters the ORM would take it for a bulk insert.
_PUBLISH = insert(WebhookDelivery.__table__).from_select(
    ["webhook_id", "event_id", "event", "occurred_at", "queued_at", "data", "state",
     "attempts", "next_attempt_at"],
    select(
        Webhook.id, bindparam("event_id", type_=String), bindparam("event", type_=String),
        bindparam("occurred_at", type_=UTCDateTime), bindparam("queued_at", type_=UTCDateTime),
        bindparam("data", type_=JSON), literal("pending", String), literal(0, Integer),
        bindparam("next_attempt_at", type_=UTCDateTime),
    ).where(Webhook.organization_id == bindparam("org_id"), Webhook.deleted_at.is_(None),
            Webhook.events.like(bindparam("wanted", type_=String))),
)


def publish(session: Session, org_id: int | None, event: str, data: dict) -> str | None:
    """Queue `event` for the organisation's webhooks that want it (one statement); its id."""
    write = publish_write(org_id, event, data)
    if write is None:
        return None
    session.execute(write.statement, write.params)
    return write.params["event_id"]


def publish_write(org_id: int | None, event: str, data: dict) -> Write | None:
    """The insert `publish` makes (None without an organisation), for `db.write_all`."""
    if org_id is None:
        return None
    if event not in WEBHOOK_EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    now = clock.now()
    return Write(_PUBLISH, {"org_id": org_id, "event_id": str(uuid.uuid4()), "event": event,
                            "occurred_at": now, "queued_at": now, "data": data,
                            "next_attempt_at": now, "wanted": f"%,{event},%"})


def ticket_data(ticket: Ticket, **extra) -> dict:
    """What a ticket event tells the receiver (no reporter's name or phone)."""
    return {"number": ticket.number, "status": ticket.status.value,
            "category": ticket.category, "priority": ticket.priority.value, **extra}


def publish_ticket(session: Session, org_id: int | None, event: str, ticket: Ticket,
                   **extra) -> str | None:
    """Queue a ticket event for an organisation's webhooks (one statement)."""
    return publish(session, org_id, event, ticket_data(ticket, **extra))


def ticket_write(org_id: int | None, event: str, ticket: Ticket, **extra) -> Write | None:
    """The insert `publish_ticket` makes, for `db.write_all` with others."""
    return publish_write(org_id, event, ticket_data(ticket, **extra))
