"""Fee collection reports over the communities a reader may see (docs/domain.md#collection).

Each figure is one aggregate statement over the collection summary
(pmsys/fees/summary.py: per community and period, the bills and what payments of
each month paid on them, kept in step by every service that changes either),
grouped by community, street, district or management mode. The number of
statements is fixed and none reads every bill (a city bills 350,000 households a
month); the arithmetic of the rates is the pure code of pmsys/fees/rates.py.

Money compares with half a fen of slack: on SQLite the sums are floating point,
and 62.50 paid in three parts must still pay a 62.50 bill in full.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import Select, case, func, literal, select, type_coerce
from sqlalchemy.orm import Session, aliased

from pmsys import clock
from pmsys.auth import permissions
from pmsys.errors import Forbidden, InvalidInput
from pmsys.fees import billing, rates, services, summary
from pmsys.labels import MODE_LABELS
from pmsys.models.fees import MONEY
from pmsys.models.places import Community, Region

LEVELS = ("community", "street", "district", "mode")
TREND_MONTHS = 12
HALF_FEN = summary.HALF_FEN
NO_GROUP = "none"

_street = aliased(Region, name="street")
_district = aliased(Region, name="district")


@dataclass(frozen=True)
class CollectionReport:
    """Everything the collection page and API show for one period, as of one day."""

    period: str
    as_of: date
    level: str
    items: list[rates.Collection]
    total: rates.Collection
    trend: list[rates.Collection]
    arrears: list[rates.Arrears]
    arrears_total: rates.Arrears
    recovery_from: date
    recovery_to: date
    recovery: list[rates.Recovery]
    recovery_total: rates.Recovery


# --- input -------------------------------------------------------------------------------------


def default_period(today: date) -> str:
    """Return the month before `today`'s: the last one billed in full."""
    return billing.next_period(billing.period_of(today), -1)


def require_reader(actor) -> None:
    """Refuse (403) a role outside permissions.FEE_READERS (residents, operators)."""
    if not permissions.can_read_fees(actor):
        raise Forbidden("fee reports are for managers, committees, street offices and bureaus",
                        code="not_a_fee_reader")


def check_level(level) -> str:
    """A grouping of LEVELS; InvalidInput (400) otherwise."""
    if level not in LEVELS:
        raise InvalidInput("unknown level", code="invalid_level",
                           fields={"level": "one of " + ", ".join(LEVELS)})
    return level


def check(actor, period, as_of, level) -> tuple[str, date, str]:
    """Refuse a reader outside FEE_READERS (403) and bad filters (400); return them parsed."""
    require_reader(actor)
    return check_period(period), check_day(as_of), check_level(level)


def check_period(period) -> str:
    """A period "YYYY-MM" from 1970 to 2999; InvalidInput (400, `invalid_period`) otherwise."""
    try:
        return services.period(period)
    except InvalidInput as refused:
        raise InvalidInput(refused.message, code="invalid_period",
                           fields=refused.fields) from None


def check_day(as_of) -> date:
    """A day from 1970 to 2999; InvalidInput (400, `invalid_date`) otherwise."""
    try:
        day = services.day(as_of, "as_of")
    except InvalidInput as refused:
        raise InvalidInput(refused.message, code="invalid_date", fields=refused.fields) from None
    # services.day takes a date object as it is; a form's date may be any year.
    if not 1970 <= day.year <= 2999:
        raise InvalidInput("as_of must be a date from 1970 to 2999", code="invalid_date",
                           fields={"as_of": "YYYY-MM-DD"})
    return day


def period_end(period: str) -> date:
    """Return the last day of a period."""
    year, month = billing.parse_period(period)
    return date(year, month, calendar.monthrange(year, month)[1])


# --- the building blocks of every statement ----------------------------------------------------


def _money(expression):
    return type_coerce(expression, MONEY)


def _grouped(level: str, rows, *columns) -> Select:
    """SELECT key, name, *columns FROM rows (of summary.as_of) … GROUP BY the level's key."""
    if level == "mode":
        key = name = rows.c.mode
        keys = (rows.c.mode,)
    else:
        table = {"community": Community, "street": _street, "district": _district}[level]
        key, name = table.code, table.name
        keys = (key, name)
    query = (
        select(key.label("key"), name.label("name"), *columns)
        .select_from(rows)
        .join(Community, Community.id == rows.c.community_id)
    )
    if level in ("street", "district"):
        query = query.join(_street, _street.id == Community.street_id)
    if level == "district":
        query = query.outerjoin(_district, _district.id == _street.parent_id)
    return query.group_by(*keys)


def _group_name(level: str, key, name) -> tuple[str, str]:
    """The key and name a group shows: a mode's code and label; "none" where there is none."""
    if level == "mode":
        code = getattr(key, "value", key) or NO_GROUP
        return code, str(MODE_LABELS.get(code, code))
    if key is None:
        return NO_GROUP, _("No district")
    return key, name


def _visible(actor):
    """The filter on a community id column: the communities `actor` sees."""
    communities = select(Community.id).where(permissions.community_clause(actor))
    return lambda column: column.in_(communities)


def _rows(session: Session, actor, periods, days: list[date]):
    """summary.as_of over the communities `actor` sees."""
    return summary.as_of(session.get_bind().dialect.name, periods, _visible(actor), days)


# --- the figures -------------------------------------------------------------------------------


