"""The `hurry` action (催办) through the API: hurry_count, allowed_actions, 409 refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pmsys import clock
from tests.api.asset_world import Caller, conforms_to_document
from tests.api.test_errors import assert_envelope
from tests.ticket_world import build_ticket_world, file_as

PATH = "/tickets/{ticket_id}/actions"


@pytest.fixture
def world(db):
    return build_ticket_world()


@pytest.fixture
def api(client, world):
    return Caller(client, world)


def test_the_reporter_hurries_a_late_ticket_once_a_day(api, world, client):
    water = file_as(world, "resident_a", building="1")
    url = f"/tickets/{water.id}"
    body = api.get("resident_a", url).get_json()
    assert body["hurry_count"] == 0 and "hurry" not in body["allowed_actions"]
    early = api.post("resident_a", url + "/actions", {"action": "hurry"})
    assert_envelope(early, 409, "not_overdue")

    clock.set_now(water.due_respond_at + timedelta(hours=1))
    body = api.get("resident_a", url).get_json()
    assert body["allowed_actions"] == ["cancel", "hurry", "comment"]
    response = api.post("resident_a", url + "/actions", {"action": "hurry", "note": "快点"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["hurry_count"] == 1 and body["status"] == "assigned"
    assert body["events"][-1]["action"] == "hurry" and body["events"][-1]["note"] == "快点"
    assert "hurry" not in body["allowed_actions"]
    again = api.post("resident_a", url + "/actions", {"action": "hurry"})
    assert_envelope(again, 409, "hurried_recently")
    # The assignee reads the count too, and may not hurry.
    assert api.get("operator_in", url).get_json()["hurry_count"] == 1
    assert_envelope(api.post("operator_in", url + "/actions", {"action": "hurry"}), 403,
                    "not_your_action")
    conforms_to_document(client, [(PATH, "post", response), (PATH, "post", again)])
