"""The collection summary: each community's bills of each period, and what paid them, by month.

The collection report (pmsys/fees/reports.py) reads it instead of the bills: a city
of 350,000 households bills 8.4 million times in 24 months, and the summary holds a
few rows per community and period (docs/domain.md#collection). It is never stale:
every service that makes bills (billing runs), changes what a bill asks
(adjustments: waivers and corrections) or pays bills (payments, payment imports,
credit) calls `refresh` in its own transaction, which computes the rows of the
(community, period) pairs it touched again from the bills themselves. On
PostgreSQL the refreshes of one community take turns (a transaction-scoped
advisory lock), so two payments at once cannot each write a sum missing the other.

What a report needs "as of" a day D it takes from the totals, less what payments of
the months after D's did (rows of their own), less what payments dated after D
within its month did (`as_of`): that last part is read from the day rows
(fee_collection_days, per community, period, mode and day paid, kept in step by
the same `refresh`), and is nothing for a day that closes its month or for today
(no payment is dated in the future). As of today, one row per community and
period is read.

Bills and payments are never deleted, and no bill is paid more than it asks
(services.adjust_bill refuses to lower a bill below what was paid on it), so what
is owed on a group of bills is what they ask less what was paid on them.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    literal_column,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import Session

from pmsys import clock
from pmsys.models.fees import (
    AdjustmentKind,
    Bill,
    BillAdjustment,
    CollectionDay,
    CollectionSummary,
    Payment,
    PaymentAllocation,
)

HALF_FEN = Decimal("0.005")
# The paid_month of the row that holds the bills themselves; it sorts before every month.
BILLS_ROW = ""
NO_MODE = ""
# The first key of the advisory locks taken per community while its rows are rewritten.
LOCK_SPACE = 7311

Where = Callable[[ColumnElement], ColumnElement]
COLUMNS = ("period", "community_id", "mode", "paid_month", "bills", "billed", "waived", "paid",
           "paid_full")
DAY_COLUMNS = ("period", "community_id", "mode", "paid_on", "paid", "paid_full")


def month_of(dialect: str, day):
    """SQL: the "YYYY-MM" of a DATE."""
    # Constants written out, not bound: PostgreSQL matches a GROUP BY expression by its text.
    if dialect == "postgresql":
        return func.to_char(day, literal_column("'YYYY-MM'"))
    return func.substr(day, literal_column("1"), literal_column("7"))  # SQLite: ISO text


def month_end(day: date) -> date:
    """The last day of `day`'s month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _mode():
    """A bill's mode as the summary keeps it ("" for none)."""
    return func.coalesce(cast(Bill.mode, String(32)), literal_column(f"'{NO_MODE}'"))


def _adjusted(bills_where):
    """Per bill of `bills_where`: the sum of its adjustments, and of its waivers alone."""
    return (
        select(BillAdjustment.bill_id, func.sum(BillAdjustment.amount).label("amount"),
               func.sum(case((BillAdjustment.kind == AdjustmentKind.waiver,
                              BillAdjustment.amount), else_=0)).label("waived"))
        .join(Bill, Bill.id == BillAdjustment.bill_id)
        .where(*bills_where)
        .group_by(BillAdjustment.bill_id)
        .subquery("adjusted")
    )


def payment_days(bills_where):
    """Per bill of `bills_where` and day something was paid on it: what was paid that day.

    Columns community_id, period, mode, paid_on, amount and `completes`: 1 on the
    day the payments up to it first paid the bill in full (as it asks now), else 0.
    """
    days = (
        select(PaymentAllocation.bill_id, Payment.paid_on,
               func.sum(PaymentAllocation.amount).label("amount"))
        .join(Payment, Payment.id == PaymentAllocation.payment_id)
        .join(Bill, Bill.id == PaymentAllocation.bill_id)
        .where(*bills_where)
        .group_by(PaymentAllocation.bill_id, Payment.paid_on)
        .subquery("days")
    )
    running = select(
        days.c.bill_id, days.c.paid_on, days.c.amount,
        func.sum(days.c.amount).over(partition_by=days.c.bill_id, order_by=days.c.paid_on)
        .label("cum"),
    ).subquery("running")
    adjusted = _adjusted(bills_where)
    due = Bill.amount + func.coalesce(adjusted.c.amount, 0) - HALF_FEN
    completes = case((and_(running.c.cum > due, running.c.cum - running.c.amount <= due), 1),
                     else_=0)
    return (
        select(Bill.community_id, Bill.period, _mode().label("mode"), running.c.paid_on,
               running.c.amount, completes.label("completes"))
        .select_from(running)
        .join(Bill, Bill.id == running.c.bill_id)
        .outerjoin(adjusted, adjusted.c.bill_id == Bill.id)
        .subquery("payment_days")
    )


