"""Collection rates, arrears by age and the recovery rate (docs/domain.md#collection): pure.

The database does the per-bill arithmetic and the grouping (pmsys/fees/reports.py);
what arrives here is one small row per group, and what leaves is the figures a
report shows: sums, the rates over them and the total over every group.

Definitions, for a period P as of a day D:

- billed: what P's bills ask after their adjustments (waivers, corrections; every
  adjustment recorded counts, whatever its date: a bill is judged by what it asks now);
- paid: what payments dated D or earlier allocated to P's bills;
- rate_amount = paid / billed;
- households_billed: households with a bill for P (one bill per household and
  period); households_paid: those whose bill is paid in full by D;
- rate_households = households_paid / households_billed;
- arrears on D: what is still owed on the bills of D's month and earlier, by the
  age of the bill (months from its period to D's month: 0–3, 3–6, 6–12, 12+);
- recovery for P: of what was owed on P's first day on the bills of earlier
  periods, the share paid by payments dated within P, up to D.

A rate over nothing (nothing billed, nothing owed) is None, never 0 %.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from pmsys import money
from pmsys.fees import billing

ZERO = Decimal("0.00")


def _money(value) -> Decimal:
    """A sum from the database as yuan to the fen (None, for no rows, is zero)."""
    # money.fen(0) is ZERO: nothing (None, 0 or -0) is 0.00, never -0.00.
    return money.fen(value) if value else ZERO


@dataclass(frozen=True)
class Collection:
    """The collection of one group (or of all of them) for a period."""

    key: str
    name: str
    billed: Decimal = ZERO
    paid: Decimal = ZERO
    households_billed: int = 0
    households_paid: int = 0

    @property
    def rate_amount(self) -> Decimal | None:
        return money.ratio(self.paid, self.billed)

    @property
    def rate_households(self) -> Decimal | None:
        return money.ratio(self.households_paid, self.households_billed)


def collection(key: str, name: str, billed, paid, households_billed,
               households_paid) -> Collection:
    """One group's collection from the database's sums and counts."""
    return Collection(key, name, _money(billed), _money(paid), int(households_billed or 0),
                      int(households_paid or 0))


def collection_total(items: Iterable[Collection], key: str = "", name: str = "") -> Collection:
    """The collection over every group: sums of the sums, and the rates over those."""
    items = list(items)
    return Collection(
        key=key, name=name,
        billed=sum((item.billed for item in items), ZERO),
        paid=sum((item.paid for item in items), ZERO),
        households_billed=sum(item.households_billed for item in items),
        households_paid=sum(item.households_paid for item in items),
    )


def trend_periods(last: str, months: int = 12) -> list[str]:
    """The `months` periods ending with `last`, oldest first (none before 1970-01)."""
    periods = [billing.next_period(last, -back) for back in range(months - 1, -1, -1)]
    return [period for period in periods if period >= "1970-01"]


def trend(periods: Iterable[str], found: dict[str, Collection]) -> list[Collection]:
    """One collection per period, oldest first; a period without bills is empty, not missing."""
    return [found.get(period) or Collection(key=period, name=period) for period in periods]


# --- arrears -----------------------------------------------------------------------------------


def bucket_floors(as_of_period: str) -> list[tuple[str, str | None]]:
    """(bucket, earliest period in it) on a day of `as_of_period`, youngest bucket first.

    The database sorts bills into buckets by comparing "YYYY-MM" strings with
    these floors; the last bucket has no floor. Agrees with billing.age_bucket.
    """
    return [
        ("0-3", billing.next_period(as_of_period, -2)),
        ("3-6", billing.next_period(as_of_period, -5)),
        ("6-12", billing.next_period(as_of_period, -11)),
        ("12+", None),
    ]


def _empty_buckets() -> dict[str, Decimal]:
    return {bucket: ZERO for bucket in billing.AGE_BUCKETS}


@dataclass(frozen=True)
class Arrears:
    """What one group (or all of them) still owes, by the age of the bills."""

    key: str
    name: str
    buckets: dict[str, Decimal] = field(default_factory=_empty_buckets)

    @property
    def outstanding(self) -> Decimal:
        return sum(self.buckets.values(), ZERO)


def arrears_of(key: str, name: str, owed_by_age: Iterable) -> Arrears:
    """One group's arrears from what the database found owed per bucket (AGE_BUCKETS' order).

    A bucket with None (nothing owed worth a fen there) holds zero.
    """
    return Arrears(key, name, dict(zip(billing.AGE_BUCKETS, [_money(owed) for owed in owed_by_age],
                                       strict=True)))


def arrears_total(items: Iterable[Arrears], key: str = "", name: str = "") -> Arrears:
    """The arrears of every group together, bucket by bucket."""
    buckets = [item.buckets for item in items]
    return Arrears(key, name, {bucket: sum((owed[bucket] for owed in buckets), ZERO)
                               for bucket in billing.AGE_BUCKETS})


# --- recovery ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recovery:
    """Arrears owed at the start of a period and what payments within it recovered."""

    key: str
    name: str
    arrears: Decimal = ZERO
    recovered: Decimal = ZERO

    @property
    def rate(self) -> Decimal | None:
        return money.ratio(self.recovered, self.arrears)


def recovery(key: str, name: str, owed, recovered) -> Recovery:
    """One group's recovery from the database's sums."""
    return Recovery(key, name, _money(owed), _money(recovered))


def recovery_total(items: Iterable[Recovery], key: str = "", name: str = "") -> Recovery:
    """The recovery over every group."""
    items = list(items)
    return Recovery(key=key, name=name,
                    arrears=sum((item.arrears for item in items), ZERO),
                    recovered=sum((item.recovered for item in items), ZERO))
