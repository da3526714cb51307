"""POST /api/v1/public-reports: a common-area fault from a building's QR page, no login."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pmsys import clock
from pmsys.api.tickets import serializers
from pmsys.models.audit import AuditRecord
from pmsys.models.throttle import ThrottleHit
from pmsys.models.tickets import Channel, Ticket
from pmsys.tickets import queries
from tests.api.test_errors import assert_envelope
from tests.ticket_world import NOW, build_ticket_world

URL = "/api/v1/public-reports"
BODY = {"community": "CA", "building": "1", "category": "lighting",
        "description": "一单元楼道灯不亮", "name": "王大爷", "phone": "139 0000 1234"}


@pytest.fixture
def world(db):
    return build_ticket_world()


def report(client, **fields):
    return client.post(URL, json={**BODY, **fields})


def tickets(db) -> int:
    return db.session.scalar(select(func.count(Ticket.id)))


def test_anyone_reports_a_common_area_fault_routed_like_any_ticket(client, db, world):
    response = report(client)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == body["number"]))
    manager = world.orgs["PM-A"]  # lighting in CA: the manager (the lights' warranty ended)
    assert body == {"number": ticket.number, "status": "assigned",
                    "assignee": {"org": manager.code, "name": manager.name}}
    assert ticket.channel is Channel.public
    assert ticket.building.code == "1" and ticket.unit is None and ticket.household is None
    assert not ticket.inside_home
    assert (ticket.reporter_id, ticket.filed_by_id) == (None, None)
    assert (ticket.reporter_name, ticket.reporter_phone) == ("王大爷", "13900001234")
    assert ticket.reported_at == NOW and ticket.assignee_id == manager.id
    # Audited without the number, with the client's address.
    record = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "ticket_filed",
                                                         AuditRecord.object_key == ticket.number))
    assert record.actor == "public" and record.client == "127.0.0.1"
    assert record.data["channel"] == "public"
    assert "13900001234" not in str(record.data)


def test_the_phone_is_full_only_to_the_assignee_while_open(client, db, world):
    number = report(client).get_json()["number"]
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
    users = world.users

    def phone_for(login):
        view = queries.ticket_view(db.session, users[login], ticket.id)
        return serializers.ticket_json(users[login], view)["reporter"]["phone"]

    assert phone_for("manager_a") == "13900001234"  # the assignee, to call back
    assert phone_for("committee_a") == "139****1234"
    assert phone_for("officer") == "139****1234"


@pytest.mark.parametrize("fields, bad", [
    ({"phone": "12345"}, "phone"),
    ({"phone": "1390000123a"}, "phone"),
    ({"phone": ""}, "phone"),
    ({"name": ""}, "name"),
    ({"name": "名" * 51}, "name"),
    ({"description": ""}, "description"),
    ({"category": "nope"}, "category"),
    ({"building": "9"}, "building"),
    ({"building": None}, "building"),
])
def test_bad_input_is_400_and_files_nothing(client, db, world, fields, bad):
    error = assert_envelope(report(client, **fields), 400)
    assert bad in error["fields"], error
    assert tickets(db) == 0


def test_never_inside_a_home_whatever_the_body_says(client, db, world):
    body = report(client, household="CA/1/1/101", unit="1", inside_home=True).get_json()
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == body["number"]))
    assert (ticket.unit_id, ticket.household_id, ticket.inside_home) == (None, None, False)


def test_an_unknown_community_is_404(client, db, world):
    assert_envelope(report(client, community="NOWHERE"), 404, "community_not_found")


def test_any_community_not_only_the_callers(client, db, world):
    # No login: the building's QR code is the only key, in any community.
    body = report(client, community="CB").get_json()
    assert body["assignee"]["org"] == "PM-B"


@pytest.fixture
def limits(app, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_LIMITS_ENABLED", True)
    monkeypatch.setitem(app.config, "PUBLIC_REPORT_LIMIT_PHONE", (2, timedelta(days=1)))
    monkeypatch.setitem(app.config, "PUBLIC_REPORT_LIMIT_CLIENT", (3, timedelta(hours=1)))


def test_throttled_per_phone_and_per_client_with_retry_after(client, db, world, limits):
    for minute in range(2):
        clock.set_now(NOW + timedelta(minutes=minute))
        assert report(client).status_code == 201
    error = assert_envelope(report(client), 429, "rate_limited")
    assert error["message"]
    # The first report leaves the day's window at NOW + 1 day; it is NOW + 1 min.
    assert int(report(client).headers["Retry-After"]) == 24 * 3600 - 60 + 1
    assert tickets(db) == 2
    # Another phone from the same client: the client's third report, then refused.
    assert report(client, phone="13900005678").status_code == 201
    assert_envelope(report(client, phone="13900009999"), 429, "rate_limited")
    # The keys hold no phone number.
    keys = db.session.scalars(select(ThrottleHit.key)).all()
    assert keys and not any("1390000" in key for key in keys)
    # A refused or bad report is not counted.
    assert_envelope(report(client, phone="12"), 400)


def test_the_openapi_document_describes_it(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/public-reports"]["post"]
    assert {"201", "400", "404", "429"} <= set(operation["responses"])
    assert operation["security"] == []  # no login
