"""Collection rate, arrears by age, recovery and trend over the access world
(docs/domain.md#collection).

The fee world (build_fee_world) is tests/world.py with fees; the clock reads
2025-06-02. Every household is charged 1.00 yuan per m² a month, except CC's
at 0.50, so a month's bills are:

    CA/1/1/101 62.50   CA/1/1/102 48.25   CA/2/1/201 70.00   (CA: 180.75)
    CB/1/1/101 55.00                                        (CB:  55.00)
    CC/1/1/101 40.00                                        (CC:  40.00)

Billed months: 2024-05, 2024-10, 2025-01, 2025-04, 2025-05 everywhere, and
2022-12 in CB alone (CB's fee starts in 2022, CA's and CC's in 2024). Bills
carry the mode of the term in force on their first day: CA and CB
professional, CB self-managed in 2022, CC none. Payments:

    CB/1/1/101  55.00  2025-04-10  no period   → its 2022-12 bill
    CA/2/1/201 100.00  2025-05-15  no period   → 2024-05 (70.00), 2024-10 (30.00)
    CA/1/1/101  62.50  2025-05-20  for 2025-05 → its 2025-05 bill in full
    CA/1/1/102  20.00  2025-06-01  for 2025-05 → part of its 2025-05 bill
    CB/1/1/101  55.00  2025-06-02  for 2025-05 → its 2025-05 bill in full
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from pmsys.auth import permissions
from pmsys.errors import Forbidden, InvalidInput
from pmsys.extensions import db as _db
from pmsys.fees import reports, services
from pmsys.models.auth import OrgKind, Role
from pmsys.models.fees import Bill
from tests.factories import HouseholdFactory, OrganizationFactory, UnitFactory, staff
from tests.statements import not_the_fixtures, statements_sent
from tests.world import World, build_world

PERIODS = ("2024-05", "2024-10", "2025-01", "2025-04", "2025-05")
TODAY = date(2025, 6, 2)
PAYMENTS = (
    ("R-1", "CB/1/1/101", "55.00", "2025-04-10", None),
    ("R-2", "CA/2/1/201", "100.00", "2025-05-15", None),
    ("R-3", "CA/1/1/101", "62.50", "2025-05-20", "2025-05"),
    ("R-4", "CA/1/1/102", "20.00", "2025-06-01", "2025-05"),
    ("R-5", "CB/1/1/101", "55.00", "2025-06-02", "2025-05"),
)


def build_fee_world() -> World:
    """Build (and commit) the access world with the fees, bills and payments above."""
    world = build_world()
    session = _db.session
    admin = world.users["sysadmin"]
    ca, cb, cc = (world.communities[code] for code in ("CA", "CB", "CC"))
    services.set_standard(session, admin, ca, price_per_m2_month="1.00", start="2024-01-01")
    services.set_standard(session, admin, cb, price_per_m2_month="1.00", start="2022-01-01")
    services.set_standard(session, admin, cc, price_per_m2_month="0.50", start="2024-01-01")
    services.run_billing(session, "scheduler", "2022-12")
    for period in PERIODS:
        services.run_billing(session, "scheduler", period)
    for receipt, household, amount, paid_on, period in PAYMENTS:
        services.post_payment(session, admin, receipt_no=receipt, household=household,
                              amount=amount, paid_on=paid_on, method="cash",
                              period_text=period)
    session.commit()
    return world


@pytest.fixture
def world(db):
    return build_fee_world()


def figures(item) -> tuple:
    return (item.key, str(item.billed), str(item.paid), str(item.rate_amount),
            item.households_billed, item.households_paid, str(item.rate_households))


def collect(world, who="sysadmin", **kwargs):
    arguments = {"period": "2025-05", "as_of": TODAY, "level": "community", **kwargs}
    return reports.collection(_db.session, world.users[who], **arguments)


# --- the collection rate ----------------------------------------------------------------------


def test_collection_per_community_by_amount_and_by_household(world):
    items, total = collect(world)
    assert [figures(item) for item in items] == [
        ("CA", "180.75", "82.50", "0.4564", 3, 1, "0.3333"),
        ("CB", "55.00", "55.00", "1.0000", 1, 1, "1.0000"),
        ("CC", "40.00", "0.00", "0.0000", 1, 0, "0.0000"),
    ]
    assert items[0].name == "供销楼小区"
    assert figures(total)[1:] == ("275.75", "137.50", "0.4986", 5, 2, "0.4000")


def test_payments_after_the_as_of_day_do_not_count(world):
    items, total = collect(world, as_of=date(2025, 6, 1))
    assert [figures(item)[:3] for item in items] == [
        ("CA", "180.75", "82.50"), ("CB", "55.00", "0.00"), ("CC", "40.00", "0.00")]
    assert (total.households_paid, str(total.rate_amount)) == (1, "0.2992")
    _items, total = collect(world, as_of=date(2025, 5, 19))
    assert (str(total.paid), total.households_paid, str(total.rate_households)) == (
        "0.00", 0, "0.0000")


@pytest.mark.parametrize("level, expected", [
    ("street", [("S1", "180.75", "82.50", "0.4564", 3, 1, "0.3333"),
                ("S2", "55.00", "55.00", "1.0000", 1, 1, "1.0000"),
                ("S3", "40.00", "0.00", "0.0000", 1, 0, "0.0000")]),
    ("district", [("D1", "220.75", "82.50", "0.3737", 4, 1, "0.2500"),
                  ("D2", "55.00", "55.00", "1.0000", 1, 1, "1.0000")]),
    ("mode", [("none", "40.00", "0.00", "0.0000", 1, 0, "0.0000"),
              ("professional", "235.75", "137.50", "0.5832", 4, 2, "0.5000")]),
])
def test_collection_grouped_by_street_district_and_mode(world, level, expected):
    items, total = collect(world, level=level)
    assert [figures(item) for item in items] == expected
    assert figures(total)[1:] == ("275.75", "137.50", "0.4986", 5, 2, "0.4000")


def test_group_names(world):
    names = {level: {item.key: item.name for item in collect(world, level=level)[0]}
             for level in ("street", "district", "mode")}
    assert names["street"] == {"S1": "萨拉齐镇", "S2": "沙河街道", "S3": "双龙镇"}
    assert names["district"] == {"D1": "土右旗", "D2": "九原区"}
    # Modes are named by their label, in the interface's language (Chinese by default).
    assert names["mode"] == {"none": "无人管理", "professional": "物业服务企业管理"}


def test_the_mode_is_the_one_stamped_on_the_bill(world):
    # CB was self-managed in 2022; the April 2025 payment paid that bill.
    items, total = collect(world, period="2022-12", level="mode")
    assert [figures(item) for item in items] == [
        ("self", "55.00", "55.00", "1.0000", 1, 1, "1.0000")]


def test_adjustments_change_what_is_billed_and_a_waived_bill_is_paid(world, db):
    admin = world.users["sysadmin"]
    bills = {bill.household_id: bill for bill in db.session.scalars(select(Bill).where(
        Bill.period == "2025-05", Bill.community_id == world.communities["CA"].id))}
    services.adjust_bill(db.session, admin, bills[world.households["CA/2/1/201"].id],
                         amount="-70.00", reason="低保户减免", kind="waiver")
    services.adjust_bill(db.session, admin, bills[world.households["CA/1/1/102"].id],
                         amount="-28.25", reason="面积登记有误", kind="correction")
    items, _total = collect(world)
    # Billed 62.50 + 20.00 + 0.00; 102 paid its corrected 20.00, 201 owes nothing.
    assert figures(items[0]) == ("CA", "82.50", "82.50", "1.0000", 3, 3, "1.0000")


def test_a_period_without_bills_has_no_rate(world):
    items, total = collect(world, period="2025-06")
    assert items == []
    assert (total.billed, total.households_billed) == (Decimal("0.00"), 0)
    assert total.rate_amount is None and total.rate_households is None


# --- who reads what ---------------------------------------------------------------------------


@pytest.mark.parametrize("who, keys", [
    ("manager_a", ["CA"]),
    ("manager_b", ["CB"]),
    ("committee_a", ["CA"]),
    ("officer", ["CA"]),
    ("bureau", ["CA", "CC"]),
    ("office_officer", ["CC"]),
    ("sysadmin", ["CA", "CB", "CC"]),
    ("self_manager", []),
])
def test_only_the_communities_the_reader_sees(world, who, keys):
    items, total = collect(world, who)
    assert [item.key for item in items] == keys
    assert total.households_billed == sum(item.households_billed for item in items)
    owed, _owed_total = reports.arrears(_db.session, world.users[who], as_of=TODAY)
    assert [item.key for item in owed] == keys
    report = reports.collection_report(_db.session, world.users[who], period="2025-05",
                                       as_of=TODAY)
    assert report.trend[-1].households_billed == total.households_billed
    assert {item.key for item in report.recovery} <= set(keys)


@pytest.mark.parametrize("who", ["resident_a", "tenant_a", "operator_in", "operator_out"])
def test_residents_and_operators_are_refused(world, who):
    user = world.users[who]
    with pytest.raises(Forbidden):
        collect(world, who)
    with pytest.raises(Forbidden):
        reports.arrears(_db.session, user, as_of=TODAY)
    with pytest.raises(Forbidden):
        reports.collection_report(_db.session, user)
    with pytest.raises(Forbidden):
        reports.collection_report(_db.session, None)


@pytest.mark.parametrize("arguments, field", [
    ({"period": "2025-13"}, "period"),
    ({"period": "25-05"}, "period"),
    ({"period": None}, "period"),
    ({"as_of": "2025-02-30"}, "as_of"),
    ({"as_of": "yesterday"}, "as_of"),
    ({"as_of": date(3000, 1, 1)}, "as_of"),
    ({"as_of": date(1969, 12, 31)}, "as_of"),
    ({"level": "city"}, "level"),
])
def test_bad_filters_are_refused(world, arguments, field):
    with pytest.raises(InvalidInput) as refused:
        collect(world, **arguments)
    assert field in refused.value.fields


# --- arrears, recovery, trend ----------------------------------------------------------------


def buckets(item) -> dict:
    return {bucket: str(amount) for bucket, amount in item.buckets.items()}


def test_arrears_aged_per_community(world):
    items, total = reports.arrears(_db.session, world.users["sysadmin"], as_of=TODAY)
    assert [(item.key, str(item.outstanding), buckets(item)) for item in items] == [
        ("CA", "721.25", {"0-3": "279.00", "3-6": "180.75", "6-12": "150.75", "12+": "110.75"}),
        ("CB", "220.00", {"0-3": "55.00", "3-6": "55.00", "6-12": "55.00", "12+": "55.00"}),
        ("CC", "200.00", {"0-3": "80.00", "3-6": "40.00", "6-12": "40.00", "12+": "40.00"}),
    ]
    assert str(total.outstanding) == "1141.25"
    assert buckets(total) == {"0-3": "414.00", "3-6": "275.75", "6-12": "245.75",
                              "12+": "205.75"}


def test_arrears_as_of_an_earlier_day_age_from_that_day(world):
    # On 2025-01-31: bills up to 2025-01 only, 2024-05 is 8 months old, no payment yet.
    items, total = reports.arrears(_db.session, world.users["sysadmin"],
                                   as_of=date(2025, 1, 31), level="district")
    assert [(item.key, buckets(item)) for item in items] == [
        ("D1", {"0-3": "220.75", "3-6": "220.75", "6-12": "220.75", "12+": "0.00"}),
        ("D2", {"0-3": "55.00", "3-6": "55.00", "6-12": "55.00", "12+": "55.00"}),
    ]
    assert str(total.outstanding) == "882.25"


def test_recovery_of_earlier_arrears_by_payments_within_the_period(world):
    items, total = reports.recovery(_db.session, world.users["sysadmin"], period="2025-05",
                                    as_of=TODAY)
    assert [(item.key, str(item.arrears), str(item.recovered), str(item.rate))
            for item in items] == [
        ("CA", "723.00", "100.00", "0.1383"),
        ("CB", "220.00", "0.00", "0.0000"),
        ("CC", "160.00", "0.00", "0.0000"),
    ]
    assert (str(total.arrears), str(total.recovered), str(total.rate)) == (
        "1103.00", "100.00", "0.0907")
    # Up to 2025-05-14 nothing was recovered yet; in April, CB's old bill was.
    _items, total = reports.recovery(_db.session, world.users["sysadmin"], period="2025-05",
                                     as_of=date(2025, 5, 14))
    assert str(total.recovered) == "0.00"
    _items, total = reports.recovery(_db.session, world.users["sysadmin"], period="2025-04",
                                     as_of=TODAY, level="mode")
    assert (str(total.arrears), str(total.recovered)) == ("882.25", "55.00")


def test_trend_lists_twelve_months_with_or_without_bills(world):
    months = reports.trend(_db.session, world.users["sysadmin"], period="2025-05",
                           as_of=TODAY)
    assert [month.key for month in months] == [
        "2024-06", "2024-07", "2024-08", "2024-09", "2024-10", "2024-11", "2024-12",
        "2025-01", "2025-02", "2025-03", "2025-04", "2025-05"]
    by_key = {month.key: month for month in months}
    assert figures(by_key["2024-10"]) == (
        "2024-10", "275.75", "30.00", "0.1088", 5, 0, "0.0000")
    assert figures(by_key["2025-05"]) == (
        "2025-05", "275.75", "137.50", "0.4986", 5, 2, "0.4000")
    assert by_key["2024-06"].rate_amount is None and by_key["2024-06"].billed == 0


def test_the_report_defaults_to_last_month_as_of_today(world):
    report = reports.collection_report(_db.session, world.users["bureau"])
    assert (report.period, report.as_of, report.level) == ("2025-05", TODAY, "community")
    assert [item.key for item in report.items] == ["CA", "CC"]
    assert (report.recovery_from, report.recovery_to) == (date(2025, 5, 1), date(2025, 5, 31))
    assert [item.key for item in report.arrears] == ["CA", "CC"]


# --- a fixed number of statements ------------------------------------------------------------


def counted_statements():
    """The statements of the block, the test fixture's own savepoints left out."""
    return statements_sent(_db.engine, not_the_fixtures)


