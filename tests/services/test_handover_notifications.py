"""Hand-over steps reach the other parties' staff as in-app notifications
(docs/domain.md#handovers, #notifications)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from pmsys import clock
from pmsys.models.tickets import Notification
from pmsys.tickets.explain import notification_text
from tests.asset_factories import asset, build_region, inspected, make_effective, project_for

NOW = datetime(2022, 6, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def region(db):
    clock.set_now(NOW)
    region = build_region()
    project = project_for([region.ca], accepted_on=date(2021, 11, 20), code="2021-01")
    asset(region, "CA-WS", "water_supply", "ca", project=project)
    return region


def notified(db, user) -> list[dict]:
    rows = db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    )
    return [{"kind": n.kind, **n.data} for n in rows]


def test_each_step_tells_the_other_party_and_not_the_actor(app, db, region):
    inspected(region, "H-1", ["CA-WS"])
    water, water2, bureau = (region.users[n] for n in ("water", "water2", "bureau"))
    # The bureau (transferor) submitted: both of the receiver's logins were told.
    assert [n["action"] for n in notified(db, water2)] == ["submit", "inspect"]
    # `water` inspected: it is not told about its own step, only of the submission.
    assert [n["action"] for n in notified(db, water)] == ["submit"]
    assert [n["action"] for n in notified(db, bureau)] == ["inspect"]
    assert notified(db, water2)[-1] == {
        "kind": "handover", "handover": "H-1", "action": "inspect", "status": "inspected"}


def test_committees_hear_once_the_assets_are_inspected(app, db, region):
    handover = inspected(region, "H-2", ["CA-WS"])
    committee = region.users["committee_a"]
    assert [n["action"] for n in notified(db, committee)] == ["inspect"]
    make_effective(region, handover, committee="committee_a")
    assert [n["action"] for n in notified(db, committee)] == ["inspect", "sign", "sign"]
    assert region.users["resident_a"] is not None
    assert notified(db, region.users["resident_a"]) == []


def test_the_text_is_in_the_readers_language(app, db, region):
    data = {"handover": "H-3", "action": "sign", "status": "signed"}
    with app.test_request_context(headers={"Cookie": "lang=en"}):
        assert notification_text("handover", data) == "Hand-over H-3: Signed, now Signed"
