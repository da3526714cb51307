"""API: an organisation's API keys and webhooks, for its administrator (docs/api.md#integrations).

Who administers an organisation is answered in pmsys/auth/keys.py: its own staff
logins (not its keys) and sysadmins.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from flask import current_app, g
from pydantic import Field

from pmsys.api import bp
from pmsys.api.helpers import api_login_required, page_rows
from pmsys.api.typed import Answer, Input, NoBody, Page, Paged, endpoint, text
from pmsys.auth import keys
from pmsys.extensions import db
from pmsys.models.integrations import (
    WEBHOOK_EVENTS,
    ApiKey,
    DeliveryState,
    Webhook,
    WebhookDelivery,
)
from pmsys.notifications import webhooks

ORG_PATH = {"code": "The organisation's code."}
HOOK_PATH = {**ORG_PATH, "webhook_id": "The webhook's id."}
_ADMIN = ("The caller is not the organisation's staff or a sysadmin, or is an API key "
          "(`not_org_admin`).")
Event = Literal[WEBHOOK_EVENTS]


class NewKey(Answer):
    id: int
    key: Annotated[str, Field(description="Send as `Authorization: Bearer …`; shown only "
                                          "this once.")]


class KeyRow(Answer):
    id: int
    login: Annotated[str, Field(description="The name the audit trail gives the key.")]
    created_at: datetime
    revoked_at: datetime | None


class NewWebhook(Input):
    url: text(2000, 1)
    events: Annotated[list[text(40, 1)], Field(min_length=1, max_length=len(WEBHOOK_EVENTS))]


class WebhookCreated(Answer):
    id: int
    secret: Annotated[str, Field(description="Signs every delivery; shown only this once.")]


class WebhookRow(Answer):
    id: int
    url: str
    events: list[Event]
    created_at: datetime


class Delivery(Answer):
    id: int
    event_id: str
    event: Event
    occurred_at: datetime
    data: dict
    state: Literal[tuple(state.value for state in DeliveryState)]
    attempts: Annotated[int, Field(ge=0)]
    next_attempt_at: datetime
    last_attempt_at: datetime | None
    last_status: int | None
    last_error: str | None
    delivered_at: datetime | None


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def key_json(row: ApiKey) -> dict:
    return {"id": row.id, "login": row.user.username, "created_at": _when(row.created_at),
            "revoked_at": _when(row.revoked_at)}


def webhook_json(hook: Webhook) -> dict:
    return {"id": hook.id, "url": hook.url, "events": hook.event_list,
            "created_at": _when(hook.created_at)}


def delivery_json(row: WebhookDelivery) -> dict:
    return {"id": row.id, "event_id": row.event_id, "event": row.event,
            "occurred_at": _when(row.occurred_at), "data": row.data, "state": row.state.value,
            "attempts": row.attempts, "next_attempt_at": _when(row.next_attempt_at),
            "last_attempt_at": _when(row.last_attempt_at), "last_status": row.last_status,
            "last_error": row.last_error, "delivered_at": _when(row.delivered_at)}


def _org(code: str, action: str):
    return keys.org_for_admin(db.session, g.api_user, code, action)


@bp.post("/orgs/<code>/api-keys")
@api_login_required
@endpoint(body=NoBody, answers={201: ("The new key; shown only this once.", NewKey)},
          refusals={403: _ADMIN, 404: "No such organisation."}, path=ORG_PATH,
          tags=("integrations",))
def create_api_key(code: str):
    """Issue an API key that acts for the organisation.

    The key reads and acts as the organisation's staff may (its tickets, their actions), and
    the audit trail names it. Only its hash is kept.
    """
    org = _org(code, "api_key_issue")
    key, row = keys.issue_key(db.session, g.api_user, org)
    return {"id": row.id, "key": key}, 201


@bp.get("/orgs/<code>/api-keys")
@api_login_required
@endpoint(answers={200: ("The organisation's keys, newest first.", list[KeyRow])},
          refusals={403: _ADMIN, 404: "No such organisation."}, path=ORG_PATH,
          tags=("integrations",))
def list_api_keys(code: str):
    """The organisation's API keys (never the keys themselves)."""
    org = _org(code, "api_key_list")
    return [key_json(row) for row in keys.list_keys(db.session, org)]


