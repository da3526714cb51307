"""GET /reports/evaluation and POST /orgs/{code}/deductions (docs/api.md#evaluation)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from pmsys import clock
from pmsys.evaluation import services
from pmsys.extensions import db
from pmsys.models.audit import AuditRecord
from pmsys.models.evaluation import EvaluationBulletin, OrgDeduction
from pmsys.tickets.services import callbacks, take_action
from tests.api.asset_world import Caller, conforms_to_document
from tests.api.test_errors import assert_envelope
from tests.ticket_world import build_ticket_world, file_as

REPORT = "/reports/evaluation"
DEDUCT = "/orgs/{code}/deductions"
PUBLISH = "/evaluation/bulletins"


def local(*args) -> datetime:
    return datetime(*args, tzinfo=clock.LOCAL_TZ)


@pytest.fixture
def world(db):
    """PM-A (manager_a) handles two lighting tickets of CA in May 2025: one reopened once,
    then fixed on time and rated 5, one fixed late and rated 2; the officer of S1 calls the
    first back (satisfied)."""
    world = build_ticket_world()
    with clock.frozen(local(2025, 5, 10, 9)):
        good = file_as(world, "resident_a", category="lighting")
        late = file_as(world, "resident_a", category="lighting")
    steps = [(good, "manager_a", "accept", {}, 1),
             (good, "manager_a", "resolve", {"note": "换灯"}, 2),
             (good, "resident_a", "reopen", {"note": "又坏了"}, 3),
             (good, "manager_a", "accept", {}, 4),
             (good, "manager_a", "resolve", {"note": "换线"}, 5),
             (good, "resident_a", "confirm", {"rating": 5}, 6),
             (late, "manager_a", "accept", {}, 1),
             (late, "manager_a", "resolve", {"note": "换灯"}, 24 * 9),
             (late, "resident_a", "confirm", {"rating": 2}, 24 * 9 + 1)]
    for ticket, login, action, fields, hours in steps:
        with clock.frozen(local(2025, 5, 10, 9) + timedelta(hours=hours)):
            take_action(db.session, world.users[login], ticket, action, **fields)
    db.session.commit()
    callbacks.record_callback(db.session, world.users["officer"], good, reached=True,
                                  satisfied=True)
    db.session.commit()
    return world


@pytest.fixture
def api(client, world):
    return Caller(client, world)


def test_the_bureau_reads_the_scores_of_its_managers(api, world, client):
    deducted = api.post("officer", DEDUCT.format(code="PM-A"),
                        {"on": "2025-05-20", "points": "2.5", "note": "垃圾清运不及时"})
    assert deducted.status_code == 201, deducted.get_json()
    assert deducted.get_json()["points"] == "2.5" and deducted.get_json()["org"] == "PM-A"
    response = api.get("bureau", REPORT + "?period=2025-05")
    assert response.status_code == 200, response.get_json()
    items = response.get_json()["items"]
    pm_a = next(item for item in items if item["org"] == "PM-A")
    rows = pm_a["items"]
    assert rows["on_time_rate"] == {"value": "0.5000", "weight": rows["on_time_rate"]["weight"],
                                    "points": rows["on_time_rate"]["points"]}
    assert rows["satisfaction_rate"]["value"] == "0.5000"
    assert rows["callback_satisfaction_rate"]["value"] == "1.0000"
    assert rows["reopen_rate"]["value"] == "0.5000"
    assert rows["dispute_rate"]["value"] == "0.0000"
    # No bills: the collection item is missing and its 25 points go to the other rate items.
    assert rows["collection_rate"] == {"value": None, "weight": "0.00", "points": None}
    assert rows["on_time_rate"]["weight"] == "27.69"  # 20 × 90 / 65
    assert rows["inspection"] == {"value": "2.5", "weight": "10.00", "points": "7.50"}
    expected = (Decimal(90) / 65) * (20 * Decimal("0.5") + 15 * Decimal("0.5") + 15
                                     + 10 * Decimal("0.5") + 5) + Decimal("7.5")
    assert pm_a["score"] == f"{expected.quantize(Decimal('0.01'))}"
    assert pm_a["rank"] == 1 and pm_a["tier"] == "qualified" and pm_a["reward"] is False
    conforms_to_document(client, [(REPORT, "get", response),
                                  (DEDUCT, "post", deducted)])
    # Nothing measured in April: listed without a score.
    april = api.get("bureau", REPORT + "?period=2025-04").get_json()["items"]
    pm_a_april = next(item for item in april if item["org"] == "PM-A")
    assert (pm_a_april["score"], pm_a_april["rank"], pm_a_april["tier"]) == (None, None, None)
    year = api.get("officer", REPORT + "?period=2025").get_json()["items"]
    assert next(item for item in year if item["org"] == "PM-A")["score"] == pm_a["score"]


def test_refusals(api, world, client):
    assert_envelope(api.get("bureau", REPORT + "?period=2025-13"), 400, "invalid_period")
    assert_envelope(api.get("bureau", REPORT + "?period=2025-05&region=D2"), 404,
                    "region_not_found")
    assert_envelope(api.get("bureau", REPORT + "?period=2025-05&region=NONE"), 404,
                    "region_not_found")
    assert_envelope(api.get("manager_a", REPORT + "?period=2025-05&region=D1"), 404,
                    "bulletin_not_found")
    for body, field in (({"on": "2025-05-20", "points": "0", "note": "x"}, "points"),
                        ({"on": "2025-05-20", "points": "1.25", "note": "x"}, "points"),
                        ({"on": "2099-01-01", "points": "1", "note": "x"}, "on")):
        answer = api.post("officer", DEDUCT.format(code="PM-A"), body)
        assert answer.status_code == 400 and field in answer.get_json()["error"]["fields"]
    refused = api.post("officer", DEDUCT.format(code="PM-B"),
                       {"on": "2025-05-20", "points": 1, "note": "不归你管"})
    assert_envelope(refused, 403, "not_your_org")
    assert_envelope(api.post("manager_a", DEDUCT.format(code="PM-A"),
                             {"on": "2025-05-20", "points": 1, "note": "x"}), 403, "not_your_org")
    assert_envelope(api.post("officer", DEDUCT.format(code="NONE"),
                             {"on": "2025-05-20", "points": 1, "note": "x"}), 404,
                    "org_not_found")
    assert db.session.scalar(select(OrgDeduction.id)) is None
    conforms_to_document(client, [(DEDUCT, "post", refused)])


def test_a_published_bulletin_is_read_by_everyone(api, world):
    bulletin = services.publish(db.session, world.users["bureau"], period="2025-05",
                                region="D1")
    db.session.commit()
    assert db.session.scalar(select(AuditRecord.action).where(
        AuditRecord.action == "evaluation_published")) == "evaluation_published"
    mine = api.get("manager_a", REPORT + "?period=2025-05&region=D1")
    assert mine.status_code == 200 and mine.get_json()["items"] == bulletin.scores
    # A later deduction does not change the published bulletin, only the live scores.
    api.post("officer", DEDUCT.format(code="PM-A"),
             {"on": "2025-05-21", "points": 5, "note": "绿化缺损"})
    assert api.get("resident_a", REPORT + "?period=2025-05&region=D1").get_json()[
        "items"] == bulletin.scores
    live = api.get("bureau", REPORT + "?period=2025-05&region=D1").get_json()["items"]
    assert live != bulletin.scores
    with pytest.raises(Exception) as again:
        services.publish(db.session, world.users["bureau"], period="2025-05", region="D1")
    assert getattr(again.value, "code", "") == "already_published"
    db.session.rollback()
    assert db.session.scalar(select(EvaluationBulletin.id)) == bulletin.id


def test_the_bureau_publishes_a_bulletin_through_the_api(api, world, client):
    """A refusal changes nothing; the bulletin is what everyone reads afterwards."""
    body = {"period": "2025-05", "region": "D1"}
    assert_envelope(api.post("officer", PUBLISH, body), 403, "not_your_action")
    assert_envelope(api.post("bureau", PUBLISH, {"period": "2025-5", "region": "D1"}), 400,
                    "invalid_period")
    assert_envelope(api.post("bureau", PUBLISH, {"period": "2025-05", "region": "D2"}), 404,
                    "region_not_found")
    assert db.session.scalar(select(EvaluationBulletin.id)) is None
    published = api.post("bureau", PUBLISH, body)
    assert published.status_code == 201, published.get_json()
    answer = published.get_json()
    assert (answer["region"], answer["period"]) == ("D1", "2025-05")
    assert [item["org"] for item in answer["items"]] == [
        item["org"] for item in api.get("bureau", REPORT + "?period=2025-05&region=D1")
        .get_json()["items"]]
    assert api.get("manager_a", REPORT + "?period=2025-05&region=D1").get_json()[
        "items"] == answer["items"]
    again = api.post("bureau", PUBLISH, body)
    assert_envelope(again, 409, "already_published")
    assert db.session.scalar(select(func.count(EvaluationBulletin.id))) == 1
    conforms_to_document(client, [(PUBLISH, "post", published), (PUBLISH, "post", again)])
