"""Organisations' API keys and webhooks: who keeps them, what a key may do, what is sent.

Deliveries go to a receiver in this process on 127.0.0.1 (tests/api/webhook_receiver.py);
signatures are checked with the snippet printed in docs/api.md#webhook-verify, read from
the page itself.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import Headers

from pmsys import clock, scheduling
from pmsys.audit import AuditRecord
from pmsys.extensions import db
from pmsys.models.auth import ApiToken
from pmsys.models.integrations import ApiKey, WebhookDelivery
from pmsys.notifications import delivery
from pmsys.tickets.services import file_ticket
from tests.api.asset_world import Caller, conforms_to_document
from tests.api.test_errors import assert_envelope
from tests.api.webhook_receiver import Receiver
from tests.conftest import csrf_token
from tests.ticket_world import build_ticket_world, file_as
from tests.web.test_access_table import snapshot

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def documented_verify():
    """The `verify` function exactly as docs/api.md prints it."""
    page = DOCS.read_text(encoding="utf-8")
    after = page.split('<a id="webhook-verify"></a>', 1)[1]
    code = re.search(r"```python\n(.*?)```", after, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, str(DOCS), "exec"), namespace)  # noqa: S102 - our own documentation
    return namespace["verify"]


@pytest.fixture
def world(db):
    return build_ticket_world()


@pytest.fixture
def api(client, world):
    return Caller(client, world)


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


def bearer(key: str) -> dict:
    return {"Authorization": "Bearer " + key}


def register(api, url: str, events, who="operator_in", org="W-D1"):
    response = api.post(who, f"/orgs/{org}/webhooks", {"url": url, "events": events})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def run_webhooks(at):
    return scheduling.run_job("webhooks", at)


def pending_count() -> int:
    return db.session.scalar(select(func.count()).select_from(WebhookDelivery).where(
        WebhookDelivery.state == "pending"))


# --- API keys ------------------------------------------------------------------------------


def test_a_key_acts_for_its_organisation_only_and_is_audited_by_name(api, world, client):
    water = file_as(world, "resident_a", building="1")  # routed to W-D1 (operator_in)
    roof = file_as(world, "resident_a", building="1", category="roof_leak")  # K-1's
    created = api.post("operator_in", "/orgs/W-D1/api-keys")
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert set(body) == {"id", "key"}
    key = body["key"]
    # Only a hash is stored: no column holds the key itself.
    row = db.session.get(ApiKey, body["id"])
    assert row.token.token_hash == hashlib.sha256(key.encode()).hexdigest()
    assert db.session.scalar(select(func.count()).select_from(ApiToken).where(
        ApiToken.token_hash == key)) == 0

    open311 = client.get("/open311/v2/requests.json", query_string={"api_key": key})
    assert [r["service_request_id"] for r in open311.get_json()] == [water.number]
    listed = client.get("/api/v1/tickets", headers=bearer(key)).get_json()
    assert [t["number"] for t in listed["items"]] == [water.number]
    assert client.get(f"/api/v1/tickets/{roof.id}", headers=bearer(key)).status_code == 404
    accepted = client.post(f"/api/v1/tickets/{water.id}/actions", headers=bearer(key),
                           json={"action": "accept"})
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["status"] == "accepted"
    audited = db.session.scalars(select(AuditRecord.actor).where(
        AuditRecord.action == "ticket_accept", AuditRecord.object_key == water.number)).all()
    assert audited == [row.user.username] and audited[0].startswith("apikey-")
    # A key is not the organisation's administrator.
    assert_envelope(client.post("/api/v1/orgs/W-D1/api-keys", headers=bearer(key)), 403,
                    "not_org_admin")
    conforms_to_document(client, [("/orgs/{code}/api-keys", "post", created)])


def test_only_the_organisations_staff_or_a_sysadmin_keep_its_keys(api, world, client):
    assert_envelope(api.post("manager_a", "/orgs/W-D1/api-keys"), 403, "not_org_admin")
    assert_envelope(api.post("resident_a", "/orgs/W-D1/api-keys"), 403, "not_org_admin")
    assert api.post("operator_in", "/orgs/NOPE/api-keys").status_code == 404
    assert api.post(None, "/orgs/W-D1/api-keys").status_code == 401
    by_sysadmin = api.post("sysadmin", "/orgs/W-D1/api-keys")
    assert by_sysadmin.status_code == 201
    refused = db.session.scalars(select(AuditRecord.action).where(
        AuditRecord.action == "api_key_issue_refused")).all()
    assert len(refused) == 2


def test_a_revoked_key_stops_working_at_once(api, world, client):
    body = api.post("operator_in", "/orgs/W-D1/api-keys").get_json()
    assert client.get("/api/v1/me", headers=bearer(body["key"])).status_code == 200
    listed = api.get("operator_in", "/orgs/W-D1/api-keys")
    assert [k["id"] for k in listed.get_json()] == [body["id"]]
    assert listed.get_json()[0]["revoked_at"] is None
    assert_envelope(client.delete(f"/api/v1/orgs/W-D1/api-keys/{body['id']}",
                                  headers=api.headers("manager_a")), 403, "not_org_admin")
    gone = client.delete(f"/api/v1/orgs/W-D1/api-keys/{body['id']}",
                         headers=api.headers("operator_in"))
    assert gone.status_code == 204
    assert client.get("/api/v1/me", headers=bearer(body["key"])).status_code == 401
    assert api.get("operator_in", "/orgs/W-D1/api-keys").get_json()[0]["revoked_at"]
    # A key does not log itself out: its administrator revokes it.
    other = api.post("operator_in", "/orgs/W-D1/api-keys").get_json()["key"]
    assert_envelope(client.delete("/api/v1/auth/token", headers=bearer(other)), 403, "api_key")
    assert client.get("/api/v1/me", headers=bearer(other)).status_code == 200
    # Another organisation's key id is not found under this one.
    assert client.delete(f"/api/v1/orgs/PM-A/api-keys/{body['id']}",
                         headers=api.headers("manager_a")).status_code == 404


# --- registering webhooks -------------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "http://example.com/hook", "ftp://127.0.0.1/x", "https://", "127.0.0.1/hook",
    "http://10.0.0.1/hook", "https://user:pw@example.com/hook",
])
def test_webhook_urls_must_be_https_or_loopback_http(api, url):
    response = api.post("operator_in", "/orgs/W-D1/webhooks",
                        {"url": url, "events": ["ticket.assigned"]})
    assert_envelope(response, 400, "invalid_url")


def test_loopback_http_is_refused_in_production():
    from pmsys.errors import InvalidInput
    from pmsys.notifications.webhooks import check_url

    assert check_url("http://127.0.0.1:8080/x", production=False)
    assert check_url("https://hooks.example.com/x", production=True)
    for internal in ("http://127.0.0.1:8080/x", "https://127.0.0.1/x", "https://10.1.2.3/x",
                     "https://[::1]/x", "https://localhost/x", "https://169.254.169.254/x"):
        with pytest.raises(InvalidInput):
            check_url(internal, production=True)
    assert check_url("https://10.1.2.3/x", production=False)


def test_webhooks_are_registered_listed_and_deleted(api, client):
    assert_envelope(api.post("operator_in", "/orgs/W-D1/webhooks",
                             {"url": "https://a.example/h", "events": ["ticket.closed"]}),
                    400, "invalid_events")
    created = api.post("operator_in", "/orgs/W-D1/webhooks",
                       {"url": "https://a.example/h",
                        "events": ["ticket.hurried", "ticket.assigned"]})
    assert created.status_code == 201
    hook = created.get_json()
    assert set(hook) == {"id", "secret"} and len(hook["secret"]) == 64
    listed = api.get("operator_in", "/orgs/W-D1/webhooks")
    assert [(h["id"], h["url"], h["events"]) for h in listed.get_json()] == [
        (hook["id"], "https://a.example/h", ["ticket.assigned", "ticket.hurried"])]
    assert "secret" not in listed.get_json()[0]
    assert api.get("manager_a", "/orgs/W-D1/webhooks").status_code == 403
    assert client.delete(f"/api/v1/orgs/W-D1/webhooks/{hook['id']}",
                         headers=api.headers("operator_in")).status_code == 204
    assert api.get("operator_in", "/orgs/W-D1/webhooks").get_json() == []
    conforms_to_document(client, [("/orgs/{code}/webhooks", "post", created),
                                  ("/orgs/{code}/webhooks", "get", listed)])


# --- the outbox and the job -------------------------------------------------------------------


def test_a_delivery_is_signed_and_the_documented_check_accepts_it_and_refuses_forgeries(
        api, world, receiver):
    hook = register(api, receiver.url, ["ticket.assigned"])
    water = file_as(world, "resident_a", building="1")
    assert receiver.received == []  # nothing is sent inside the request
    now = clock.now()
    summary = run_webhooks(now)
    assert summary == {"endpoints": 1, "delivered": 1, "retrying": 0, "given_up": 0}
    [(headers, body)] = receiver.received
    payload = json.loads(body)
    assert payload["event"] == "ticket.assigned" and payload["data"]["number"] == water.number
    assert set(payload) == {"id", "event", "occurred_at", "data"}
    assert headers["x-pmsys-event"] == "ticket.assigned"
    assert headers["x-pmsys-delivery"] == payload["id"]
    assert headers["x-pmsys-timestamp"] == str(int(now.timestamp()))
    verify = documented_verify()
    seen = Headers(list(headers.items()))
    at = int(now.timestamp())
    assert verify(hook["secret"], seen, body, now=at)
    forged_body = body.replace(water.number.encode(), b"T-FORGED")
    assert not verify(hook["secret"], seen, forged_body, now=at)
    assert not verify("0" * 64, seen, body, now=at)
    forged = Headers(list(headers.items()))
    forged["X-Pmsys-Signature"] = "sha256=" + "0" * 64
    assert not verify(hook["secret"], forged, body, now=at)
    # A replay long after is refused too.
    assert not verify(hook["secret"], seen, body, now=at + 3600)
    # Sent once: the next run has nothing to do.
    assert run_webhooks(now + timedelta(minutes=1))["endpoints"] == 0
    assert len(receiver.received) == 1


def test_the_outbox_is_written_with_the_change_and_never_for_a_rolled_back_one(api, world):
    register(api, "https://a.example/h", ["ticket.assigned"])
    file_ticket(db.session, world.users["resident_a"], category="water_supply",
                community="CA", building="1", description="漏水")
    assert pending_count() == 1
    db.session.rollback()
    assert pending_count() == 0
    # No webhook of the assignee, no row.
    file_as(world, "resident_a", building="1", category="roof_leak")
    assert pending_count() == 0


def test_the_outbox_survives_a_crash_between_commit_and_send(api, world, receiver):
    register(api, receiver.url, ["ticket.assigned"])
    number = file_as(world, "resident_a", building="1").number  # committed; then a crash
    db.session.expunge_all()
    db.session.remove()
    assert run_webhooks(clock.now())["delivered"] == 1
    assert json.loads(receiver.received[0][1])["data"]["number"] == number


def test_a_run_that_sent_but_did_not_commit_sends_again_with_the_same_event_id(
        api, world, receiver):
    register(api, receiver.url, ["ticket.assigned"])
    file_as(world, "resident_a", building="1")
    delivery.send_due(db.session, clock.now())
    db.session.rollback()  # the scheduler died before its commit
    run_webhooks(clock.now())
    ids = [headers["x-pmsys-delivery"] for headers, _body in receiver.received]
    assert len(ids) == 2 and ids[0] == ids[1]
    assert pending_count() == 0


def test_a_receiver_down_for_an_hour_gets_everything_later_in_order(api, world, receiver):
    register(api, receiver.url, ["ticket.assigned"])
    start = clock.now()
    numbers = []
    for minute in range(3):
        clock.set_now(start + timedelta(minutes=minute))
        numbers.append(file_as(world, "resident_a", building="1",
                               description=f"漏水 {minute}").number)
    receiver.status = 503
    minute = 3
    while minute <= 63:
        summary = run_webhooks(start + timedelta(minutes=minute))
        assert summary["delivered"] == 0 and summary["given_up"] == 0
        minute += 1
    assert receiver.received == [] and pending_count() == 3
    tries = db.session.scalars(select(WebhookDelivery.attempts)
                               .order_by(WebhookDelivery.id)).all()
    # Backoff: 1, 2, 4, 8, 16, 30 minutes — only the oldest is tried while it fails.
    assert tries[1:] == [0, 0] and 5 <= tries[0] <= 8
    receiver.status = 200
    while minute <= 63 + 31 and len(receiver.received) < 3:
        run_webhooks(start + timedelta(minutes=minute))
        minute += 1
    got = [json.loads(body)["data"]["number"] for _headers, body in receiver.received]
    assert got == numbers
    assert pending_count() == 0


def test_one_receivers_failure_does_not_hold_up_another(api, world, receiver):
    with Receiver() as broken:
        broken.status = 500
        register(api, broken.url, ["ticket.assigned"])
        register(api, receiver.url, ["ticket.assigned"])
        file_as(world, "resident_a", building="1")
        summary = run_webhooks(clock.now())
    assert summary == {"endpoints": 2, "delivered": 1, "retrying": 1, "given_up": 0}
    assert len(receiver.received) == 1


def test_a_delivery_is_given_up_24_hours_after_it_was_queued(api, world):
    register(api, "http://127.0.0.1:9/nothing-listens", ["ticket.assigned"])
    file_as(world, "resident_a", building="1")
    start = clock.now()
    assert run_webhooks(start)["retrying"] == 1
    assert run_webhooks(start + timedelta(hours=24))["given_up"] == 1
    row = db.session.scalars(select(WebhookDelivery)).one()
    assert row.state == "failed" and row.attempts == 2 and row.last_status is None


def test_the_delivery_log_and_a_resend(api, world, receiver, client):
    hook = register(api, receiver.url, ["ticket.assigned"])
    file_as(world, "resident_a", building="1")
    run_webhooks(clock.now())
    url = f"/orgs/W-D1/webhooks/{hook['id']}/deliveries"
    log = api.get("operator_in", url)
    assert log.status_code == 200
    [item] = log.get_json()["items"]
    assert (item["state"], item["attempts"], item["last_status"]) == ("delivered", 1, 200)
    assert api.get("manager_a", url).status_code == 403
    resent = api.post("operator_in", f"{url}/{item['id']}/resend")
    assert resent.status_code == 202 and resent.get_json()["state"] == "pending"
    assert api.post("operator_in", f"{url}/999999/resend").status_code == 404
    run_webhooks(clock.now() + timedelta(minutes=1))
    ids = [headers["x-pmsys-delivery"] for headers, _body in receiver.received]
    assert ids == [item["event_id"], item["event_id"]]
    conforms_to_document(client, [
        ("/orgs/{code}/webhooks/{webhook_id}/deliveries", "get", log),
        ("/orgs/{code}/webhooks/{webhook_id}/deliveries/{delivery_id}/resend", "post", resent)])


def test_reassigning_tells_both_organisations(api, world):
    register(api, "https://w.example/h", ["ticket.assigned", "ticket.reassigned_away"])
    register(api, "https://pm.example/h", ["ticket.assigned"], who="manager_a", org="PM-A")
    water = file_as(world, "resident_a", building="1")
    response = api.post("officer", f"/tickets/{water.id}/actions",
                        {"action": "reassign", "org": "PM-A", "note": "not our pipe"})
    assert response.status_code == 200, response.get_json()
    rows = db.session.execute(
        select(WebhookDelivery.event, WebhookDelivery.data).order_by(WebhookDelivery.id)).all()
    assert [(event, data.get("from"), data.get("to")) for event, data in rows] == [
        ("ticket.assigned", None, None),
        ("ticket.reassigned_away", None, "PM-A"),
        ("ticket.assigned", "W-D1", None),
    ]


# --- Promise 2: another organisation's keys, webhooks and deliveries -------------------------


def test_another_organisations_key_webhook_and_delivery_answer_like_missing_ones(
    api, world, client, login_as, receiver
):
    """Promise 2: W-D2's staff name W-D1's key, webhook and delivery under their own
    organisation (the one they administer): each call answers exactly as for an id that
    exists nowhere, on the API and the page, and nothing changes."""
    hook = register(api, receiver.url, ["ticket.assigned"])
    key_id = api.post("operator_in", "/orgs/W-D1/api-keys").get_json()["id"]
    file_as(world, "resident_a", building="1")  # routed to W-D1: one delivery queued
    db.session.commit()
    delivery_id = db.session.scalar(select(WebhookDelivery.id))
    assert delivery_id is not None
    theirs = {"key": key_id, "hook": hook["id"], "delivery": delivery_id}
    nowhere = {"key": 999999, "hook": 999999, "delivery": 999999}
    api_calls = [
        ("DELETE", "/api/v1/orgs/W-D2/api-keys/{key}"),
        ("DELETE", "/api/v1/orgs/W-D2/webhooks/{hook}"),
        ("GET", "/api/v1/orgs/W-D2/webhooks/{hook}/deliveries"),
        ("POST", "/api/v1/orgs/W-D2/webhooks/{hook}/deliveries/{delivery}/resend"),
    ]
    page_calls = [
        ("POST", "/orgs/W-D2/integrations/keys/{key}/revoke"),
        ("POST", "/orgs/W-D2/integrations/webhooks/{hook}/delete"),
        ("GET", "/orgs/W-D2/integrations/webhooks/{hook}"),
        ("POST", "/orgs/W-D2/integrations/webhooks/{hook}/deliveries/{delivery}/resend"),
    ]
    headers = api.headers("operator_out")
    db.session.commit()
    before = snapshot(db.session)
    for method, path in api_calls:
        answers = [client.open(path.format(**ids), method=method, headers=headers)
                   for ids in (theirs, nowhere)]
        assert [a.status_code for a in answers] == [404, 404], path
        assert answers[0].get_json() == answers[1].get_json(), path
    login_as(world.users["operator_out"])
    for method, path in page_calls:
        data = {"csrf_token": csrf_token(client, "/")} if method == "POST" else None
        answers = [client.open(path.format(**ids), method=method, data=data)
                   for ids in (theirs, nowhere)]
        assert [a.status_code for a in answers] == [404, 404], path
    db.session.expire_all()
    assert snapshot(db.session) == before