def _bills_rows(bills_where):
    """SELECT the bills rows (paid_month BILLS_ROW) of the bills `bills_where` selects, in
    COLUMNS order."""
    adjusted = _adjusted(bills_where)
    net = Bill.amount + func.coalesce(adjusted.c.amount, 0)
    paid_in_all = (
        select(PaymentAllocation.bill_id, func.sum(PaymentAllocation.amount).label("amount"))
        .join(Bill, Bill.id == PaymentAllocation.bill_id)
        .where(*bills_where)
        .group_by(PaymentAllocation.bill_id)
        .subquery("paid")
    )
    paid = func.coalesce(paid_in_all.c.amount, 0)
    mode = _mode()
    return (
        select(Bill.period, Bill.community_id, mode, literal_column(f"'{BILLS_ROW}'"),
               func.count(Bill.id), func.sum(net),
               -func.sum(func.coalesce(adjusted.c.waived, 0)), func.sum(paid),
               func.sum(case((paid > net - HALF_FEN, 1), else_=0)))
        .outerjoin(adjusted, adjusted.c.bill_id == Bill.id)
        .outerjoin(paid_in_all, paid_in_all.c.bill_id == Bill.id)
        .where(*bills_where)
        .group_by(Bill.period, Bill.community_id, mode)
    )


def _month_rows(dialect: str, days):
    """SELECT the month rows, in COLUMNS order, summed from `days`: rows (or a table) with
    the columns period, community_id, mode, paid_on, and `amount` and `completes` (what
    was paid that day, and how many bills that day paid in full)."""
    month = month_of(dialect, days.c.paid_on)
    return (
        select(days.c.period, days.c.community_id, days.c.mode, month, literal(0), literal(0),
               literal(0), func.sum(days.c.amount), func.sum(days.c.completes))
        .group_by(days.c.period, days.c.community_id, days.c.mode, month)
    )


def _rows(dialect: str, bills_where):
    """SELECT the summary rows of the bills `bills_where` selects, in COLUMNS order."""
    return union_all(_bills_rows(bills_where),
                     _month_rows(dialect, payment_days(bills_where)))


def _written_days(period: str, community_ids: list[int]):
    """The day rows of `period` and these communities, named as payment_days names them."""
    day = CollectionDay
    return (select(day.period, day.community_id, day.mode, day.paid_on,
                   day.paid.label("amount"), day.paid_full.label("completes"))
            .where(day.period == period, day.community_id.in_(community_ids))
            .subquery("written_days"))


def _day_rows(bills_where):
    """SELECT the day rows of the bills `bills_where` selects, in DAY_COLUMNS order."""
    days = payment_days(bills_where)
    return (select(days.c.period, days.c.community_id, days.c.mode, days.c.paid_on,
                   func.sum(days.c.amount), func.sum(days.c.completes))
            .group_by(days.c.period, days.c.community_id, days.c.mode, days.c.paid_on))


def _lock(session: Session, community_ids: Iterable[int]) -> None:
    """PostgreSQL: wait for other transactions rewriting these communities' rows; in id order."""
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite has one writer at a time
    session.execute(
        text("SELECT pg_advisory_xact_lock(:space, id) FROM "
             "(SELECT DISTINCT unnest(CAST(:ids AS integer[])) AS id ORDER BY id) AS ids"),
        {"space": LOCK_SPACE, "ids": sorted(set(community_ids))},
    )


def refresh(session: Session, keys: Iterable[tuple[int, str]]) -> None:
    """Compute the rows of these (community id, period) pairs again from their bills."""
    by_period: dict[str, set[int]] = defaultdict(set)
    for community_id, period in keys:
        by_period[period].add(community_id)
    if not by_period:
        return
    session.flush()
    _lock(session, {c for ids in by_period.values() for c in ids})
    dialect = session.get_bind().dialect.name
    for period, ids in sorted(by_period.items()):
        community_ids = sorted(ids)
        bills_where = [Bill.period == period, Bill.community_id.in_(community_ids)]
        # The day rows first: the month rows are their sums, not a second pass over the
        # payments.
        session.execute(delete(CollectionDay).where(
            CollectionDay.period == period, CollectionDay.community_id.in_(community_ids)))
        session.execute(insert(CollectionDay).from_select(DAY_COLUMNS, _day_rows(bills_where)))
        session.execute(delete(CollectionSummary).where(
            CollectionSummary.period == period,
            CollectionSummary.community_id.in_(community_ids)))
        months = _month_rows(dialect, _written_days(period, community_ids))
        session.execute(insert(CollectionSummary).from_select(
            COLUMNS, union_all(_bills_rows(bills_where), months)))


def refresh_bills(session: Session, bill_ids: Iterable[int]) -> None:
    """Refresh the (community, period) pairs of these bills."""
    ids = sorted(set(bill_ids))
    if ids:
        refresh(session, session.execute(
            select(Bill.community_id, Bill.period).where(Bill.id.in_(ids)).distinct()).all())


def rebuild(session: Session) -> int:
    """Compute every row again from every bill (migration, bulk loads); return the row count."""
    session.flush()
    session.execute(delete(CollectionSummary))
    session.execute(insert(CollectionSummary).from_select(
        COLUMNS, _rows(session.get_bind().dialect.name, [])))
    return session.scalar(select(func.count()).select_from(CollectionSummary))


