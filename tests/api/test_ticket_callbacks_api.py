"""Follow-up calls (回访): POST /tickets/{id}/callbacks, the call list GET /callbacks, and
the calls counted in GET /reports/tickets (docs/domain.md#callbacks)."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from pmsys import clock
from pmsys.extensions import db
from pmsys.models.audit import AuditRecord
from pmsys.models.tickets import Ticket, TicketCallback
from pmsys.tickets.services import callbacks, take_action
from tests.api.asset_world import Caller, conforms_to_document
from tests.api.test_errors import assert_envelope
from tests.asset_factories import setting
from tests.ticket_world import build_ticket_world, file_as

PATH = "/tickets/{ticket_id}/callbacks"


def local(*args) -> datetime:
    return datetime(*args, tzinfo=clock.LOCAL_TZ)


def close(world, ticket: Ticket, *, rating: int = 4, reopen: bool = False) -> Ticket:
    """Accept, resolve and confirm a water ticket of CA (committed); `reopen`: once first."""
    steps = [("operator_in", "accept", {}), ("operator_in", "resolve", {"note": "修好了"})]
    if reopen:
        steps += [("resident_a", "reopen", {"note": "又漏了"}),
                  ("operator_in", "accept", {}), ("operator_in", "resolve", {"note": "再修"})]
    steps.append(("resident_a", "confirm", {"rating": rating}))
    for login, action, fields in steps:
        take_action(db.session, world.users[login], ticket, action, **fields)
    db.session.commit()
    return ticket


@pytest.fixture
def world(db):
    return build_ticket_world()


@pytest.fixture
def api(client, world):
    return Caller(client, world)


def test_the_street_office_records_calls_on_a_closed_ticket(api, world, client):
    with clock.frozen(local(2025, 5, 20, 10)):
        water = close(world, file_as(world, "resident_a"))
    url = f"/tickets/{water.id}/callbacks"
    missed = api.post("officer", url, {"reached": False, "note": "无人接听"})
    assert missed.status_code == 201, missed.get_json()
    assert missed.get_json()["reached"] is False and missed.get_json()["satisfied"] is None
    reached = api.post("officer", url, {"reached": True, "satisfied": True, "note": "满意"})
    assert reached.status_code == 201, reached.get_json()
    body = reached.get_json()
    assert (body["ticket"], body["caller"], body["satisfied"]) == (water.id, "officer", True)
    again = api.post("officer", url, {"reached": True, "satisfied": False})
    assert_envelope(again, 409, "already_called")
    calls = db.session.scalars(select(TicketCallback).where(
        TicketCallback.ticket_id == water.id)).all()
    assert [(c.reached, c.satisfied) for c in calls] == [(False, None), (True, True)]
    trail = api.get("officer", f"/tickets/{water.id}").get_json()["events"]
    assert [e["action"] for e in trail][-2:] == ["callback", "callback"]
    assert trail[-1]["note"] == "满意" and trail[-1]["status"] == "closed"
    audited = db.session.scalars(select(AuditRecord.action).where(
        AuditRecord.object_key == water.number)).all()
    assert audited.count("ticket_callback") == 2
    conforms_to_document(client, [(PATH, "post", missed), (PATH, "post", again)])


def test_refusals_change_nothing(api, world, client):
    with clock.frozen(local(2025, 5, 20, 10)):
        water = close(world, file_as(world, "resident_a"))
        still_open = file_as(world, "resident_a", building="1")
    url = f"/tickets/{water.id}/callbacks"
    assert_envelope(api.post("officer", f"/tickets/{still_open.id}/callbacks",
                             {"reached": False}), 409, "wrong_state")
    assert_envelope(api.post("officer", url, {"reached": True}), 422,
                    "satisfied_needs_reached")
    assert_envelope(api.post("officer", url, {"reached": False, "satisfied": True}), 422,
                    "satisfied_needs_reached")
    # The manager sees the ticket but does not call; the street office of S3 does not see it.
    forbidden = api.post("manager_a", url, {"reached": False})
    assert_envelope(forbidden, 403, "not_your_action")
    assert_envelope(api.post("officer_s3", url, {"reached": False}), 404, "ticket_not_found")
    assert_envelope(api.post("resident_a", url, {"reached": False}), 403, "not_your_action")
    assert api.post("officer", url, {"reached": "maybe"}).status_code == 400
    assert db.session.scalar(select(TicketCallback.id)) is None
    refused = db.session.scalars(select(AuditRecord.action).where(
        AuditRecord.action == "ticket_callback_refused")).all()
    assert len(refused) == 2
    conforms_to_document(client, [(PATH, "post", forbidden)])


def test_the_call_list_holds_the_sample_and_every_reopened_ticket(api, world, client):
    setting("callback_sample_percent", 0)
    db.session.commit()
    with clock.frozen(local(2025, 5, 20, 10)):
        plain = close(world, file_as(world, "resident_a"))
        reopened = close(world, file_as(world, "resident_a"), reopen=True, rating=2)
    listed = api.get("officer", "/callbacks")
    assert listed.status_code == 200, listed.get_json()
    body = listed.get_json()
    assert body["total"] == 1 and [i["ticket"] for i in body["items"]] == [reopened.id]
    item = body["items"][0]
    assert item["reasons"] == ["reopened"] and item["rating"] == 2
    # The office calls: the reporter's phone in full.
    phone = world.users["resident_a"].person.phone
    assert phone and item["reporter"]["phone"] == (reopened.reporter_phone or phone)
    assert "*" not in item["reporter"]["phone"]
    conforms_to_document(client, [("/callbacks", "get", listed)])

    setting("callback_sample_percent", 100, scope=world.streets["S1"].code)
    db.session.commit()
    body = api.get("officer", "/callbacks").get_json()
    assert {i["ticket"] for i in body["items"]} == {plain.id, reopened.id}
    plain_item = next(i for i in body["items"] if i["ticket"] == plain.id)
    assert plain_item["reasons"] == ["sample"]
    # A call that does not reach the reporter keeps the ticket listed; one that does, not.
    api.post("officer", f"/tickets/{plain.id}/callbacks", {"reached": False})
    body = api.get("officer", "/callbacks").get_json()
    assert next(i for i in body["items"] if i["ticket"] == plain.id)["attempts"] == 1
    api.post("officer", f"/tickets/{plain.id}/callbacks", {"reached": True, "satisfied": True})
    assert [i["ticket"] for i in api.get("officer", "/callbacks").get_json()["items"]] == [
        reopened.id]
    # Other offices and other roles.
    assert api.get("officer_s3", "/callbacks").get_json() == {"items": [], "total": 0}
    assert_envelope(api.get("manager_a", "/callbacks"), 403, "not_your_action")
    assert_envelope(api.get("resident_a", "/callbacks"), 403, "not_your_action")


def test_the_sample_in_sql_is_the_pure_sample(world):
    """The call list's SQL picks exactly the tickets `in_sample` picks."""
    from sqlalchemy import literal  # noqa: PLC0415 (only this test builds literals)

    for ticket_id in (1, 2, 17, 99, 100, 12345, 999_999, 1_000_003, 2_147_483_647):
        value = db.session.scalar(select(callbacks._percentile_sql(literal(ticket_id))))
        assert value == callbacks.percentile(ticket_id)


