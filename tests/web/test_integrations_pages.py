"""The integrations page: an organisation's staff issue and revoke keys, add webhooks, re-send."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from pmsys import scheduling
from pmsys.extensions import db
from pmsys.models.integrations import ApiKey, Webhook, WebhookDelivery
from tests.api.webhook_receiver import Receiver
from tests.ticket_world import build_ticket_world, file_as

PAGE = "/orgs/W-D1/integrations"


@pytest.fixture
def world(db):
    return build_ticket_world()


def test_staff_issue_a_key_shown_once_that_works_and_revoke_it(client, world, login_as, csrf):
    login_as(world.users["operator_in"])
    assert client.get("/account").get_data(as_text=True).count(PAGE) == 1
    page = client.get(PAGE)
    assert page.status_code == 200
    created = client.post(PAGE + "/keys", data={"csrf_token": csrf(PAGE)})
    assert created.status_code == 200
    key = re.search(r'<code id="new-key">([^<]+)</code>', created.get_data(as_text=True))[1]
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer " + key}).status_code == 200
    # Shown only once: the page does not show it again.
    assert key not in client.get(PAGE).get_data(as_text=True)
    row = db.session.scalars(select(ApiKey)).one()
    revoked = client.post(f"{PAGE}/keys/{row.id}/revoke", data={"csrf_token": csrf(PAGE)})
    assert revoked.status_code == 302
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer " + key}).status_code == 401


def test_others_are_refused_the_page(client, world, login_as):
    login_as(world.users["manager_a"])
    assert client.get(PAGE).status_code == 403


def test_a_webhook_added_on_the_page_gets_deliveries_and_a_resend(client, world, login_as,
                                                                   csrf):
    login_as(world.users["operator_in"])
    refused = client.post(PAGE + "/webhooks", data={
        "csrf_token": csrf(PAGE), "url": "http://example.com/h", "events": ["ticket.assigned"]})
    assert refused.status_code == 400
    with Receiver() as receiver:
        added = client.post(PAGE + "/webhooks", data={
            "csrf_token": csrf(PAGE), "url": receiver.url, "events": ["ticket.assigned"]})
        assert added.status_code == 200
        assert re.search(r'<code id="new-secret">[0-9a-f]{64}</code>', added.get_data(as_text=True))
        hook = db.session.scalars(select(Webhook)).one()
        file_as(world, "resident_a", building="1")
        scheduling.run_job("webhooks")
        log_url = f"{PAGE}/webhooks/{hook.id}"
        log = client.get(log_url)
        assert log.status_code == 200
        row = db.session.scalars(select(WebhookDelivery)).one()
        assert row.event_id in log.get_data(as_text=True)
        resent = client.post(f"{log_url}/deliveries/{row.id}/resend",
                             data={"csrf_token": csrf(log_url)})
        assert resent.status_code == 302
        scheduling.run_job("webhooks")
        assert [h["x-pmsys-delivery"] for h, _b in receiver.received] == [row.event_id] * 2
    deleted = client.post(f"{PAGE}/webhooks/{hook.id}/delete", data={"csrf_token": csrf(PAGE)})
    assert deleted.status_code == 302
    assert receiver.url not in client.get(PAGE).get_data(as_text=True)


def test_the_page_speaks_chinese(client, world, login_as):
    login_as(world.users["operator_in"])
    text = client.get(PAGE).get_data(as_text=True)
    for words in ("系统对接", "API 密钥", "新建 API 密钥", "工单派给我方", "移交等待我方处理"):
        assert words in text, words
