"""The pure arithmetic of the collection reports
(pmsys/fees/rates.py, docs/domain.md#collection)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmsys.fees import billing, rates


def test_rates_by_amount_and_by_household_to_four_places():
    item = rates.collection("CA", "供销楼小区", Decimal("180.75"), Decimal("82.50"), 3, 1)
    assert (item.rate_amount, item.rate_households) == (Decimal("0.4564"), Decimal("0.3333"))
    assert str(rates.collection("X", "X", "3", "2", 3, 2).rate_amount) == "0.6667"


def test_nothing_billed_has_no_rate_rather_than_zero():
    empty = rates.collection("X", "X", None, None, None, None)
    assert (empty.billed, empty.paid, empty.households_billed) == (Decimal("0.00"),
                                                                   Decimal("0.00"), 0)
    assert empty.rate_amount is None and empty.rate_households is None
    assert rates.Recovery("X", "X").rate is None


def test_sums_from_the_database_are_rounded_to_the_fen():
    # SQLite sums floating point: 0.1 + 0.2 arrives as 0.30000000000000004.
    item = rates.collection("X", "X", 0.1 + 0.2, Decimal("0.105"), 1, 0)
    assert (item.billed, item.paid) == (Decimal("0.30"), Decimal("0.11"))
    # Nothing (None, 0, or a sum that came to -0) is 0.00, never -0.00.
    for nothing in (None, 0, 0.0, -0.0, Decimal("-0.00")):
        item = rates.collection("X", "X", nothing, nothing, 1, 0)
        assert (str(item.billed), str(item.paid)) == ("0.00", "0.00")
        assert str(rates.recovery("X", "X", nothing, nothing).recovered) == "0.00"
        assert str(rates.arrears_of("X", "X", (nothing,) * 4).outstanding) == "0.00"


def test_the_total_sums_groups_and_takes_its_rates_over_the_sums():
    items = [rates.collection("A", "A", "100.00", "100.00", 1, 1),
             rates.collection("B", "B", "300.00", "0.00", 3, 0)]
    total = rates.collection_total(items)
    assert (total.billed, total.paid, total.households_billed, total.households_paid) == (
        Decimal("400.00"), Decimal("100.00"), 4, 1)
    # Not the mean of the groups' rates (which would be 0.5000).
    assert (total.rate_amount, total.rate_households) == (Decimal("0.2500"), Decimal("0.2500"))
    assert rates.collection_total([]).rate_amount is None


def test_trend_periods_are_the_last_twelve_oldest_first():
    assert rates.trend_periods("2025-02") == [
        "2024-03", "2024-04", "2024-05", "2024-06", "2024-07", "2024-08", "2024-09",
        "2024-10", "2024-11", "2024-12", "2025-01", "2025-02"]
    assert rates.trend_periods("1970-03") == ["1970-01", "1970-02", "1970-03"]
    assert rates.trend_periods("2025-02", months=1) == ["2025-02"]


def test_trend_fills_months_without_bills():
    found = {"2025-02": rates.collection("2025-02", "2025-02", "10.00", "5.00", 1, 0)}
    months = rates.trend(["2025-01", "2025-02"], found)
    assert [(m.key, m.billed, m.rate_amount) for m in months] == [
        ("2025-01", Decimal("0.00"), None), ("2025-02", Decimal("10.00"), Decimal("0.5000"))]


@given(as_of=st.dates(min_value=date(1974, 1, 1), max_value=date(2998, 12, 31)),
       back=st.integers(min_value=0, max_value=40))
def test_bucket_floors_agree_with_the_age_of_a_bill(as_of, back):
    month = billing.period_of(as_of)
    bill_period = billing.next_period(month, -back)
    in_bucket = next(bucket for bucket, floor in rates.bucket_floors(month)
                     if floor is None or bill_period >= floor)
    assert in_bucket == billing.age_bucket(bill_period, as_of)


def test_bucket_floors_of_june():
    assert rates.bucket_floors("2025-06") == [
        ("0-3", "2025-04"), ("3-6", "2025-01"), ("6-12", "2024-07"), ("12+", None)]


def test_arrears_of_a_group_fill_every_bucket_and_total_them():
    # What the database found owed per bucket, in AGE_BUCKETS' order; None: nothing there.
    items = [rates.arrears_of("CA", "供销楼小区", (Decimal("279.00"), None, None, 110.75)),
             rates.arrears_of("CB", "环卫院小区", (Decimal("55.00"), None, None,
                                                   Decimal("55.00")))]
    ca, cb = items
    assert ca.buckets == {"0-3": Decimal("279.00"), "3-6": Decimal("0.00"),
                          "6-12": Decimal("0.00"), "12+": Decimal("110.75")}
    assert (ca.outstanding, cb.outstanding) == (Decimal("389.75"), Decimal("110.00"))
    total = rates.arrears_total(items)
    assert total.buckets["0-3"] == Decimal("334.00") and total.outstanding == Decimal("499.75")
    assert rates.arrears_total([]).outstanding == Decimal("0.00")


def test_every_arrears_group_has_every_bucket_and_its_own_dict():
    first, second = rates.Arrears("A", "A"), rates.Arrears("B", "B")
    first.buckets["0-3"] += Decimal("1.00")
    assert list(second.buckets) == list(billing.AGE_BUCKETS)
    assert second.outstanding == Decimal("0.00")


@pytest.mark.parametrize("owed, recovered, rate", [
    ("723.00", "100.00", "0.1383"),
    ("220.00", "0.00", "0.0000"),
    ("0.00", "0.00", None),
])
def test_recovery_rate(owed, recovered, rate):
    item = rates.recovery("X", "X", Decimal(owed), Decimal(recovered))
    assert (str(item.rate) if item.rate is not None else None) == rate


def test_recovery_total():
    total = rates.recovery_total([rates.recovery("A", "A", "723.00", "100.00"),
                                  rates.recovery("B", "B", "380.00", "0.00")])
    assert (total.arrears, total.recovered, total.rate) == (
        Decimal("1103.00"), Decimal("100.00"), Decimal("0.0907"))