def test_reached_calls_count_in_the_ticket_measures(api, world, client):
    with clock.frozen(local(2025, 5, 20, 10)):
        first = close(world, file_as(world, "resident_a"))
        second = close(world, file_as(world, "resident_a"), rating=5)
        third = close(world, file_as(world, "resident_a"), rating=5)
    for ticket, body in ((first, {"reached": True, "satisfied": False}),
                         (second, {"reached": True, "satisfied": True}),
                         (third, {"reached": False})):
        assert api.post("officer", f"/tickets/{ticket.id}/callbacks", body).status_code == 201
    response = api.get("bureau", "/reports/tickets?from=2025-05-01&to=2025-05-31")
    body = response.get_json()
    water = next(i for i in body["items"] if i["key"] == "W-D1")
    assert (water["callbacks"], water["callback_satisfaction_rate"]) == (2, "0.5000")
    assert (water["rated"], water["satisfaction_rate"]) == (3, "1.0000")  # the own rating
    assert body["total"]["callbacks"] == 2
    by_month = api.get("bureau", "/reports/tickets?from=2025-04-01&to=2025-05-31&group=month")
    months = {i["key"]: i for i in by_month.get_json()["items"]}
    assert months["2025-05"]["callbacks"] == 2 and months["2025-04"]["callbacks"] == 0
    # The operator sees its own tickets' calls; a period without them counts none.
    mine = api.get("operator_in", "/reports/tickets?from=2025-05-01&to=2025-05-31")
    assert mine.get_json()["total"]["callback_satisfaction_rate"] == "0.5000"
    june = api.get("bureau", "/reports/tickets?from=2025-06-01&to=2025-06-30").get_json()
    assert (june["total"]["callbacks"], june["total"]["callback_satisfaction_rate"]) == (0, None)
    conforms_to_document(client, [("/reports/tickets", "get", response)])


def test_a_call_moves_the_ticket_version(world):
    with clock.frozen(local(2025, 5, 20, 10)):
        water = close(world, file_as(world, "resident_a"))
    before = water.version
    callbacks.record_callback(db.session, world.users["officer"], water, reached=False)
    db.session.commit()
    assert water.version == before + 1
