"""Bill amounts, payment allocation, collection rates and arrears ages (docs/domain.md#fees): pure.

Money is Decimal throughout and rounded half-up to the fen (0.01 yuan), as
Chinese invoices are; banker's rounding would turn 30.125 into 30.12.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from pmsys.money import fen

# ASCII digits only: \d would also take "２０２５", which would be stored as written.
PERIOD = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")


def bill_amount(area: Decimal, price_per_m2_month: Decimal, fixed: Decimal = Decimal(0)) -> Decimal:
    """A month's fee: area × price plus the fixed part, rounded half-up to the fen.

    Billing runs compute it in SQL (services.bill_amount_sql), held to this rule.
    """
    return fen(Decimal(area) * Decimal(price_per_m2_month) + Decimal(fixed))


def parse_period(text) -> tuple[int, int]:
    """(year, month) of "YYYY-MM"; ValueError otherwise."""
    # fullmatch: "$" would also let "2025-06\n" through, which no period column holds.
    match = PERIOD.fullmatch(text) if isinstance(text, str) else None
    if match is None or not 1970 <= int(match.group(1)) <= 2999:
        raise ValueError(f"not a period YYYY-MM: {text!r}")
    return int(match.group(1)), int(match.group(2))


def period_start(period: str) -> date:
    """The first day of a period."""
    year, month = parse_period(period)
    return date(year, month, 1)


def period_of(day: date) -> str:
    """The period "YYYY-MM" that `day` falls in."""
    return f"{day.year:04d}-{day.month:02d}"


def next_period(period: str, months: int = 1) -> str:
    """The period `months` after `period` (before it when negative)."""
    year, month = parse_period(period)
    index = year * 12 + (month - 1) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_between(earlier: str, later: str) -> int:
    """Whole months from `earlier` to `later` ("2025-01" → "2025-04" is 3)."""
    (y1, m1), (y2, m2) = parse_period(earlier), parse_period(later)
    return (y2 * 12 + m2) - (y1 * 12 + m1)


@dataclass(frozen=True)
class OpenBill:
    """A bill with what is still owed on it."""

    bill_id: int
    period: str
    outstanding: Decimal


def allocate(
    amount: Decimal, bills: Sequence[OpenBill], period: str | None = None
) -> tuple[list[tuple[int, Decimal]], Decimal]:
    """Split a payment over open bills: ([(bill id, amount)], what is left unallocated).

    A payment naming a period pays that period's bill first; the rest (or all of
    an unnamed payment) pays the oldest open bills first (docs/domain.md#payments). What is
    left after every open bill is paid stays on the payment as credit.
    """
    remaining = fen(amount)
    ordered = sorted(bills, key=lambda b: (b.period != period, b.period, b.bill_id))
    result: list[tuple[int, Decimal]] = []
    for bill in ordered:
        if remaining <= 0:
            break
        if bill.outstanding <= 0:
            continue
        part = min(remaining, bill.outstanding)
        result.append((bill.bill_id, part))
        remaining -= part
    return result, remaining


# Arrears buckets by age in months (docs/domain.md#arrears): 0–3, 3–6, 6–12, over 12.
AGE_BUCKETS = ("0-3", "3-6", "6-12", "12+")


def age_bucket(bill_period: str, as_of: date) -> str:
    """The bucket of a bill's arrears on `as_of`: months since the bill's period began."""
    months = months_between(bill_period, period_of(as_of))
    if months < 3:
        return "0-3"
    if months < 6:
        return "3-6"
    if months < 12:
        return "6-12"
    return "12+"


def aged(arrears: Iterable[tuple[str, Decimal]], as_of: date) -> dict[str, Decimal]:
    """Sum (bill period, outstanding) pairs into the age buckets."""
    buckets = {bucket: Decimal("0.00") for bucket in AGE_BUCKETS}
    for period, outstanding in arrears:
        if outstanding > 0:
            buckets[age_bucket(period, as_of)] += outstanding
    return buckets
