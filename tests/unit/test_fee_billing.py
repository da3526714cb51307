"""The pure fee rules (docs/domain.md#fees): amounts half-up to the fen, periods, allocation,
rates."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmsys.fees.billing import (
    AGE_BUCKETS,
    OpenBill,
    age_bucket,
    aged,
    allocate,
    bill_amount,
    months_between,
    next_period,
    parse_period,
    period_of,
    period_start,
)
from pmsys.money import fen as to_fen
from pmsys.money import ratio

D = Decimal


# --- amounts ----------------------------------------------------------------------------

@pytest.mark.parametrize("area, price, expected", [
    ("60.25", "0.50", "30.13"),  # 30.125: banker's rounding would say 30.12
    ("48.25", "0.50", "24.13"),  # 24.125 → 24.12 under banker's rounding
    ("62.50", "0.50", "31.25"),
    ("70.00", "0.45", "31.50"),
    ("33.33", "0.35", "11.67"),  # 11.6655
    ("10.01", "0.2500", "2.50"),  # 2.5025 rounds down
    ("10.30", "0.2500", "2.58"),  # 2.575 rounds up
    ("0.01", "0.0001", "0.00"),
])
def test_bill_amount_is_area_times_price_half_up_to_the_fen(area, price, expected):
    assert bill_amount(D(area), D(price)) == D(expected)


def test_half_up_where_bankers_rounding_differs():
    for value, expected in [("30.125", "30.13"), ("0.005", "0.01"), ("2.675", "2.68"),
                            ("1.005", "1.01"), ("30.135", "30.14"), ("30.1249", "30.12")]:
        assert to_fen(D(value)) == D(expected)
        assert to_fen(D(value)).as_tuple().exponent == -2
    # The same values rounded to even, to show the cases really differ.
    assert D("30.125").quantize(D("0.01")) == D("30.12")
    assert D("0.005").quantize(D("0.01")) == D("0.00")


def test_the_fixed_part_is_added_before_rounding():
    assert bill_amount(D("55.00"), D("0.45"), D("2.00")) == D("26.75")
    assert bill_amount(D("60.25"), D("0.50"), D("1.00")) == D("31.13")
    assert bill_amount(D("0.01"), D("0.0050"), D("0.00")) == D("0.00")
    assert bill_amount(D("50"), D("0"), D("15.00")) == D("15.00")


# --- periods ----------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "2025-13", "2025-00", "2025-6", "25-06", "2025/06", "2025-06-01", " 2025-06",
    "2025-06\n", "２０２５-06", "1969-12", "3000-01", "", None, 202506, ["2025-06"],
])
def test_parse_period_refuses_what_is_not_yyyy_mm(text):
    with pytest.raises(ValueError):
        parse_period(text)


def test_parse_period_and_its_days():
    assert parse_period("2025-06") == (2025, 6)
    assert parse_period("1970-01") == (1970, 1)
    assert period_start("2025-02") == date(2025, 2, 1)
    assert period_of(date(2025, 12, 31)) == "2025-12"
    assert period_of(date(2026, 1, 1)) == "2026-01"


def test_next_period_crosses_year_ends_both_ways():
    assert next_period("2025-11") == "2025-12"
    assert next_period("2025-12") == "2026-01"
    assert next_period("2025-01", -1) == "2024-12"
    assert next_period("2025-06", 12) == "2026-06"
    assert next_period("2025-06", 19) == "2027-01"
    assert next_period("2025-06", 0) == "2025-06"


def test_months_between():
    assert months_between("2025-01", "2025-04") == 3
    assert months_between("2024-11", "2025-02") == 3
    assert months_between("2025-04", "2025-04") == 0
    assert months_between("2025-04", "2025-01") == -3
    assert months_between("2020-06", "2025-06") == 60


@given(st.integers(2020, 2900), st.integers(1, 12), st.integers(-600, 600))
def test_next_period_and_months_between_agree(year, month, months):
    start = f"{year:04d}-{month:02d}"
    later = next_period(start, months)
    assert months_between(start, later) == months
    parse_period(later)  # a well-formed period


# --- allocation -------------------------------------------------------------------------

BILLS = [
    OpenBill(3, "2025-06", D("31.25")),
    OpenBill(1, "2025-04", D("31.25")),
    OpenBill(2, "2025-05", D("31.25")),
]


def test_an_unnamed_payment_pays_the_oldest_bills_first():
    assert allocate(D("50.00"), BILLS) == ([(1, D("31.25")), (2, D("18.75"))], D("0.00"))


def test_a_named_period_is_paid_first_then_the_oldest():
    parts, credit = allocate(D("40.00"), BILLS, "2025-06")
    assert parts == [(3, D("31.25")), (1, D("8.75"))]
    assert credit == D("0.00")


def test_a_named_period_without_an_open_bill_pays_the_oldest():
    assert allocate(D("10.00"), BILLS, "2024-01") == ([(1, D("10.00"))], D("0.00"))


def test_what_is_left_after_every_bill_is_credit():
    parts, credit = allocate(D("100.00"), BILLS)
    assert [amount for _bill, amount in parts] == [D("31.25")] * 3
    assert credit == D("6.25")


def test_no_open_bills_leaves_everything_as_credit():
    assert allocate(D("12.34"), []) == ([], D("12.34"))


def test_bills_with_nothing_owed_get_nothing():
    bills = [OpenBill(1, "2025-04", D("0.00")), OpenBill(2, "2025-05", D("-3.00")),
             OpenBill(3, "2025-06", D("5.00"))]
    assert allocate(D("8.00"), bills) == ([(3, D("5.00"))], D("3.00"))


def test_a_partial_payment_of_one_bill():
    assert allocate(D("0.01"), BILLS) == ([(1, D("0.01"))], D("0.00"))


def test_two_bills_of_one_period_go_by_id():
    bills = [OpenBill(9, "2025-04", D("1.00")), OpenBill(4, "2025-04", D("1.00"))]
    assert allocate(D("1.50"), bills) == ([(4, D("1.00")), (9, D("0.50"))], D("0.00"))


MONEY = st.decimals(min_value=D("0.01"), max_value=D("5000.00"), places=2)
PERIODS = st.sampled_from(["2024-11", "2024-12", "2025-01", "2025-02", "2025-03"])


@settings(max_examples=300)
@given(
    MONEY,
    st.lists(st.tuples(PERIODS, st.decimals(min_value=D("-10.00"), max_value=D("900.00"),
                                            places=2)), max_size=8),
    st.one_of(st.none(), PERIODS),
)
def test_allocation_never_exceeds_the_payment_nor_what_a_bill_owes(amount, owed, named):
    bills = [OpenBill(index + 1, month, outstanding)
             for index, (month, outstanding) in enumerate(owed)]
    parts, credit = allocate(amount, bills, named)
    by_id = {bill.bill_id: bill for bill in bills}
    allocated = sum((part for _bill, part in parts), D("0.00"))
    assert allocated + credit == amount
    assert D(0) <= credit <= amount
    assert len({bill_id for bill_id, _part in parts}) == len(parts)
    for bill_id, part in parts:
        assert D("0.00") < part <= by_id[bill_id].outstanding
    # Credit remains only when every open bill is paid in full.
    if credit > 0:
        paid = dict(parts)
        assert all(paid.get(b.bill_id) == b.outstanding for b in bills if b.outstanding > 0)


# --- rates and ages ---------------------------------------------------------------------

def test_ratio_is_four_places_half_up_and_none_without_a_denominator():
    assert ratio(1, 3) == D("0.3333")
    assert ratio(2, 3) == D("0.6667")
    assert ratio(D("1"), D("8")) == D("0.1250")
    assert ratio(D("0.00005"), 1) == D("0.0001")  # half up, not to even
    assert ratio(D("0.00015"), 1) == D("0.0002")
    assert ratio(D("31.25"), D("31.25")) == D("1.0000")
    assert ratio(0, 5) == D("0.0000")
    assert ratio(5, 0) is None
    assert ratio(0, D("0.00")) is None
    assert ratio(0, None) is None


@pytest.mark.parametrize("period, expected", [
    ("2025-06", "0-3"),
    ("2025-04", "0-3"),  # two months
    ("2025-03", "3-6"),  # three months: the next bucket begins
    ("2025-01", "3-6"),  # five months
    ("2024-11", "6-12"),  # six months
    ("2024-07", "6-12"),  # eleven months
    ("2024-06", "12+"),  # twelve months
    ("2019-01", "12+"),
    ("2025-09", "0-3"),  # a bill of a later period is not in arrears long
])
def test_age_buckets_at_their_boundaries(period, expected):
    assert age_bucket(period, date(2025, 6, 30)) == expected
    assert age_bucket(period, date(2025, 6, 1)) == expected  # the day of the month is not used


def test_aged_sums_outstanding_per_bucket_and_skips_what_is_paid():
    buckets = aged([("2025-06", D("10.00")), ("2025-05", D("2.50")), ("2025-02", D("1.00")),
                    ("2024-01", D("7.00")), ("2024-02", D("0.00")), ("2024-03", D("-1.00"))],
                   date(2025, 6, 15))
    assert list(buckets) == list(AGE_BUCKETS)
    assert buckets == {"0-3": D("12.50"), "3-6": D("1.00"), "6-12": D("0.00"),
                       "12+": D("7.00")}
    assert aged([], date(2025, 6, 15)) == dict.fromkeys(AGE_BUCKETS, D("0.00"))
