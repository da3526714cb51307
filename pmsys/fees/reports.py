"""Fee collection reports over the communities a reader may see (docs/domain.md#collection).

The figures are aggregate statements over the collection summary
(pmsys/fees/summary.py: per community and period, the bills and what payments of
each month paid on them, kept in step by every service that changes either),
grouped by community, street, district or management mode: one for the
collection, arrears and recovery of every group together (one row per group),
one for the trend. The number of
statements is fixed and none reads every bill (a city bills 350,000 households a
month); the arithmetic of the rates is the pure code of pmsys/fees/rates.py.

Money compares with half a fen of slack: on SQLite the sums are floating point,
and 62.50 paid in three parts must still pay a 62.50 bill in full.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from operator import attrgetter

from flask_babel import gettext as _
from sqlalchemy import Select, and_, case, func, literal_column, select, true, type_coerce
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


def _grouped(level: str, rows, *columns, group: bool = True) -> Select:
    """SELECT key, name, *columns FROM rows (of summary.as_of) … GROUP BY the level's key.

    `group=False`: `rows` hold one row per group already (per community), none grouped.
    """
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
    return query.group_by(*keys) if group else query


def _group_name(level: str, key, name) -> tuple[str, str]:
    """The key and name a group shows: a mode's code and label; "none" where there is none."""
    if level == "mode":
        code = getattr(key, "value", key) or NO_GROUP
        return code, str(MODE_LABELS.get(code, code))
    if key is None:
        return NO_GROUP, _("No district")
    return key, name


def _visible(session: Session, actor) -> summary.Where:
    """The filter on a community id column: the communities `actor` sees.

    None at all for a reader who sees every community (a city's bureau, one short
    statement tells): the statements then read the summary without matching each row
    against the list of communities, some 15 ms of a city's report as of a past day.
    """
    if permissions.sees_every_community(session, actor):
        return lambda _column: true()
    communities = select(Community.id).where(permissions.community_clause(actor))
    return lambda column: column.in_(communities)


def _rows(session: Session, visible: summary.Where, periods, days: list[date], *,
          per_period: bool = False):
    """summary.as_of over the communities of `visible` (_visible)."""
    return summary.as_of(session.get_bind().dialect.name, periods, visible, days,
                         per_period=per_period)


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


@dataclass(frozen=True)
class _Figures:
    """The collection, arrears and recovery of one period as of one day, per group and in total."""

    items: list[rates.Collection]
    total: rates.Collection
    arrears: list[rates.Arrears]
    arrears_total: rates.Arrears
    recovery: list[rates.Recovery]
    recovery_total: rates.Recovery


def _owed_over(total):
    """SQL: `total` where it is more than half a fen, else NULL (a group or bucket left out)."""
    return _money(case((total > HALF_FEN, total)))


def _ages(period_column, month: str) -> list:
    """SQL: per arrears bucket (AGE_BUCKETS' order), whether a row of `period_column` is in it
    on a day of `month` (no bucket holds the bills after `month`)."""
    floors = [floor for _bucket, floor in rates.bucket_floors(month)]
    conditions, upper = [], period_column <= month
    for floor in floors:
        conditions.append(upper if floor is None else and_(period_column >= floor, upper))
        upper = period_column < floor if floor is not None else upper
    return conditions


def _per_community(rows, period: str, month: str, paid_before: str, paid_last: str | None,
                   by_mode: bool, dialect: str):
    """Sum summary.as_of `rows` per community (and mode), each sum over the rows it counts.

    One pass, each row's period compared by the sums it counts in (a city's summary
    holds some 50,000 rows of 24 months): the collection of `period`, what is owed
    on the day (paid_0) per arrears bucket of `month`, and, on the bills before
    `period`, what was owed by the day of the column `paid_before` and what was paid
    from then to the day of `paid_last` (None: no day of `period` counts). What is
    owed sums each row's billed less paid: one sum, not two.

    On PostgreSQL the periods compare by their bytes (COLLATE "C"): "YYYY-MM" sorts the
    same in every collation, and the database's own (a locale's) would compare each of
    the ~50,000 rows' periods several times over through the locale.
    """
    by_bytes = rows.c.period.collate("C") if dialect == "postgresql" else rows.c.period
    in_period, earlier = rows.c.period == period, by_bytes < period
    before = rows.c[paid_before]
    columns = [
        func.count().filter(in_period).label("in_period"),
        func.sum(rows.c.billed).filter(in_period).label("billed"),
        func.sum(rows.c.paid_0).filter(in_period).label("paid"),
        func.sum(rows.c.bills).filter(in_period).label("households_billed"),
        func.sum(rows.c.full_0).filter(in_period).label("households_paid"),
    ]
    owed_now = rows.c.billed - rows.c.paid_0
    columns += [func.sum(owed_now).filter(aged).label(f"owed_{i}")
                for i, aged in enumerate(_ages(by_bytes, month))]
    columns.append(func.sum(rows.c.billed - before).filter(earlier).label("owed"))
    if paid_last is not None:
        columns.append(func.sum(rows.c[paid_last] - before).filter(earlier).label("recovered"))
    keys = (rows.c.community_id, rows.c.mode) if by_mode else (rows.c.community_id,)
    return select(*keys, *columns).group_by(*keys).subquery("per_community")