@bp.delete("/orgs/<code>/api-keys/<key_id>")
@api_login_required
@endpoint(answers={204: ("Revoked (or it already was).", None)},
          refusals={403: _ADMIN, 404: "No such organisation or key."},
          path={**ORG_PATH, "key_id": "The key's id."}, tags=("integrations",))
def revoke_api_key(code: str, key_id: str):
    """Revoke an API key: it stops working at once."""
    org = _org(code, "api_key_revoke")
    keys.revoke_key(db.session, g.api_user, org, key_id)
    return "", 204


@bp.post("/orgs/<code>/webhooks")
@api_login_required
@endpoint(body=NewWebhook, answers={201: ("The webhook; its secret is shown only this once.",
                                          WebhookCreated)},
          refusals={400: "A URL that is not https (`invalid_url`; http only to a loopback "
                         "address outside production), or unknown events (`invalid_events`).",
                    403: _ADMIN, 404: "No such organisation."},
          path=ORG_PATH, tags=("integrations",))
def create_webhook(code: str, body: NewWebhook):
    """Register an endpoint for some of the organisation's events.

    Events: `ticket.assigned`, `ticket.reassigned_away`, `ticket.reopened`,
    `ticket.escalated`, `ticket.hurried`, `handover.waiting`.
    """
    org = _org(code, "webhook_register")
    hook, secret = webhooks.register(
        db.session, g.api_user, org, url=body.url, events=list(body.events),
        production=current_app.config.get("ENV_NAME") == "production")
    return {"id": hook.id, "secret": secret}, 201


@bp.get("/orgs/<code>/webhooks")
@api_login_required
@endpoint(answers={200: ("The organisation's webhooks, oldest first.", list[WebhookRow])},
          refusals={403: _ADMIN, 404: "No such organisation."}, path=ORG_PATH,
          tags=("integrations",))
def list_webhooks(code: str):
    """The organisation's webhooks (never their secrets)."""
    org = _org(code, "webhook_list")
    return [webhook_json(hook) for hook in webhooks.live_webhooks(db.session, org)]


@bp.delete("/orgs/<code>/webhooks/<webhook_id>")
@api_login_required
@endpoint(answers={204: ("Deleted: nothing more is sent to it.", None)},
          refusals={403: _ADMIN, 404: "No such organisation or webhook."}, path=HOOK_PATH,
          tags=("integrations",))
def delete_webhook(code: str, webhook_id: str):
    """Delete a webhook; its delivery log is kept."""
    org = _org(code, "webhook_delete")
    webhooks.delete(db.session, g.api_user, org, webhook_id)
    return "", 204


@bp.get("/orgs/<code>/webhooks/<webhook_id>/deliveries")
@api_login_required
@endpoint(query=Paged, answers={200: ("A page of deliveries, newest first.", Page[Delivery])},
          refusals={400: "", 403: _ADMIN, 404: "No such organisation or webhook."},
          path=HOOK_PATH, tags=("integrations",))
def list_deliveries(code: str, webhook_id: str, query: Paged):
    """The delivery log of a webhook: each event, its state, tries and last answer."""
    org = _org(code, "webhook_deliveries")
    hook = webhooks.get_webhook(db.session, org, webhook_id)
    rows, total = page_rows(webhooks.deliveries_query(hook), query)
    return {"items": [delivery_json(row) for row in rows], "total": total}


@bp.post("/orgs/<code>/webhooks/<webhook_id>/deliveries/<delivery_id>/resend")
@api_login_required
@endpoint(body=NoBody, answers={202: ("Queued again, due now.", Delivery)},
          refusals={403: _ADMIN, 404: "No such organisation, webhook or delivery."},
          path={**HOOK_PATH, "delivery_id": "The delivery's id."}, tags=("integrations",))
def resend_delivery(code: str, webhook_id: str, delivery_id: str):
    """Send a delivery again with the same event id (the receiver drops it if it has it)."""
    org = _org(code, "webhook_resend")
    row = webhooks.resend(db.session, g.api_user, org, webhook_id, delivery_id)
    return delivery_json(row), 202