def report_statements(world) -> tuple[int, reports.CollectionReport]:
    _db.session.expire_all()
    with counted_statements() as statements:
        report = reports.collection_report(_db.session, world.users["bureau"],
                                           period="2025-05", as_of=TODAY, level="district")
    return len(statements), report


def test_the_report_takes_as_many_statements_for_30_households_as_for_3(world):
    admin = world.users["sysadmin"]
    few, report = report_statements(world)
    assert report.items[0].households_billed == 4
    # 27 more households in CC, billed for every month; some pay.
    unit = UnitFactory(building=world.communities["CC"].buildings[0], code="9")
    added = [HouseholdFactory(unit=unit, code=str(900 + n), area=Decimal("50.00"))
             for n in range(27)]
    for period in PERIODS:
        services.run_billing(_db.session, "scheduler", period)
    for n, household in enumerate(added[:9]):
        services.post_payment(_db.session, admin, receipt_no=f"M-{n}", household=household,
                              amount="25.00", paid_on="2025-05-31", method="wechat",
                              period_text="2025-05")
    _db.session.commit()
    many, report = report_statements(world)
    assert report.items[0].households_billed == 31
    assert report.items[0].households_paid == 1 + 9
    # Whether the bureau sees every community (it does not: D1 only), the figures per group
    # (collection, arrears and recovery in one statement), the trend, and the reader's user
    # and organisation, loaded again after expire_all().
    assert many == few == 5