def _figures(session: Session, visible: summary.Where, period: str, as_of: date, level: str
             ) -> _Figures:
    """Measure, per group of `level`, `period`'s collection, the arrears and the recovery.

    One statement over the summary, one row per group: the collection of
    `period` as of `as_of` (collection()), what is owed on `as_of` by age
    (arrears()) and, of what was owed on `period`'s first day, what payments
    within it recovered (recovery()); summed per community (_per_community), then
    per group.
    """
    month = billing.period_of(as_of)
    first, last = billing.period_start(period), min(period_end(period), as_of)
    before = min(first - timedelta(days=1), as_of)
    days = list(dict.fromkeys([as_of, before, *([last] if last >= first else [])]))
    rows = _rows(session, visible, lambda column: column <= max(month, period), days)
    communities = _per_community(rows, period, month, f"paid_{days.index(before)}",
                                 f"paid_{days.index(last)}" if last >= first else None,
                                 by_mode=level == "mode",
                                 dialect=session.get_bind().dialect.name)
    c = communities.c
    # Per community, its one row is the group's; other levels sum their communities' rows.
    once = level == "community"
    total = (lambda column: column) if once else func.sum
    ages = len(billing.AGE_BUCKETS)
    columns = [
        total(c.in_period).label("in_period"),
        _money(total(c.billed)).label("billed"),
        _money(total(c.paid)).label("paid"),
        total(c.households_billed).label("households_billed"),
        total(c.households_paid).label("households_paid"),
        *(_owed_over(total(c[f"owed_{i}"])).label(f"owed_{i}") for i in range(ages)),
        _owed_over(total(c.owed)).label("owed"),
        _money(total(c.recovered) if last >= first else literal_column("0")).label("recovered"),
    ]
    items, arrears, recovery = [], [], []
    collection_of, arrears_of, recovery_of = rates.collection, rates.arrears_of, rates.recovery
    named = level in ("mode", "district")  # the groups whose key or name _group_name gives
    # Core rows (no ORM loading), fetched at once: one per group.
    result = session.connection().execute(
        _grouped(level, communities, *columns, group=not once)).all()
    for key, name, in_period, billed, paid, households_billed, households_paid, *owed_by_age, \
            owed, recovered in result:
        if named:
            key, name = _group_name(level, key, name)
        if in_period:
            items.append(collection_of(key, name, billed, paid, households_billed,
                                       households_paid))
        if any(amount is not None for amount in owed_by_age):  # (not Decimal == None)
            arrears.append(arrears_of(key, name, owed_by_age))
        if owed is not None:
            recovery.append(recovery_of(key, name, owed, recovered))
    for found in (items, arrears, recovery):
        found.sort(key=attrgetter("key"))
    return _Figures(items, rates.collection_total(items), arrears, rates.arrears_total(arrears),
                    recovery, rates.recovery_total(recovery))


def collection(session: Session, actor, *, period: str, as_of, level: str = "community"
               ) -> tuple[list[rates.Collection], rates.Collection]:
    """Measure the collection of `period` as of `as_of` per group of `level`, and in total.

    Over the bills of the communities `actor` sees; one statement (over the summary).
    """
    period, as_of, level = check(actor, period, as_of, level)
    figures = _figures(session, _visible(session, actor), period, as_of, level)
    return figures.items, figures.total


def trend(session: Session, actor, *, period: str, as_of, months: int = TREND_MONTHS
          ) -> list[rates.Collection]:
    """Measure the total collection of each of the `months` periods up to `period`.

    As of `as_of`, in one statement; a month without bills is listed with nothing billed.
    """
    period, as_of, _level = check(actor, period, as_of, "community")
    return _trend(session, _visible(session, actor), period, as_of, months)


def _trend(session: Session, visible: summary.Where, period: str, as_of: date,
           months: int = TREND_MONTHS) -> list[rates.Collection]:
    periods = rates.trend_periods(period, months)
    rows = _rows(session, visible, lambda column: column.in_(periods), [as_of], per_period=True)
    query = select(rows.c.period.label("key"), *_collection_sums(rows)).group_by(rows.c.period)
    found = {row.key: _collection(row.key, row.key, row)
             for row in session.connection().execute(query)}
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
    figures = _figures(session, _visible(session, actor), billing.period_of(as_of), as_of, level)
    return figures.arrears, figures.arrears_total


def recovery(session: Session, actor, *, period: str, as_of, level: str = "community"
             ) -> tuple[list[rates.Recovery], rates.Recovery]:
    """Measure how much of the arrears owed on `period`'s first day payments within it paid.

    Arrears are the bills of earlier periods less what payments dated before
    the period (and not after `as_of`) paid; the recovered part is what
    payments dated from the period's first day to its last, and not after
    `as_of`, paid toward them. One statement.
    """
    period, as_of, level = check(actor, period, as_of, level)
    figures = _figures(session, _visible(session, actor), period, as_of, level)
    return figures.recovery, figures.recovery_total


def collection_report(session: Session, actor, *, period: str | None = None, as_of=None,
                      level: str = "community") -> CollectionReport:
    """Build the collection report of `period` as of `as_of`: trend, arrears and recovery too.

    Defaults: the last month, as of today, per community. Two statements: the
    figures per group (_figures) and the trend; for a street officer or a bureau
    administrator, a third first asks whether it sees every community (_visible).
    """
    today = clock.today()
    period = default_period(today) if period is None else period
    as_of = today if as_of is None else as_of
    period, as_of, level = check(actor, period, as_of, level)
    visible = _visible(session, actor)
    figures = _figures(session, visible, period, as_of, level)
    return CollectionReport(
        period=period, as_of=as_of, level=level, items=figures.items, total=figures.total,
        trend=_trend(session, visible, period, as_of),
        arrears=figures.arrears, arrears_total=figures.arrears_total,
        recovery_from=billing.period_start(period),
        recovery_to=min(period_end(period), as_of),
        recovery=figures.recovery, recovery_total=figures.recovery_total,
    )
