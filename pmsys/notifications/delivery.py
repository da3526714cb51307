"""Sending the outbox: signed webhook deliveries, in order per endpoint, with backoff.

The `webhooks` job (pmsys/jobs/webhooks.py) calls `send_due` every minute. For
each endpoint with pending deliveries it sends them oldest first and stops at
the first failure, so a receiver that was down gets everything later, in order
(docs/api.md#webhooks). A failed delivery waits 1, 2, 4, … minutes (at most
30) before the next try; one still undelivered 24 hours after it was queued is
given up (`failed`), and the deliveries behind it go on. Any 2xx answer
acknowledges. A delivery is sent again if the run that sent it did not commit
(a crash after sending): receivers drop repeats by the event id.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from pmsys.models.integrations import DeliveryState, Webhook, WebhookDelivery

RETRY_WINDOW = timedelta(hours=24)
MAX_BACKOFF_MINUTES = 30
TIMEOUT_SECONDS = 5
# Bounds one run's work for one endpoint; the rest waits a minute for the next run.
MAX_PER_ENDPOINT = 50
MAX_ERROR = 500

# (url, body, headers, timeout) -> (HTTP status or None, error text or None)
Transport = Callable[[str, bytes, dict, float], tuple[int | None, str | None]]


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed try."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), MAX_BACKOFF_MINUTES))


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The `X-Pmsys-Signature` value: HMAC-SHA256 over "timestamp.body", in hex."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def body_of(row: WebhookDelivery) -> bytes:
    """The JSON body of a delivery: the same bytes for every try."""
    return json.dumps(
        {"id": row.event_id, "event": row.event, "occurred_at": row.occurred_at.isoformat(),
         "data": row.data},
        ensure_ascii=False, separators=(",", ":"), sort_keys=True,
    ).encode()


def headers_for(hook: Webhook, row: WebhookDelivery, body: bytes, now: datetime) -> dict:
    timestamp = int(now.timestamp())
    return {
        "Content-Type": "application/json",
        "User-Agent": "pmsys-webhooks",
        "X-Pmsys-Event": row.event,
        "X-Pmsys-Delivery": row.event_id,
        "X-Pmsys-Timestamp": str(timestamp),
        "X-Pmsys-Signature": signature(hook.secret, timestamp, body),
    }


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a 2xx: it is not followed (nor is the body re-sent)."""

    def redirect_request(self, *args, **kwargs):
        return None


# No proxy from the environment: the body goes to the registered address only.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())


def post(url: str, body: bytes, headers: dict, timeout: float) -> tuple[int | None, str | None]:
    """POST with urllib; (status, None) for any answer, (None, why) when none came."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _OPENER.open(request, timeout=timeout) as answer:
            return answer.status, None
    except urllib.error.HTTPError as error:
        error.close()
        return error.code, None
    except (urllib.error.URLError, OSError, ValueError) as error:
        return None, str(getattr(error, "reason", error))[:MAX_ERROR]


def _attempt(hook: Webhook, row: WebhookDelivery, now: datetime, transport: Transport) -> bool:
    body = body_of(row)
    try:
        status, error = transport(hook.url, body, headers_for(hook, row, body, now),
                                  TIMEOUT_SECONDS)
    except Exception as failure:  # noqa: BLE001 - one receiver must not stop the others
        status, error = None, f"{type(failure).__name__}: {failure}"[:MAX_ERROR]
    row.attempts += 1
    row.last_attempt_at = now
    row.last_status = status
    row.last_error = error
    if status is not None and 200 <= status < 300:
        row.state = DeliveryState.delivered
        row.delivered_at = now
        return True
    return False


def send_due(session: Session, now: datetime, transport: Transport = post) -> dict:
    """Send what is due to every live endpoint; counts of delivered, retrying and given up."""
    pending = select(WebhookDelivery.webhook_id).where(
        WebhookDelivery.state == DeliveryState.pending)
    hooks = session.scalars(select(Webhook).where(
        Webhook.deleted_at.is_(None), Webhook.id.in_(pending)).order_by(Webhook.id)).all()
    summary = {"endpoints": len(hooks), "delivered": 0, "retrying": 0, "given_up": 0}
    for hook in hooks:
        rows = session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.webhook_id == hook.id,
                   WebhookDelivery.state == DeliveryState.pending)
            .order_by(WebhookDelivery.id).limit(MAX_PER_ENDPOINT)).all()
        for row in rows:
            if row.next_attempt_at > now:
                break  # the oldest waits out its backoff; the later ones wait behind it
            if _attempt(hook, row, now, transport):
                summary["delivered"] += 1
                continue
            if now - row.queued_at >= RETRY_WINDOW:
                row.state = DeliveryState.failed
                summary["given_up"] += 1
                continue
            row.next_attempt_at = now + backoff(row.attempts)
            summary["retrying"] += 1
            break
    session.flush()
    return summary