def _collection_sums(rows):
    """(net billed, paid by the day, bills, bills paid in full) columns over summary rows."""
    return (
        _money(func.sum(rows.c.billed)).label("billed"),
        _money(func.sum(rows.c.paid_0)).label("paid"),
        func.sum(rows.c.bills).label("households_billed"),
        func.sum(rows.c.full_0).label("households_paid"),
    )


def _collection(key, name, row) -> rates.Collection:
    return rates.collection(key, name, row.billed, row.paid, int(row.households_billed or 0),
                            int(row.households_paid or 0))


def collection(session: Session, actor, *, period: str, as_of, level: str = "community"
               ) -> tuple[list[rates.Collection], rates.Collection]:
    """Measure the collection of `period` as of `as_of` per group of `level`, and in total.

    Over the bills of the communities `actor` sees; one statement (over the summary).
    """
    period, as_of, level = check(actor, period, as_of, level)
    rows = _rows(session, actor, lambda column: column == period, [as_of])
    items = []
    for row in session.execute(_grouped(level, rows, *_collection_sums(rows))):
        key, name = _group_name(level, row.key, row.name)
        items.append(_collection(key, name, row))
    items.sort(key=lambda item: item.key)
    return items, rates.collection_total(items)


def trend(session: Session, actor, *, period: str, as_of, months: int = TREND_MONTHS
          ) -> list[rates.Collection]:
    """Measure the total collection of each of the `months` periods up to `period`.

    As of `as_of`, in one statement; a month without bills is listed with nothing billed.
    """
    period, as_of, _level = check(actor, period, as_of, "community")
    periods = rates.trend_periods(period, months)
    rows = _rows(session, actor, lambda column: column.in_(periods), [as_of])
    query = select(rows.c.period.label("key"), *_collection_sums(rows)).group_by(rows.c.period)
    found = {row.key: _collection(row.key, row.key, row) for row in session.execute(query)}
    return rates.trend(periods, found)


def arrears(session: Session, actor, *, as_of, level: str = "community"
            ) -> tuple[list[rates.Arrears], rates.Arrears]:
    """Sum what is owed on `as_of` on the bills of its month and earlier, by age, per group.

    One statement: the database sorts each period's bills into its age bucket. No
    bill is paid more than it asks, so what a group owes is what it was billed less
    what was paid on it.
    """
    require_reader(actor)
    as_of, level = check_day(as_of), check_level(level)
    month = billing.period_of(as_of)
    rows = _rows(session, actor, lambda column: column <= month, [as_of])
    floors = rates.bucket_floors(month)
    bucket = case(*((rows.c.period >= floor, literal(name)) for name, floor in floors if floor),
                  else_=literal(floors[-1][0]))
    outstanding = func.sum(rows.c.billed) - func.sum(rows.c.paid_0)
    query = (
        _grouped(level, rows, bucket.label("bucket"), _money(outstanding).label("outstanding"))
        .group_by(bucket)
        .having(outstanding > HALF_FEN)
    )
    found = []
    for row in session.execute(query):
        key, name = _group_name(level, row.key, row.name)
        found.append((key, name, row.bucket, row.outstanding))
    items = rates.arrears(found)
    return items, rates.arrears_total(items)


def recovery(session: Session, actor, *, period: str, as_of, level: str = "community"
             ) -> tuple[list[rates.Recovery], rates.Recovery]:
    """Measure how much of the arrears owed on `period`'s first day payments within it paid.

    Arrears are the bills of earlier periods less what payments dated before
    the period (and not after `as_of`) paid; the recovered part is what
    payments dated from the period's first day to its last, and not after
    `as_of`, paid toward them. One statement.
    """
    period, as_of, level = check(actor, period, as_of, level)
    first, last = billing.period_start(period), min(period_end(period), as_of)
    days = [min(first - timedelta(days=1), as_of)]
    if last >= first:
        days.append(last)
    rows = _rows(session, actor, lambda column: column < period, days)
    owed = func.sum(rows.c.billed) - func.sum(rows.c.paid_0)
    recovered = (func.sum(rows.c.paid_1) - func.sum(rows.c.paid_0) if last >= first
                 else literal(0))
    query = (
        _grouped(level, rows, _money(owed).label("owed"), _money(recovered).label("recovered"))
        .having(owed > HALF_FEN)
    )
    items = []
    for row in session.execute(query):
        key, name = _group_name(level, row.key, row.name)
        items.append(rates.recovery(key, name, row.owed, row.recovered))
    items.sort(key=lambda item: item.key)
    return items, rates.recovery_total(items)


def collection_report(session: Session, actor, *, period: str | None = None, as_of=None,
                      level: str = "community") -> CollectionReport:
    """Build the collection report of `period` as of `as_of`: trend, arrears and recovery too.

    Defaults: the last month, as of today, per community. Four statements.
    """
    today = clock.today()
    period = default_period(today) if period is None else period
    as_of = today if as_of is None else as_of
    period, as_of, level = check(actor, period, as_of, level)
    items, total = collection(session, actor, period=period, as_of=as_of, level=level)
    owed, owed_total = arrears(session, actor, as_of=as_of, level=level)
    recovered, recovered_total = recovery(session, actor, period=period, as_of=as_of,
                                          level=level)
    return CollectionReport(
        period=period, as_of=as_of, level=level, items=items, total=total,
        trend=trend(session, actor, period=period, as_of=as_of),
        arrears=owed, arrears_total=owed_total,
        recovery_from=billing.period_start(period),
        recovery_to=min(period_end(period), as_of),
        recovery=recovered, recovery_total=recovered_total,
    )