def test_a_bureau_that_sees_every_community_reads_them_all_without_their_list(world):
    """A city's bureau reads the summary without matching it against its communities
    (reports._visible): the figures are the sysadmin's, and D1's bureau still reads D1's."""
    city = world.communities["CA"].street.parent.parent
    city_bureau = staff(Role.bureau_admin, OrganizationFactory(
        code="HB-BT", kind=OrgKind.housing_bureau, region=city))
    _db.session.commit()
    assert permissions.sees_every_community(_db.session, city_bureau)
    assert not permissions.sees_every_community(_db.session, world.users["bureau"])
    assert not permissions.sees_every_community(_db.session, world.users["manager_a"])
    for as_of in (TODAY, date(2025, 5, 3), date(2025, 5, 20)):
        arguments = {"period": "2025-05", "as_of": as_of}
        with counted_statements() as statements:
            whole = reports.collection_report(_db.session, city_bureau, **arguments)
        assert not any("communities.street_id" in statement for statement in statements[1:])
        everyone = reports.collection_report(_db.session, world.users["sysadmin"], **arguments)
        assert whole == everyone
        assert {item.key for item in whole.items} == {"CA", "CB", "CC"}
        d1 = reports.collection_report(_db.session, world.users["bureau"], **arguments)
        assert {item.key for item in d1.items} == {"CA", "CC"}
        assert [month.households_billed for month in d1.trend] != [
            month.households_billed for month in whole.trend]
