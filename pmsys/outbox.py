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

from sqlalchemy import JSON, Integer, String, insert, literal, select
from sqlalchemy.orm import Session

from pmsys import clock
from pmsys.db import UTCDateTime
from pmsys.models.integrations import WEBHOOK_EVENTS, Webhook, WebhookDelivery
from pmsys.models.tickets import Ticket


def publish(session: Session, org_id: int | None, event: str, data: dict) -> str | None:
    """Queue `event` for the organisation's webhooks that want it (one statement); its id."""
    if org_id is None:
        return None
    if event not in WEBHOOK_EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    event_id = str(uuid.uuid4())
    now = clock.now()
    wanted = select(
        Webhook.id, literal(event_id, String), literal(event, String),
        literal(now, UTCDateTime), literal(now, UTCDateTime), literal(data, JSON),
        literal("pending", String),
        literal(0, Integer), literal(now, UTCDateTime),
    ).where(Webhook.organization_id == org_id, Webhook.deleted_at.is_(None),
            Webhook.events.like(f"%,{event},%"))
    session.execute(insert(WebhookDelivery).from_select(
        ["webhook_id", "event_id", "event", "occurred_at", "queued_at", "data", "state",
         "attempts", "next_attempt_at"], wanted))
    return event_id


def ticket_data(ticket: Ticket, **extra) -> dict:
    """What a ticket event tells the receiver (no reporter's name or phone)."""
    return {"number": ticket.number, "status": ticket.status.value,
            "category": ticket.category, "priority": ticket.priority.value, **extra}


def publish_ticket(session: Session, org_id: int | None, event: str, ticket: Ticket,
                   **extra) -> str | None:
    """Queue a ticket event for an organisation's webhooks (one statement)."""
    return publish(session, org_id, event, ticket_data(ticket, **extra))
