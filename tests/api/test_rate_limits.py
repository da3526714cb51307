"""Limits on filing and on photo uploads: per login, per client, shared by web, API and Open311.

The suite runs with the limits off (TestConfig: tests file many tickets as one login);
these tests turn them on with small budgets.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pmsys import clock, scheduling
from pmsys.extensions import db
from pmsys.models.throttle import ThrottleHit
from pmsys.models.tickets import Ticket, TicketPhoto
from tests.api.asset_world import Caller
from tests.api.test_errors import assert_envelope
from tests.api.test_ticket_actions_api import image, upload
from tests.conftest import csrf_token
from tests.ticket_world import NOW, build_ticket_world, file_as

WINDOW = timedelta(minutes=10)


@pytest.fixture
def world(db):
    return build_ticket_world()


@pytest.fixture
def api(client, world):
    return Caller(client, world)


@pytest.fixture
def limits(app, monkeypatch):
    """The limits on, with budgets small enough to reach in a test."""
    for name, value in {
        "RATE_LIMITS_ENABLED": True,
        "FILING_LIMIT_RESIDENT": (3, WINDOW),
        "FILING_LIMIT_STAFF": (5, WINDOW),
        "FILING_LIMIT_CLIENT": (4, WINDOW),
        "PHOTO_LIMIT_USER": (3, WINDOW),
        "PHOTO_LIMIT_CLIENT": (5, WINDOW),
    }.items():
        monkeypatch.setitem(app.config, name, value)
    clock.set_now(NOW)


def tickets() -> int:
    return db.session.scalar(select(func.count(Ticket.id)))


def file(api, who="resident_a", **fields):
    body = {"category": "lighting", "community": "CA", "description": "路灯不亮"}
    body.update(fields)
    return api.post(who, "/tickets", body)


def assert_limited(response) -> int:
    """A 429 `rate_limited` envelope; its Retry-After in seconds."""
    assert_envelope(response, 429, "rate_limited")
    return int(response.headers["Retry-After"])


def test_a_resident_files_three_then_waits_until_the_oldest_leaves_the_window(api, limits):
    for minute in range(3):
        clock.set_now(NOW + timedelta(minutes=minute))
        assert file(api).status_code == 201
    before = tickets()
    wait = assert_limited(file(api))
    # The first filing (at NOW) leaves the window at NOW + 10 min; it is now NOW + 2 min.
    assert 8 * 60 <= wait <= 8 * 60 + 1
    assert tickets() == before  # the refusal wrote nothing

    clock.set_now(NOW + WINDOW + timedelta(seconds=1))
    assert file(api).status_code == 201


def test_a_filing_refused_for_another_reason_is_not_counted(api, limits):
    for _ in range(5):
        assert_envelope(file(api, community=""), 400)
    for _ in range(3):
        assert file(api).status_code == 201
    assert_limited(file(api))


def test_web_api_and_open311_share_one_budget(api, limits, world, login_as, client):
    assert file(api).status_code == 201
    response = client.post("/open311/v2/requests.json", headers=api.headers("resident_a"), data={
        "api_key": api.headers("resident_a")["Authorization"].split()[1],
        "service_code": "lighting", "address_string": "CA", "description": "路灯不亮"})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert file(api).status_code == 201
    before = tickets()

    refused = client.post("/open311/v2/requests.json", data={
        "api_key": api.headers("resident_a")["Authorization"].split()[1],
        "service_code": "lighting", "address_string": "CA", "description": "路灯不亮"})
    assert refused.status_code == 429
    assert refused.get_json()[0]["code"] == 429 and refused.headers["Retry-After"]

    login_as(world.users["resident_a"])
    page = client.post("/tickets/new", data={
        "csrf_token": csrf_token(client, "/account"), "category": "lighting",
        "community": "CA", "description": "路灯不亮"})
    assert page.status_code == 429
    assert tickets() == before


def test_other_residents_are_not_limited_by_one_residents_budget(api, limits, app, monkeypatch):
    monkeypatch.setitem(app.config, "FILING_LIMIT_CLIENT", (100, WINDOW))
    for _ in range(3):
        assert file(api).status_code == 201
    assert_limited(file(api))
    assert file(api, "resident_b", community="CB").status_code == 201


def test_one_client_address_is_limited_across_residents(api, limits):
    for who, community in (("resident_a", "CA"), ("resident_a", "CA"), ("resident_b", "CB"),
                           ("resident_b", "CB")):
        assert file(api, who, community=community).status_code == 201
    assert_limited(file(api, "resident_ac", community="CC"))


def test_hotline_staff_have_their_own_larger_budget(api, limits):
    for number in range(5):
        response = file(api, "officer", caller={"name": f"来电人{number}"})
        assert response.status_code == 201, response.get_json()
    assert_limited(file(api, "officer", caller={"name": "来电人"}))


def test_photos_beyond_the_budget_are_refused_whole(api, limits, world):
    ticket = file_as(world, "resident_a", category="lighting")
    assert upload(api, "resident_a", ticket, [("a.jpg", image()), ("b.jpg", image())]
                  ).status_code == 201
    response = upload(api, "resident_a", ticket, [("c.jpg", image()), ("d.jpg", image())])
    assert_limited(response)
    assert db.session.scalar(select(func.count(TicketPhoto.id))
                             .where(TicketPhoto.ticket_id == ticket.id)) == 2
    assert upload(api, "resident_a", ticket, [("c.jpg", image())]).status_code == 201


def test_the_switch_turns_filing_and_photo_limits_off(api, limits, app, monkeypatch, world):
    monkeypatch.setitem(app.config, "RATE_LIMITS_ENABLED", False)
    for _ in range(6):
        assert file(api).status_code == 201
    ticket = file_as(world, "resident_a", category="lighting")
    for _ in range(2):
        response = upload(api, "resident_a", ticket, [("a.jpg", image()), ("b.jpg", image())])
        assert response.status_code == 201
    assert db.session.scalar(select(func.count(ThrottleHit.id))) == 0


def test_the_hourly_job_forgets_attempts_older_than_a_day(db):
    for age in (timedelta(days=2), timedelta(hours=25), timedelta(hours=1)):
        db.session.add(ThrottleHit(key="file:user:1", at=NOW - age))
    db.session.commit()
    assert scheduling.run_job("purge_rate_limits", NOW) == {"deleted": 2}
    assert [hit.at for hit in db.session.scalars(select(ThrottleHit))] == [
        NOW - timedelta(hours=1)]
