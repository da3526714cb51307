"""ticket_report(): who reads it, over which tickets, grouped how, and at what cost."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from pmsys import clock
from pmsys.errors import Forbidden, InvalidInput
from pmsys.tickets.services import take_action
from pmsys.tickets.services.reports import default_period, ticket_report
from tests.statements import statements_sent
from tests.ticket_world import NOW, build_ticket_world, file_as

MAY_FIRST = date(2025, 5, 1)
MAY_LAST = date(2025, 5, 31)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=clock.LOCAL_TZ)


@pytest.fixture
def world(db):
    return build_ticket_world()


def filed(world, login: str, at: datetime, **fields):
    with clock.frozen(at):
        return file_as(world, login, **fields)


def act(db, world, login: str, ticket, action: str, at: datetime, **fields):
    with clock.frozen(at):
        take_action(db.session, world.users[login], ticket, action, **fields)
    db.session.commit()


@pytest.fixture
def tickets(db, world):
    """Four tickets in CA and CC in May 2025 (water → W-D1, lighting → PM-A, CC → SO-S3)."""
    water = filed(world, "resident_a", local(2025, 5, 10, 10))
    act(db, world, "operator_in", water, "accept", local(2025, 5, 10, 11))
    act(db, world, "operator_in", water, "resolve", local(2025, 5, 10, 20), note="修好了")
    act(db, world, "resident_a", water, "confirm", local(2025, 5, 11, 9), rating=5)
    lighting = filed(world, "resident_a", local(2025, 5, 20, 10), category="lighting",
                     description="路灯不亮")
    act(db, world, "manager_a", lighting, "accept", local(2025, 5, 21, 16))  # 30 h: late
    in_cc = filed(world, "bureau", local(2025, 5, 25, 10), community="CC",
                  category="common_parts", description="楼道门坏了")
    cancelled = filed(world, "resident_a", local(2025, 5, 26, 10))
    act(db, world, "resident_a", cancelled, "cancel", local(2025, 5, 26, 11))
    return {"water": water, "lighting": lighting, "in_cc": in_cc, "cancelled": cancelled}


def report(db, world, login="bureau", group="org", first=MAY_FIRST, last=MAY_LAST, **kwargs):
    return ticket_report(db.session, world.users[login], date_from=first, date_to=last,
                         group=group, **kwargs)


def keyed(result) -> dict:
    return {item.key: item for item in result.items}


def test_grouped_by_organisation_with_every_measure(db, world, tickets):
    result = report(db, world)
    items = keyed(result)
    assert list(items) == ["PM-A", "SO-S3", "W-D1"]
    water = items["W-D1"]
    assert water.name == world.orgs["W-D1"].name
    # The cancelled water ticket counts nowhere.
    assert (water.filed, water.responded, water.responded_on_time, water.resolved,
            water.resolved_on_time, water.rated, water.satisfied) == (1, 1, 1, 1, 1, 1, 1)
    assert water.response_rate == water.on_time_rate == water.satisfaction_rate == Decimal(1)
    assert water.median_response_minutes == Decimal("60.0")
    assert water.median_resolution_minutes == Decimal("600.0")
    lighting = items["PM-A"]
    assert (lighting.filed, lighting.responded, lighting.responded_on_time) == (1, 1, 0)
    assert lighting.response_rate == Decimal("0.0000")
    assert lighting.resolution_rate == Decimal("0.0000") and lighting.on_time_rate is None
    cc = items["SO-S3"]
    assert (cc.filed, cc.due, cc.responded) == (1, 1, 0)  # past its 24 h by NOW
    total = result.total
    assert (total.filed, total.due, total.responded_on_time, total.resolved) == (3, 3, 1, 1)
    assert total.response_rate == Decimal("0.3333")
    assert total.resolution_rate == Decimal("0.3333")


def test_grouped_by_community_category_and_month(db, world, tickets):
    by_community = keyed(report(db, world, group="community"))
    assert {k: (i.name, i.filed) for k, i in by_community.items()} == {
        "CA": ("供销楼小区", 2), "CC": ("无人管小区", 1)}
    by_category = keyed(report(db, world, group="category"))
    assert {k: (i.name, i.filed) for k, i in by_category.items()} == {
        "common_parts": ("楼道 / 公共部位", 1), "lighting": ("照明", 1),
        "water_supply": ("供水", 1)}
    by_month = report(db, world, group="month", first=date(2025, 4, 15))
    assert [(i.key, i.name, i.filed) for i in by_month.items] == [
        ("2025-04", "2025-04", 0), ("2025-05", "2025-05", 3)]
    assert by_month.by_month == by_month.items


def test_category_names_follow_the_readers_language(app, db, world, tickets):
    with app.test_request_context(headers={"Cookie": "lang=en"}):
        names = {i.key: i.name for i in report(db, world, group="category").items}
    assert names["water_supply"] == "Water supply"


def test_every_report_carries_the_monthly_trend(db, world, tickets):
    result = report(db, world, first=date(2025, 3, 20), last=date(2025, 6, 2))
    assert [(i.key, i.filed) for i in result.by_month] == [
        ("2025-03", 0), ("2025-04", 0), ("2025-05", 3), ("2025-06", 0)]


def test_local_dates_bound_the_period_at_shanghai_midnight(db, world):
    # 23:59:59 on 30 April in Shanghai is still April there, though 15:59 UTC.
    filed(world, "resident_a", local(2025, 4, 30, 23, 59, 59))
    filed(world, "resident_a", local(2025, 5, 1, 0, 0))  # 16:00 UTC on 30 April
    filed(world, "resident_a", local(2025, 5, 31, 23, 59, 59))
    filed(world, "resident_a", local(2025, 6, 1, 0, 0))
    assert report(db, world).total.filed == 2
    assert report(db, world, last=date(2025, 6, 1)).total.filed == 3
    assert report(db, world, first=date(2025, 4, 30), last=date(2025, 4, 30)).total.filed == 1
    months = report(db, world, group="month", first=date(2025, 4, 30), last=date(2025, 6, 1))
    assert [(i.key, i.filed) for i in months.items] == [
        ("2025-04", 1), ("2025-05", 2), ("2025-06", 1)]


def test_an_operator_measures_only_its_own_organisations_tickets(db, world, tickets):
    result = report(db, world, login="operator_in")
    assert [i.key for i in result.items] == ["W-D1"]
    assert result.total.filed == 1
    for login in ("contractor", "gas_staff"):
        assert report(db, world, login=login).items == []


def test_readers_see_the_tickets_of_their_communities(db, world, tickets):
    assert [i.key for i in report(db, world, login="manager_a").items] == ["PM-A", "W-D1"]
    assert [i.key for i in report(db, world, login="officer").items] == ["PM-A", "W-D1"]
    assert [i.key for i in report(db, world, login="committee_a").items] == ["PM-A", "W-D1"]
    assert [i.key for i in report(db, world, login="manager_b").items] == []
    assert [i.key for i in report(db, world, login="sysadmin").items] == [
        "PM-A", "SO-S3", "W-D1"]


def test_residents_are_refused(db, world, tickets):
    for login in ("resident_a", "resident_b"):
        with pytest.raises(Forbidden):
            report(db, world, login=login)


@pytest.mark.parametrize(("first", "last", "group", "field"), [
    (MAY_FIRST, MAY_LAST, "street", "group"),
    (MAY_FIRST, MAY_LAST, "", "group"),
    (date(1, 1, 1), MAY_LAST, "org", "from"),
    (date(1969, 12, 31), MAY_LAST, "org", "from"),
    (MAY_FIRST, date(3000, 1, 1), "org", "to"),
    (MAY_FIRST, date.max, "org", "to"),
])
def test_bad_parameters_are_invalid_input(db, world, first, last, group, field):
    with pytest.raises(InvalidInput) as refused:
        report(db, world, first=first, last=last, group=group)
    assert field in refused.value.fields


def test_the_first_and_last_accepted_days(db, world, tickets):
    result = report(db, world, first=date(1970, 1, 1), last=date(2999, 12, 31))
    assert result.total.filed == 3


def test_a_reversed_period_is_empty(db, world, tickets):
    result = report(db, world, first=MAY_LAST, last=MAY_FIRST, group="month")
    assert result.items == [] and result.by_month == [] and result.total.filed == 0


def test_five_years_of_months_are_listed_and_longer_periods_list_those_with_tickets(
        db, world, tickets):
    five_years = report(db, world, first=date(2020, 6, 1), last=date(2025, 5, 31))
    assert len(five_years.by_month) == 60
    assert five_years.by_month[0].key == "2020-06" and five_years.by_month[-1].key == "2025-05"
    longer = report(db, world, group="month", first=date(1970, 1, 1), last=date(2999, 12, 31))
    assert [(i.key, i.filed) for i in longer.items] == [("2025-05", 3)]
    filed(world, "resident_a", local(2025, 3, 3, 9))
    longer = report(db, world, group="month", first=date(1970, 1, 1), last=date(2999, 12, 31))
    assert [(i.key, i.filed) for i in longer.items] == [
        ("2025-03", 1), ("2025-04", 0), ("2025-05", 3)]


def test_now_decides_which_response_deadlines_have_passed(db, world):
    ticket = filed(world, "resident_a", local(2025, 5, 31, 10), category="lighting",
                   description="路灯不亮")  # normal: respond within 24 h
    before = report(db, world, now=ticket.due_respond_at)
    assert (before.total.filed, before.total.due, before.total.response_rate) == (1, 0, None)
    after = report(db, world, now=ticket.due_respond_at + timedelta(seconds=1))
    assert (after.total.due, after.total.response_rate) == (1, Decimal("0.0000"))


def test_the_default_period_is_the_last_thirty_days():
    assert default_period(date(2025, 6, 2)) == (date(2025, 5, 4), date(2025, 6, 2))
    assert default_period(date(1970, 1, 10)) == (date(1970, 1, 1), date(1970, 1, 10))


def counted(db):
    return statements_sent(db.session.get_bind().engine)


def test_one_statement_whatever_the_number_of_tickets(db, world, tickets):
    report(db, world, login="bureau", group="community")  # the actor's rows are loaded
    with counted(db) as few:
        report(db, world, login="bureau", group="community")
    for day in range(1, 8):
        filed(world, "resident_a", local(2025, 5, day, 9), category="lighting",
              description="路灯不亮")
    report(db, world, login="bureau", group="community")
    with counted(db) as many:
        result = report(db, world, login="bureau", group="community")
    assert result.total.filed == 10
    # On PostgreSQL, over whole months, the bureau asks first whether it sees every community
    # (the group rollups serve only such readers; this one does not).
    asked = db.session.get_bind().dialect.name == "postgresql"
    assert len(few) == len(many) == 1 + asked
    # The narrow summary is read, not the wide tickets (pmsys/tickets/summary.py).
    assert "FROM ticket_summaries" in many[-1] and "FROM tickets" not in many[-1]


def test_the_clock_is_the_default_now(db, world, tickets):
    assert clock.now() == NOW
    assert report(db, world) == report(db, world, now=NOW)
