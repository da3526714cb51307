"""An organisation's webhooks and their delivery log (docs/api.md#webhooks).

Registering, listing and deleting endpoints, reading deliveries and sending one
again; the organisation's administrator does all of it (pmsys/auth/keys.py says
who that is). The deliveries themselves are written by pmsys/outbox.py with the
change, and sent by pmsys/notifications/delivery.py.
"""

from __future__ import annotations

import ipaddress
import secrets
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from pmsys import audit, clock
from pmsys.db import valid_id
from pmsys.errors import InvalidInput, NotFound
from pmsys.models.auth import Organization
from pmsys.models.integrations import (
    WEBHOOK_EVENTS,
    DeliveryState,
    Webhook,
    WebhookDelivery,
)

MAX_URL = Webhook.url.type.length


def _address(host: str | None):
    """The host as an IP address, or None for a name."""
    try:
        return ipaddress.ip_address(host or "")
    except ValueError:
        return None


def _is_loopback(host: str | None) -> bool:
    address = _address(host)
    return host == "localhost" or (address is not None and address.is_loopback)


def _is_internal(host: str | None) -> bool:
    """Whether the host is written as an address no public receiver has (10.x, 127.x, …)."""
    address = _address(host)
    return host == "localhost" or (address is not None and not address.is_global)


def check_url(url: str, *, production: bool) -> str:
    """The endpoint URL if acceptable: https, or http to a loopback address outside production.

    In production an https URL may not name an internal address (127.x, 10.x, 192.168.x, …):
    the scheduler must not be pointed at the machines beside it. A name is not resolved here.
    """
    url = (url or "").strip()
    if not url or len(url) > MAX_URL:
        raise InvalidInput("the URL is empty or too long", code="invalid_url",
                           fields={"url": "invalid"})
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    if parts is None or not host or parts.username or parts.password:
        raise InvalidInput("not a usable URL", code="invalid_url", fields={"url": "invalid"})
    if parts.scheme == "https" and not (production and _is_internal(host)):
        return url
    if parts.scheme == "http" and not production and _is_loopback(host):
        return url
    raise InvalidInput("webhook URLs must use https (http only to a loopback address, "
                       "and never in production)", code="invalid_url",
                       fields={"url": "https required"})


def check_events(events) -> list[str]:
    """The events, each known and named once, in the documented order."""
    if not isinstance(events, list) or not events:
        raise InvalidInput("name at least one event", code="invalid_events",
                           fields={"events": "required"})
    unknown = [e for e in events if e not in WEBHOOK_EVENTS]
    if unknown:
        raise InvalidInput(f"unknown events: {', '.join(map(str, unknown))}",
                           code="invalid_events",
                           fields={"events": "one of " + ", ".join(WEBHOOK_EVENTS)})
    return [e for e in WEBHOOK_EVENTS if e in events]


def register(session: Session, actor, org: Organization, *, url: str, events,
             production: bool) -> tuple[Webhook, str]:
    """Add an endpoint for `org`; returns it and its signing secret (shown once)."""
    url = check_url(url, production=production)
    chosen = check_events(events)
    secret = secrets.token_hex(32)
    hook = Webhook(organization_id=org.id, url=url, events="," + ",".join(chosen) + ",",
                   secret=secret, created_by_id=getattr(actor, "id", None))
    session.add(hook)
    session.flush()
    # The URL may carry a path token of the receiver's: record its host only.
    audit.record(session, actor, "webhook_registered", "webhook", hook.id, org=org.code,
                 host=urlsplit(url).hostname, events=chosen)
    return hook, secret


def live_webhooks(session: Session, org: Organization) -> list[Webhook]:
    """The organisation's endpoints that are not deleted, oldest first."""
    return list(session.scalars(
        select(Webhook).where(Webhook.organization_id == org.id, Webhook.deleted_at.is_(None))
        .order_by(Webhook.id)))


def get_webhook(session: Session, org: Organization, webhook_id: int) -> Webhook:
    """One live endpoint of the organisation, or NotFound."""
    hook = session.scalar(select(Webhook).where(
        Webhook.id == valid_id(webhook_id), Webhook.organization_id == org.id,
        Webhook.deleted_at.is_(None)))
    if hook is None:
        raise NotFound("no such webhook", code="not_found")
    return hook


def delete(session: Session, actor, org: Organization, webhook_id: int) -> None:
    """Stop sending to an endpoint; its delivery log stays for the record."""
    hook = get_webhook(session, org, webhook_id)
    hook.deleted_at = clock.now()
    audit.record(session, actor, "webhook_deleted", "webhook", hook.id, org=org.code)


def deliveries_query(hook: Webhook):
    """The endpoint's deliveries, newest first (for a paged list)."""
    return (select(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id)
            .order_by(WebhookDelivery.id.desc()))


def resend(session: Session, actor, org: Organization, webhook_id: int,
           delivery_id: int) -> WebhookDelivery:
    """Queue a delivery again, due now, with the same event id (receivers drop repeats)."""
    hook = get_webhook(session, org, webhook_id)
    row = session.scalar(select(WebhookDelivery).where(
        WebhookDelivery.id == valid_id(delivery_id), WebhookDelivery.webhook_id == hook.id))
    if row is None:
        raise NotFound("no such delivery", code="not_found")
    now = clock.now()
    row.state = DeliveryState.pending
    row.next_attempt_at = now
    # A fresh retry window: the 24 hours count from the re-send.
    row.queued_at = now
    row.attempts = 0
    session.flush()
    audit.record(session, actor, "webhook_resent", "webhook_delivery", row.id, org=org.code,
                 event_id=row.event_id)
    return row
