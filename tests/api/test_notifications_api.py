"""The caller's notifications through the API: who is told what, newest first, read marks."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pmsys import clock
from pmsys.extensions import db
from pmsys.models.tickets import Notification
from tests.api.asset_world import Caller, conforms_to_document
from tests.api.test_errors import assert_envelope
from tests.ticket_world import NOW, build_ticket_world, file_as


@pytest.fixture
def world(db):
    return build_ticket_world()


@pytest.fixture
def api(client, world):
    return Caller(client, world)


@pytest.fixture
def water(world, api):
    """resident_a's water leak, filed and then accepted by operator_in a minute later."""
    ticket = file_as(world, "resident_a", building="1")
    clock.set_now(NOW.replace(minute=1))
    response = api.post("operator_in", f"/tickets/{ticket.id}/actions", {"action": "accept"})
    assert response.status_code == 200
    return ticket


def test_the_assignee_hears_of_a_new_ticket_and_the_reporter_of_its_status(api, water, client):
    staff = api.get("operator_in", "/notifications")
    assert staff.status_code == 200
    body = staff.get_json()
    assert body["total"] == 1 and body["unread"] == 1
    item = body["items"][0]
    assert item["kind"] == "new" and item["ticket"] == water.id
    assert item["number"] == water.number and item["read"] is False
    assert water.number in item["text"]
    assert item["created_at"] == "2025-06-02T10:00:00+08:00"

    reporter = api.get("resident_a", "/notifications")
    assert [(i["kind"], i["number"]) for i in reporter.get_json()["items"]] == [
        ("status", water.number)]
    conforms_to_document(client, [("/notifications", "get", staff),
                                  ("/notifications", "get", reporter)])


def test_notifications_are_newest_first_and_paged(api, world, water):
    later = file_as(world, "resident_a", building="1", description="又漏了")
    items = api.get("operator_in", "/notifications").get_json()["items"]
    assert [i["ticket"] for i in items] == [later.id, water.id]
    page = api.get("operator_in", "/notifications?per_page=1&page=2").get_json()
    assert [i["ticket"] for i in page["items"]] == [water.id]
    assert page["total"] == 2 and page["unread"] == 2
    assert_envelope(api.get("operator_in", "/notifications?per_page=0"), 400, "invalid_paging")


def test_nobody_reads_anothers_notifications(api, water):
    assert api.get("resident_b", "/notifications").get_json() == {
        "items": [], "total": 0, "unread": 0}
    theirs = db.session.scalar(
        select(Notification.id).where(Notification.user_id == api.world.users["operator_in"].id)
    )
    response = api.post("resident_b", f"/notifications/{theirs}/read")
    assert_envelope(response, 404, "notification_not_found")
    assert api.get("operator_in", "/notifications").get_json()["unread"] == 1


def test_marking_one_and_then_all_read(api, world, water, client):
    file_as(world, "resident_a", building="1", description="又漏了")
    items = api.get("operator_in", "/notifications").get_json()["items"]
    one = api.post("operator_in", f"/notifications/{items[1]['id']}/read")
    assert one.status_code == 200
    assert one.get_json() == {"marked": 1, "unread": 1}
    again = api.post("operator_in", f"/notifications/{items[1]['id']}/read", {})
    assert again.get_json() == {"marked": 0, "unread": 1}
    listed = api.get("operator_in", "/notifications").get_json()["items"]
    assert [i["read"] for i in listed] == [False, True]
    everything = api.post("operator_in", "/notifications/read")
    assert everything.get_json() == {"marked": 1, "unread": 0}
    assert all(i["read"] for i in api.get("operator_in", "/notifications").get_json()["items"])
    conforms_to_document(client, [
        ("/notifications/{notification_id}/read", "post", one),
        ("/notifications/read", "post", everything),
    ])


def test_unknown_ids_and_missing_tokens(api, water, client):
    missing = api.post("operator_in", "/notifications/999999/read")
    assert_envelope(missing, 404, "notification_not_found")
    assert_envelope(api.get(None, "/notifications"), 401, "unauthenticated")
    assert_envelope(api.post(None, "/notifications/read"), 401, "unauthenticated")
    assert_envelope(api.post(None, "/notifications/1/read"), 401, "unauthenticated")
    conforms_to_document(client, [("/notifications/{notification_id}/read", "post", missing)])


def test_reading_all_touches_only_the_callers_own(api, water):
    api.post("resident_a", "/notifications/read")
    assert api.get("resident_a", "/notifications").get_json()["unread"] == 0
    assert api.get("operator_in", "/notifications").get_json()["unread"] == 1


@pytest.mark.parametrize("query", ["page=", "per_page=", "page=first", "page=0&per_page="])
def test_empty_or_malformed_paging_is_400(api, water, query):
    error = assert_envelope(api.get("operator_in", "/notifications?" + query), 400,
                            "invalid_paging")
    assert set(error["fields"]) <= {"page", "per_page"} and error["fields"]