def rebuild_days(session: Session) -> int:
    """Compute every day row again from every bill (migration, bulk loads); return the count."""
    session.flush()
    session.execute(delete(CollectionDay))
    session.execute(insert(CollectionDay).from_select(DAY_COLUMNS, _day_rows([])))
    return session.scalar(select(func.count()).select_from(CollectionDay))


def _counted_from_the_start(day: date) -> bool | None:
    """How `as_of` takes off what payments after `day` within its month did: None when none
    can be dated after it (a day that closes its month, or today: none is dated in the
    future); True to take off the whole month and add back its days up to `day` (a day in
    the first third of its month), False to take off its days after `day`. A city's
    report as of the 1st then reads a day of rows, not a month; the split is not at the
    middle because payments gather early in a month (with the month's own bills and the
    last of the month before's): in the benchmark city the first ten days hold as many
    day rows as the other twenty, so neither side reads more than about half a month's."""
    last = month_end(day)
    if day >= last or day >= clock.today():
        return None
    return day.day <= last.day // 3


def _period_keys(period) -> tuple:
    """as_of's key columns for rows summed per period: no community, no mode."""
    return literal(None).label("community_id"), period, literal(None).label("mode")


def _per_period(part):
    """`part` (rows of as_of's shape) summed per period, with no community or mode."""
    rows = part.subquery()
    return (
        select(*_period_keys(rows.c.period),
               *(func.sum(column).label(column.name) for column in rows.c
                 if column.name not in ("community_id", "period", "mode")))
        .group_by(rows.c.period)
    )


def as_of(dialect: str, periods: Where, communities: Where, days: list[date], *,
          per_period: bool = False):
    """Per community, period and mode: the bills, and what was paid on them by each of `days`.

    A subquery of rows to sum (several per group): community_id, period, mode,
    billed, bills, and for each day i paid_i (paid by then) and full_i (bills
    paid in full by then): the totals, less the months after the day's, less the
    rest of the day's month (or: less the months from the day's on, plus the days
    of its month up to the day; _counted_from_the_start). `periods` and
    `communities` filter a period and a community id column. `per_period`: the rows
    are only summed per period (the trend), so the day rows come summed per period,
    with no community or mode.
    """
    summary = CollectionSummary
    months = [f"{day.year:04d}-{day.month:02d}" for day in days]
    sides = [_counted_from_the_start(day) for day in days]
    keys = (summary.community_id, summary.period, summary.mode, summary.billed, summary.bills)
    # The bills rows and the rows of later months apart, each read through its own index
    # (ix_fee_collection_summaries_bills, _paid_month): as of today there are no later
    # months, and the bills rows are a third of the table.
    later = []
    for i, month in enumerate(months):
        after = summary.paid_month >= month if sides[i] else summary.paid_month > month
        later.append(case((after, -summary.paid), else_=0).label(f"paid_{i}"))
        later.append(case((after, -summary.paid_full), else_=0).label(f"full_{i}"))
    # The later part reads from the earliest month that any day takes off.
    earliest = min(months)
    whole = any(side for month, side in zip(months, sides, strict=True) if month == earliest)
    from_month = summary.paid_month >= earliest if whole else summary.paid_month > earliest
    parts = [
        select(*keys, *(column for i in range(len(months))
                        for column in (summary.paid.label(f"paid_{i}"),
                                       summary.paid_full.label(f"full_{i}"))))
        .where(periods(summary.period), communities(summary.community_id),
               summary.paid_month == BILLS_ROW),
        select(*keys, *later)
        .where(periods(summary.period), communities(summary.community_id), from_month),
    ]
    if per_period:
        parts = [_per_period(part) for part in parts]
    day_rows = CollectionDay
    for i, (day, side) in enumerate(zip(days, sides, strict=True)):
        if side is None:
            continue
        if side:  # the month was taken off whole: add back its days up to `day`
            paid, full = day_rows.paid, day_rows.paid_full
            within = [day_rows.paid_on >= day.replace(day=1), day_rows.paid_on <= day]
        else:  # take off its days after `day`
            paid, full = -day_rows.paid, -day_rows.paid_full
            within = [day_rows.paid_on > day, day_rows.paid_on <= month_end(day)]
        tail = []
        for j in range(len(days)):
            tail.append((func.sum(paid) if j == i else literal(0)).label(f"paid_{j}"))
            tail.append((func.sum(full) if j == i else literal(0)).label(f"full_{j}"))
        # Summed per group here, a row each: a city's half month is ~50,000 day rows, which
        # the report's sums with their many filters would otherwise take one by one.
        if per_period:
            group, keys_of_group = (day_rows.period,), _period_keys(day_rows.period)
        else:
            keys_of_group = group = (day_rows.community_id, day_rows.period, day_rows.mode)
        parts.append(
            select(*keys_of_group, literal(0), literal(0), *tail)
            .where(periods(day_rows.period), communities(day_rows.community_id), *within)
            .group_by(*group)
        )
    return union_all(*parts).subquery("as_of")
