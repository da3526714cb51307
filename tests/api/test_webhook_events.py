"""Which changes queue which webhook events, for whom (docs/api.md#webhooks)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from pmsys import clock, scheduling
from pmsys.extensions import db
from pmsys.models.auth import Organization
from pmsys.models.integrations import Webhook, WebhookDelivery
from tests.api.asset_world import Caller, build_asset_world
from tests.ticket_world import build_ticket_world, file_as


def register(api, who, org, events):
    response = api.post(who, f"/orgs/{org}/webhooks",
                        {"url": f"https://{org.lower()}.example/h", "events": events})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def queued() -> list[tuple[str, str, dict]]:
    """(organisation code, event, data) of every queued delivery, oldest first."""
    rows = db.session.execute(
        select(Webhook.organization_id, WebhookDelivery.event, WebhookDelivery.data)
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id).order_by(WebhookDelivery.id))
    codes = dict(db.session.execute(select(Organization.id, Organization.code)).all())
    return [(codes[org_id], event, data) for org_id, event, data in rows]


def test_a_handover_tells_the_party_whose_step_it_is(client, db):
    world = build_asset_world()
    api = Caller(client, world)
    register(api, "water", "WATER", ["handover.waiting"])
    register(api, "bureau", "HB", ["handover.waiting"])
    drafted = api.post("bureau", "/handovers",
                       {"code": "H-1", "from": "HB", "to": "WATER", "assets": ["CA-WS"]})
    assert drafted.status_code == 201
    assert queued() == []  # a draft waits for nobody but its author
    assert api.post("bureau", "/handovers/H-1/actions", {"action": "submit"}).status_code == 200
    assert api.post("water", "/handovers/H-1/actions",
                    {"action": "return", "note": "drawings missing"}).status_code == 200
    assert [(org, event, data["status"]) for org, event, data in queued()] == [
        ("WATER", "handover.waiting", "submitted"),
        ("HB", "handover.waiting", "returned"),
    ]


def test_escalation_tells_the_level_and_the_assignee(client, db):
    world = build_ticket_world()
    api = Caller(client, world)
    register(api, "operator_in", "W-D1", ["ticket.escalated"])
    register(api, "officer", "SO-S1", ["ticket.escalated", "ticket.assigned"])
    water = file_as(world, "resident_a", building="1")
    # Both deadlines missed: level 1 (the assignee's own managers), then 2 (the street office).
    scheduling.run_job("escalate", water.due_resolve_at + timedelta(minutes=1))
    assert [(org, event, data["number"], data["level"]) for org, event, data in queued()] == [
        ("W-D1", "ticket.escalated", water.number, 1),
        ("SO-S1", "ticket.escalated", water.number, 2),
        ("W-D1", "ticket.escalated", water.number, 2),
    ]


def test_hurrying_tells_the_assignee(client, db):
    world = build_ticket_world()
    api = Caller(client, world)
    register(api, "operator_in", "W-D1", ["ticket.hurried"])
    water = file_as(world, "resident_a", building="1")
    clock.set_now(water.due_respond_at + timedelta(hours=1))
    response = api.post("resident_a", f"/tickets/{water.id}/actions", {"action": "hurry"})
    assert response.status_code == 200, response.get_json()
    assert [(org, event, data["count"]) for org, event, data in queued()] == [
        ("W-D1", "ticket.hurried", 1)]
