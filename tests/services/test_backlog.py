"""The hand-over backlog: utility assets not handed over in time (docs/domain.md#backlog)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from pmsys import clock
from pmsys.assets.services import BacklogRow, handover_backlog, handover_backlog_rows
from pmsys.errors import Forbidden, NotFound
from pmsys.models.places import Region
from pmsys.settings import get_setting, get_settings
from tests.asset_factories import (
    asset,
    build_region,
    inspected,
    make_effective,
    project_for,
    setting,
)

NOW = datetime(2022, 6, 1, 2, 0, tzinfo=UTC)
ACCEPTED = date(2021, 11, 20)
DAY_90 = ACCEPTED + timedelta(days=90)  # 2022-02-18: the last day that is not overdue


@pytest.fixture
def region(db):
    clock.set_now(NOW)
    region = build_region()
    d1 = project_for([region.ca, region.cc], accepted_on=ACCEPTED, code="2021-01")
    d2 = project_for([region.cb], accepted_on=ACCEPTED, code="2021-02")
    pending = project_for([region.ca], accepted_on=None, code="2022-01")
    for code, category, community, project in (
        ("CA-WS", "water_supply", "ca", d1),
        ("CA-DR", "drainage", "ca", d1),
        ("CA-HT", "heating", "ca", d1),
        ("CA-TEL", "telecom", "ca", d1),
        ("CA-RF", "roof_leak", "ca", d1),  # not a utility category: never in the backlog
        ("CA-EL", "elevator", "ca", d1),
        ("CA-OLD", "water_supply", "ca", None),  # no project: no deadline
        ("CA-NEW", "power", "ca", pending),  # not accepted yet
        ("CC-DR", "drainage", "cc", d1),
        ("CB-WS", "water_supply", "cb", d2),
    ):
        asset(region, code, category, community, project=project)
    return region


def backlog(db, world, on, who="sysadmin", **kwargs):
    return handover_backlog(db.session, world.users[who], on, **kwargs)


def codes(report) -> list[str]:
    return [item.asset.code for item in report.items]


UTILITY = ["CA-DR", "CA-HT", "CA-TEL", "CA-WS", "CB-WS", "CC-DR"]


def test_day_90_is_not_overdue_and_day_91_is_one_day_overdue(db, region):
    assert backlog(db, region, DAY_90).items == []
    report = backlog(db, region, DAY_90 + timedelta(days=1))
    assert codes(report) == UTILITY  # oldest acceptance first, then by code
    assert {item.days_overdue for item in report.items} == {1}


def test_days_overdue_count_from_acceptance(db, region):
    on = date(2022, 6, 1)
    report = backlog(db, region, on)
    assert {item.days_overdue for item in report.items} == {(on - ACCEPTED).days - 90}
    item = report.items[0]
    assert (item.community.code, item.street, item.project.code) == (
        "CA", region.s1, "2021-01")
    assert item.handover is None


def test_a_non_utility_asset_never_appears(db, region):
    for on in (DAY_90 + timedelta(days=1), date(2030, 1, 1)):
        report = backlog(db, region, on)
        assert not {"CA-RF", "CA-EL", "CA-OLD", "CA-NEW"} & set(codes(report))


def test_an_effective_handover_removes_the_asset_from_its_date(db, region):
    handover = inspected(region, "H-1", ["CA-WS"], inspected_on=date(2022, 2, 20))
    make_effective(region, handover, date(2022, 3, 1), committee="committee_a")
    assert handover.status.value == "effective"

    before = backlog(db, region, date(2022, 2, 28))
    assert "CA-WS" in codes(before)
    ws = next(i for i in before.items if i.asset.code == "CA-WS")
    # Looking back at a day before it took effect, the hand-over is the pending one.
    assert (ws.handover.code, ws.receiver.code) == ("H-1", "WATER")
    assert "CA-WS" not in codes(backlog(db, region, date(2022, 3, 1)))


def test_a_signed_handover_dated_in_the_future_does_not(db, region):
    handover = inspected(region, "H-1", ["CA-DR"])
    make_effective(region, handover, date(2022, 7, 1), committee="committee_a")
    assert handover.status.value == "signed"

    today = backlog(db, region, date(2022, 6, 1))
    item = next(i for i in today.items if i.asset.code == "CA-DR")
    assert (item.handover.code, item.handover.status.value, item.receiver.code) == (
        "H-1", "signed", "WATER")
    assert "CA-DR" in codes(backlog(db, region, date(2022, 6, 30)))
    assert "CA-DR" not in codes(backlog(db, region, date(2022, 7, 1)))


def test_an_open_handover_is_reported_with_its_receiver(db, region):
    inspected(region, "H-9", ["CA-HT"], to="WATER")  # a receiver the bureau chose
    report = backlog(db, region, date(2022, 6, 1))
    item = next(i for i in report.items if i.asset.code == "CA-HT")
    assert (item.handover.code, item.handover.status.value, item.receiver.code) == (
        "H-9", "inspected", "WATER")


def test_without_a_handover_the_receiver_is_the_utility_serving_the_category(db, region):
    report = backlog(db, region, date(2022, 6, 1))
    receivers = {i.asset.code: (i.receiver.code if i.receiver else None) for i in report.items}
    assert receivers == {
        "CA-WS": "WATER", "CA-DR": "WATER", "CC-DR": "WATER",
        "CA-HT": "HEAT",
        "CA-TEL": None,  # two carriers serve telecom here: the bureau must choose
        "CB-WS": "WATER-B",
    }


def test_counts_by_category_street_and_receiver(db, region):
    report = backlog(db, region, date(2022, 6, 1))
    assert report.by_category == {"water_supply": 2, "drainage": 2, "heating": 1,
                                  "telecom": 1}
    assert report.by_street == {region.s1.code: 4, region.s3.code: 1, region.s2.code: 1}
    assert report.by_receiver == {"WATER": 3, "HEAT": 1, "WATER-B": 1, "-": 1}


def test_the_region_filter(db, region):
    on = date(2022, 6, 1)
    assert codes(backlog(db, region, on, region=region.s1.code)) == [
        "CA-DR", "CA-HT", "CA-TEL", "CA-WS"]
    assert codes(backlog(db, region, on, region=region.d1.code)) == [
        "CA-DR", "CA-HT", "CA-TEL", "CA-WS", "CC-DR"]
    assert codes(backlog(db, region, on, region=region.city.code)) == UTILITY
    # A region outside the actor's area filters down to nothing.
    assert backlog(db, region, on, who="officer", region=region.d2.code).items == []
    with pytest.raises(NotFound):
        backlog(db, region, on, region="NOPE")


def test_the_overdue_days_are_a_regional_setting(db, region):
    setting("handover_overdue_days", 30, scope=region.s3.code)
    setting("handover_overdue_days", 120)  # everywhere else
    on = ACCEPTED + timedelta(days=31)
    assert [(i.asset.code, i.days_overdue) for i in backlog(db, region, on).items] == [
        ("CC-DR", 1)]
    on = ACCEPTED + timedelta(days=121)
    assert {i.days_overdue for i in backlog(db, region, on).items} == {1, 91}



def test_the_settings_of_many_regions_are_each_region_s_own(db, region):
    regions = [region.city, region.d1, region.d2, region.s3]
    ids = [r.id for r in regions] + [r.id for r in db.session.scalars(select(Region))]
    assert get_settings(db.session, "handover_overdue_days", ids) == {
        i: 90 for i in ids}  # the default
    setting("handover_overdue_days", 30, scope=region.s3.code)
    setting("handover_overdue_days", 45, scope=region.d1.code)
    setting("handover_overdue_days", 120)
    assert get_settings(db.session, "handover_overdue_days", ids) == {
        i: get_setting(db.session, "handover_overdue_days", i) for i in ids}
    assert {get_settings(db.session, "handover_overdue_days", [r.id])[r.id]
            for r in regions} == {30, 45, 120}
    assert get_settings(db.session, "handover_overdue_days", []) == {}


SEES = {
    "sysadmin": UTILITY,
    "bureau": ["CA-DR", "CA-HT", "CA-TEL", "CA-WS", "CC-DR"],  # its district
    "bureau_b": ["CB-WS"],
    "officer": ["CA-DR", "CA-HT", "CA-TEL", "CA-WS"],  # its street
    "officer_b": ["CB-WS"],
}


@pytest.mark.parametrize("who", list(SEES))
def test_the_bureau_and_street_offices_see_their_area(db, region, who):
    assert codes(backlog(db, region, date(2022, 6, 1), who=who)) == SEES[who]


# Operators follow the hand-overs waiting for them; residents, committees and
# managers have no use for a district's arrears.
@pytest.mark.parametrize(
    "who", ["water", "water_b", "heat", "builder", "committee_a", "manager_a", "unit_staff",
            "resident_a", "resident_b"],
)
def test_everyone_else_may_not_read_the_backlog(db, region, who):
    with pytest.raises(Forbidden):
        backlog(db, region, date(2022, 6, 1), who=who)


def test_an_inactive_or_anonymous_actor_reads_nothing(db, region):
    region.users["bureau"].active = False
    with pytest.raises(Forbidden):
        backlog(db, region, date(2022, 6, 1), who="bureau")
    with pytest.raises(Forbidden):
        handover_backlog(db.session, None, date(2022, 6, 1))


def in_codes(item) -> BacklogRow:
    """A BacklogItem of handover_backlog as handover_backlog_rows gives it."""
    return BacklogRow(
        item.asset.code, item.asset.category, item.community.code, item.street.code,
        item.project.code, item.project.accepted_on, item.days_overdue,
        item.handover.code if item.handover else None,
        item.handover.status if item.handover else None,
        (item.receiver.code, item.receiver.name) if item.receiver else None)


def test_the_rows_the_api_lists_are_the_report_s_items_in_codes(db, region):
    # Every rule at once: an open hand-over to a receiver the bureau chose, one signed for a
    # later date, one effective, two carriers (no receiver), a street's own deadline.
    inspected(region, "H-9", ["CA-HT"], to="WATER")
    make_effective(region, inspected(region, "H-1", ["CA-DR"]), date(2022, 7, 1),
                   committee="committee_a")
    make_effective(region, inspected(region, "H-2", ["CA-WS"], inspected_on=date(2022, 2, 20)),
                   date(2022, 3, 1), committee="committee_a")
    setting("handover_overdue_days", 30, scope=region.s3.code)
    for who, on, scope in (("sysadmin", date(2022, 6, 1), None),
                           ("sysadmin", date(2022, 2, 28), None),
                           ("sysadmin", ACCEPTED + timedelta(days=31), None),
                           ("bureau", date(2022, 6, 1), None),
                           ("officer", date(2022, 7, 1), None),
                           ("sysadmin", date(2022, 6, 1), region.d1.code)):
        report = backlog(db, region, on, who, region=scope)
        rows = handover_backlog_rows(db.session, region.users[who], on, region=scope)
        assert rows.items == [in_codes(item) for item in report.items]
        assert (rows.by_category, rows.by_street, rows.by_receiver) == (
            report.by_category, report.by_street, report.by_receiver)
    assert {item.handover for item in rows.items} == {"H-9", "H-1", None}


def test_the_rows_refuse_whom_the_report_refuses(db, region):
    with pytest.raises(Forbidden):
        handover_backlog_rows(db.session, region.users["water"], date(2022, 6, 1))
    with pytest.raises(NotFound):
        handover_backlog_rows(db.session, region.users["sysadmin"], date(2022, 6, 1),
                              region="NOPE")
