"""Ticket measures over the tickets a reader may see (docs/domain.md#measures).

One statement measures every group: the database counts each group's tickets
and, for each median, finds the one or two durations in the middle, so no ticket
row leaves the database; the arithmetic of rates and medians is the pure code of
pmsys/tickets/measures.py, the same the pure tests hold to its definitions.

PostgreSQL reads the tickets once: one aggregate over grouping sets (the groups,
the total, the months of the trend), counts as filtered counts, and each median's
middle durations as two ordered-set aggregates (percentile_disc 0.5 ascending
gives the lower middle, descending the upper one; for an odd count both are the
middle). SQLite has neither grouping sets nor ordered-set aggregates: it finds
the middle tickets with window functions over a common table of the period's
tickets. Both give the same figures (tests/services/test_ticket_report_sql.py).

Both read the ticket summary (pmsys/tickets/summary.py: a narrow row per ticket with its
local month, flags and durations in microseconds, kept in step on every flush), not the
wide tickets; `source="tickets"` computes the same rows from the tickets instead (the
raw aggregation, which tests/services/test_ticket_summary.py holds the summary to).

Grouped by month or by category (periods up to five years), the report is one statement of
pmsys/tickets/rollup.py instead: the counts and each median's buckets, from the closed
months' rollups and the rest of the period's summary rows, for a reader who sees every
ticket (a bureau administrator or street officer asks first whether it does: one short
statement); the same figures (tests/services/test_ticket_rollups.py). Other readers keep the
statement above. Grouped by community or by organisation over a period with a whole month, on
PostgreSQL, the same reader gets the groups from the group rollups (rollup.standing_months,
then rollup.group_statement; middles found here) and the total from the monthly ones: three
statements.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy
from sqlalchemy import (
    ARRAY,
    BinaryExpression,
    Column,
    Integer,
    ScalarSelect,
    any_,
    case,
    cast,
    func,
    literal_column,
    null,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.visitors import replacement_traverse

from pmsys import categories, clock
from pmsys.auth import permissions
from pmsys.db import BINARY_ROWS
from pmsys.errors import Forbidden, InvalidInput
from pmsys.models.auth import Organization
from pmsys.models.places import Community
from pmsys.models.tickets import Ticket, TicketSummary
from pmsys.tickets import measures, rollup, summary

GROUPS = ("org", "community", "category", "month")
DEFAULT_DAYS = 30
# Every month of a period up to five years is listed in the trend; a longer period
# lists the months from its first ticket to its last, so the answer stays bounded.
MAX_TREND_MONTHS = 60
EARLIEST = date(1970, 1, 1)
LATEST = date(2999, 12, 31)


@dataclass(frozen=True)
class TicketReport:
    """The measures of one period: per group, in total, and per month for the trend."""

    group: str
    date_from: date
    date_to: date
    items: list[measures.Measures]
    total: measures.Measures
    by_month: list[measures.Measures]


def default_period(today: date) -> tuple[date, date]:
    """The last 30 days up to `today` included (none before 1970)."""
    return max(today - timedelta(days=DEFAULT_DAYS - 1), EARLIEST), today


def check_period(date_from: date, date_to: date) -> None:
    """Refuse (400) a date before 1970 or after 2999; a reversed period is merely empty."""
    problems = {name: f"a date from {EARLIEST} to {LATEST}"
                for name, day in (("from", date_from), ("to", date_to))
                if not EARLIEST <= day <= LATEST}
    if problems:
        raise InvalidInput("the period is not valid", code="invalid_period", fields=problems)


def check_request(actor, group: str, date_from: date, date_to: date) -> None:
    """Refuse a reader who may not read measures (403), an unknown group or a bad period (400)."""
    if not permissions.can_read_ticket_reports(actor):
        raise Forbidden("ticket measures are for the organisations that handle or watch tickets")
    if group not in GROUPS:
        raise InvalidInput("unknown grouping", code="invalid_group",
                           fields={"group": "one of " + ", ".join(GROUPS)})
    check_period(date_from, date_to)


def _trend_months(date_from: date, date_to: date, first: datetime | None,
                  last: datetime | None) -> list[str]:
    """The months listed even without tickets (see MAX_TREND_MONTHS).

    `first` and `last` are the first and last report times of the period's tickets.
    """
    months = measures.months_between(date_from, date_to)
    if len(months) <= MAX_TREND_MONTHS:
        return months
    if first is None or last is None:
        return []
    return measures.months_between(first.astimezone(clock.LOCAL_TZ).date(),
                                   last.astimezone(clock.LOCAL_TZ).date())


def _local_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=clock.LOCAL_TZ)


def _category_name(code: str) -> str:
    spec = categories.BY_CODE.get(code)
    return spec.label if spec is not None else code


# --- SQL ----------------------------------------------------------------------------------------


def _local_month(dialect: str, moment):
    """SQL: the local `YYYY-MM` of a UTC timestamp, for statements grouped by month."""
    return summary.local_month(dialect, moment)


SOURCES = ("summary", "tickets")


def _source(dialect: str, source: str):
    """What the statement reads, one row per ticket in summary.COLUMNS: the ticket summary,
    or the same rows computed from the tickets there and then (the raw aggregation)."""
    if source == "summary":
        return TicketSummary.__table__
    return summary.source_rows(dialect).subquery("ticket_rows")


def _on(rows, clause, dialect: str):
    """`clause`, written on Ticket's columns, on the same-named columns of `rows`.

    On PostgreSQL, a `column IN (SELECT …)` becomes `column = ANY((SELECT array_agg(…)))`:
    the array is computed once, and an OR of such tests on indexed columns (who sees a
    ticket: its community, its assignee, who entered it) reads the indexes (a bitmap OR)
    instead of every row of the table.
    """
    tickets = Ticket.__table__

    def swap(element, **_kw):
        if isinstance(element, Column) and element.table is tickets:
            return rows.c[element.name]
        if (dialect == "postgresql" and isinstance(element, BinaryExpression)
                and element.operator is operators.in_op
                and isinstance(element.right, ScalarSelect)
                and isinstance(element.left, Column) and element.left.table is tickets):
            chosen = element.right.element.subquery()
            listed = select(func.array_agg(chosen.c[0])).scalar_subquery()
            return rows.c[element.left.name] == any_(cast(listed, ARRAY(Integer)))
        return None

    return replacement_traverse(clause, {}, swap)




def _flag(condition):
    return case((condition, 1), else_=0)


def _visible(query, rows, actor, date_from: date, date_to: date, dialect: str):
    """`query` over the rows of the tickets `actor` sees reported in the period."""
    return query.where(
        _on(rows, permissions.ticket_clause(actor), dialect),
        rows.c.reported_at >= _local_midnight(date_from),
        rows.c.reported_at < _local_midnight(date_to + timedelta(days=1)),
    )


def _base(rows, actor, group: str, date_from: date, date_to: date, now: datetime):
    """SQLite: the period's visible tickets with group and month keys, a 0/1 column per count
    and the durations in microseconds."""
    key, name = {
        "org": (Organization.code, Organization.name),
        "community": (Community.code, Community.name),
        "category": (rows.c.category, rows.c.category),
        "month": (rows.c.month, rows.c.month),
    }[group]
    flags = rollup.conditions(rows, now)
    query = select(
        rows.c.ticket_id.label("id"), rows.c.reported_at, key.label("key"), name.label("name"),
        rows.c.month, rows.c.response_us.label("response"),
        rows.c.resolution_us.label("resolution"),
        *(_flag(condition).label(flag) for flag, condition in flags.items()),
    ).select_from(rows)
    if group == "org":
        query = query.join(Organization, Organization.id == rows.c.assignee_id)
    elif group == "community":
        query = query.join(Community, Community.id == rows.c.community_id)
    return _visible(query, rows, actor, date_from, date_to, "sqlite").cte("base")


def _statement(base, partitions: dict[str, tuple]):
    """SQLite: the counts of each partition's groups, and the middle of each median, at once.

    `partitions` maps a partition's name to its (key, name) columns of `base`
    (None, None: all tickets as one group). Every row has a `part`, a `median`
    (None on a row of counts), the group's key and name, the COUNTS,
    `first_at`/`last_at` (the first and last report times, on a row of counts) and
    `duration` (a middle duration in microseconds, on a median's row).
    """
    parts = []
    for part, (key, name) in partitions.items():
        keys = [column for column in (key, name) if column is not None]
        parts.append(
            select(literal_column(f"'{part}'").label("part"), null().label("median"),
                   (key if key is not None else null()).label("key"),
                   (name if name is not None else null()).label("name"),
                   *(func.sum(base.c[count]).label(count) for count in measures.COUNTS),
                   func.min(base.c.reported_at).label("first_at"),
                   func.max(base.c.reported_at).label("last_at"),
                   null().label("duration"))
            .group_by(*keys)
        )
        for median, flag, _column in rollup.MEDIANS:  # base names each duration by its median
            ranked = (
                select((key if key is not None else null()).label("key"),
                       base.c[median].label("duration"),
                       func.row_number().over(partition_by=key, order_by=(base.c[median],
                                                                          base.c.id))
                       .label("rn"),
                       func.count().over(partition_by=key).label("n"))
                .where(base.c[flag] == 1)
                .subquery()
            )
            parts.append(
                select(literal_column(f"'{part}'"), literal_column(f"'{median}'"), ranked.c.key,
                       null(), *(null() for _count in measures.COUNTS), null(), null(),
                       ranked.c.duration)
                .where(or_(ranked.c.rn == (ranked.c.n + 1) // 2,
                           ranked.c.rn == ranked.c.n // 2 + 1))
            )
    return union_all(*parts)


# The PostgreSQL statement's grouping sets, by GROUPING(group, month) with the trend, else
# by GROUPING(group): which partition a row measures.
_THREE_SETS = {1: "group", 3: "total", 2: "month"}
_TWO_SETS = {0: "group", 1: "total"}
# percentile_disc(p) is the value at row ceil(p × n) of the ordered n: at 0.5 the lower middle
# (the middle for an odd n), just above 0.5 the upper middle (the middle again for an odd n),
# for any n below 500 million. Both read one sort: the two aggregates share it.
_LOWER, _UPPER = 0.5, 0.500000001


def _grouped_statement(rows, actor, group: str, date_from: date, date_to: date,
                       now: datetime, trend: bool):
    """PostgreSQL: every partition's counts and median middles in one pass over the rows.

    Grouped by the rows' own columns (assignee, community, category, local month),
    the names joined to the few grouped rows. A row per group, one for the total
    and, with `trend` (and not grouped by month), one per month: `sets` (which
    partition, see _THREE_SETS), `by` (the group's assignee id, community id,
    category or month), `key_code` and `name` (an organisation's or community's),
    `month`, the COUNTS, `first_at`/`last_at` (first and last report times, on the
    total's row only) and for each median the lower and upper middle durations in
    microseconds (`response_low`, `response_high`, …).
    """
    conditions = rollup.conditions(rows, now)
    month = rows.c.month
    by = {"org": rows.c.assignee_id, "community": rows.c.community_id,
          "category": rows.c.category, "month": month}[group]
    middles = []
    for median, flag, column in rollup.MEDIANS:
        # NULL for the tickets the median is not over: ordered-set aggregates skip it.
        over = case((conditions[flag], rows.c[column]))
        middles += [func.percentile_disc(_LOWER).within_group(over).label(f"{median}_low"),
                    func.percentile_disc(_UPPER).within_group(over).label(f"{median}_high")]
    if group != "month" and trend:
        sets, grouping = [tuple_(by), tuple_(), tuple_(month)], func.grouping(by, month)
        total = 3
    else:
        sets, grouping = [tuple_(by), tuple_()], func.grouping(by)
        total = 1
    grouped = _visible(
        select(grouping.label("sets"), by.label("by"),
               (month if group != "month" and trend else null()).label("month"),
               *(func.count().filter(conditions[count]).label(count)
                 for count in measures.COUNTS),
               # Only the total's are read (the trend's months): none to convert per group.
               case((grouping == total, func.min(rows.c.reported_at))).label("first_at"),
               case((grouping == total, func.max(rows.c.reported_at))).label("last_at"),
               *middles).select_from(rows),
        rows, actor, date_from, date_to, "postgresql",
    ).group_by(func.grouping_sets(*sets)).subquery()
    named = {"org": Organization, "community": Community}.get(group)
    if named is None:
        return select(grouped, null().label("key_code"), null().label("name"))
    return (select(grouped, named.code.label("key_code"), named.name.label("name"))
            .outerjoin(named, named.id == grouped.c.by))


@dataclass
class _Found:
    """What the database found of one group: its name, COUNTS, report times, middles."""

    name: str | None
    counts: Mapping
    first_at: datetime | None
    last_at: datetime | None
    # Each median's middle durations, in whole microseconds.
    middles: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))


def _found_by_sets(rows, group: str, trend: bool) -> dict[str, dict]:
    """The PostgreSQL rows (_grouped_statement) as {partition: {key: _Found}}."""
    sets = _THREE_SETS if group != "month" and trend else _TWO_SETS
    found: dict[str, dict] = defaultdict(dict)
    named = group in ("org", "community")
    for row in rows:
        # A plain dict per row, read a dozen times: a city's report has thousands of groups,
        # and each name read through the Row (or its RowMapping) looks the column up first.
        values = row._asdict()
        part = sets[values["sets"]]
        if part == "month":
            key = values["month"]
        elif part == "total":
            key = None
        else:
            key = values["key_code"] if named else values["by"]
        item = found[part][key] = _Found(values["name"], values, values["first_at"],
                                         values["last_at"])
        for median, _flag, _column in rollup.MEDIANS:
            low, high = values[f"{median}_low"], values[f"{median}_high"]
            if low is not None:
                item.middles[median] += [int(low), int(high)]
    return found


def _found_by_windows(rows) -> dict[str, dict]:
    """The SQLite rows (_statement) as {partition: {key: _Found}}."""
    found: dict[str, dict] = defaultdict(dict)
    for row in rows:
        if row.median is None:
            found[row.part][row.key] = _Found(row.name, row._mapping, row.first_at, row.last_at)
    for row in rows:
        if row.median is not None:
            found[row.part][row.key].middles[row.median].append(int(row.duration))
    return found


def _measured(found: dict, keys: list[str], naming) -> list[measures.Measures]:
    """The measures of one partition's groups, ordered by key (`keys` listed even if empty)."""
    items = []
    for key in sorted(set(found) | set(keys), key=lambda k: (k is not None, k)):
        item = found.get(key)
        if item is None:
            items.append(measures.from_counts(key, naming(key, None), {}))
            continue
        items.append(measures.from_counts(
            key, naming(key, item.name), item.counts,
            item.middles.get("response", ()), item.middles.get("resolution", ())))
    return items


def _found_by_rollups(rows, group: str, months: bool) -> dict[str, dict]:
    """The rows of rollup.statement as {partition: {key: _Found}}."""
    counts: dict[tuple, dict] = {}
    spans: dict[tuple, list] = {}
    middles: dict[tuple, list] = defaultdict(list)
    for row in rows:
        values = row._asdict()
        part = values["part"]
        if part == "counts":
            places = [("total", None), ("month", values["month"])] if values["dim"] == "all" \
                else [("category", values["key"])]
            for place in places:
                summed = counts.setdefault(place, dict.fromkeys(measures.COUNTS, 0))
                for name in measures.COUNTS:
                    summed[name] += values[name]
                span = spans.setdefault(place, [values["first_at"], values["last_at"]])
                span[0] = min(span[0], values["first_at"])
                span[1] = max(span[1], values["last_at"])
        else:
            key = {"total": None, "month": values["month"], "category": values["key"]}[part]
            middles[(part, key, values["median"])].append(
                (values["bucket"], values["low_us"], values["high_us"]))
    found: dict[str, dict] = defaultdict(dict)
    for (part, key), summed in counts.items():
        item = _Found(None, summed, *spans[(part, key)])
        for median, _flag, _column in rollup.MEDIANS:
            held = sorted(middles.get((part, key, median), ()))
            # One bucket: any of its values has the median's minutes (rollup's docstring);
            # two: the largest of the lower and the smallest of the upper.
            picked = [held[0][1]] if len(held) == 1 else [held[0][2], held[1][1]] if held else []
            item.middles[median] = [int(value) for value in picked]
        if part == "total":
            found["total"][None] = item
        if part == "month" and (group == "month" or months):
            found["group" if group == "month" else "month"][key] = item
        if part == "category":
            found["group"][key] = item
    return found


def _by_rollups(session: Session, actor, group: str, date_from: date, date_to: date,
                now: datetime, trend: bool) -> dict[str, dict] | None:
    """A report by month or by category in one statement of rollup.statement (the rollups
    of pmsys/tickets/rollup.py), for a reader who sees every ticket; None for another
    group, a period it does not serve, or another reader (a bureau administrator or street
    officer asks one short statement first: does it see every community?)."""
    if group not in ("month", "category") or not rollup.servable(date_from, date_to):
        return None
    if not permissions.sees_every_ticket(session, actor):
        return None
    dialect = session.get_bind().dialect.name
    months = group == "month" or trend
    measured = rollup.statement(dialect, date_from, date_to, now,
                                categories=group == "category", months=months)
    return _found_by_rollups(session.execute(measured).all(), group, months)


def _middles(packed: bytes) -> tuple[int, int]:
    """The lower and upper middle of durations packed as big-endian 8-byte integers (runs of
    rollup.group_statement), found by a partial sort in numpy: a city's report by community
    asks this of 4,000 groups of a few hundred durations, and sorting their 900,000 values as
    Python integers took ~80 ms of the request (~15 ms in numpy)."""
    values = numpy.frombuffer(packed, dtype=">i8")
    lower, upper = (len(values) - 1) // 2, len(values) // 2
    chosen = numpy.partition(values, (lower, upper))
    return int(chosen[lower]), int(chosen[upper])


def _by_group_rollups(session: Session, actor, group: str, date_from: date, date_to: date,
                      now: datetime, trend: bool) -> dict[str, dict] | None:
    """A report by community or by organisation from the rollups, on PostgreSQL, for a reader
    who sees every ticket (asked first, as for _by_rollups): which months stand
    (rollup.standing_months), the groups from their group rollups and the summary for the
    rest (rollup.group_statement), and the total from the groups added up: two
    statements; with the trend, the total and the trend's months from the monthly rollups
    (rollup.statement), a third. None for another group, engine, reader, or a period
    without a whole month (which no rollup serves: one statement over the summary).
    A month marked between the first statement and the second is still read from its rollup
    in that one answer, as if the change had come a moment later."""
    if (group not in ("community", "org") or not rollup.servable(date_from, date_to)
            or not rollup.whole_months(date_from, date_to)
            or session.get_bind().dialect.name != "postgresql"):
        return None
    if not permissions.sees_every_ticket(session, actor):
        return None
    named = {"org": Organization, "community": Community}[group]
    standing = rollup.standing_months(session, date_from, date_to, now)
    grouped = rollup.group_statement(group, date_from, date_to, standing, now).subquery()
    rows = session.execute(
        select(grouped, named.code.label("key_code"), named.name.label("name"))
        .outerjoin(named, named.id == grouped.c.key)
        .execution_options(**{BINARY_ROWS: True})).all()  # the durations as bytes, not hex
    # A group's rows (its standing months', the rest's) added up.
    rows_of: dict = defaultdict(list)
    for row in rows:
        values = row._asdict()
        rows_of[values["key_code"]].append(values)
    groups = {key: _added_up(group_rows) for key, group_rows in rows_of.items()}
    found: dict[str, dict] = defaultdict(dict)
    for key, values in groups.items():
        found["group"][key] = _found_of(values["name"], values)
    if not trend:
        # Each ticket is in exactly one group (an organisation's, no assignee's, a
        # community's): the groups added up are the total, its medians those of every
        # group's durations together (a city's ~900,000: a few ms in numpy, where the
        # monthly rollups' statement took ~20 ms).
        if groups:  # none: a total of nothing measured, as every report gives it
            found["total"] = {None: _found_of(None, _added_up(list(groups.values())))}
        return found
    measured = rollup.statement("postgresql", date_from, date_to, now, categories=False,
                                months=True)
    whole = _found_by_rollups(session.execute(measured).all(), group, trend)
    found["total"], found["month"] = whole["total"], whole["month"]
    return found


def _added_up(rows: list[dict]) -> dict:
    """Rows of rollup.group_statement as one: the COUNTS summed, each median's runs of packed
    durations joined (still in runs: _middles does not need them in order)."""
    if len(rows) == 1:
        return rows[0]
    added = dict(rows[0])
    for name in measures.COUNTS:
        added[name] = sum(row[name] for row in rows)
    for _median, _flag, column in rollup.MEDIANS:
        added[column] = b"".join(row[column] for row in rows if row[column])
    return added


def _found_of(name: str | None, values: dict) -> _Found:
    """A group of rollup.group_statement's rows added up (_added_up), with its middles."""
    item = _Found(name, values, None, None)
    for median, _flag, column in rollup.MEDIANS:
        if values[column]:
            item.middles[median] = list(_middles(values[column]))
    return item


def _measured_tickets(session: Session, actor, group: str, date_from: date, date_to: date,
                      now: datetime, trend: bool, source: str) -> dict[str, dict]:
    """The one statement of a report: {partition: {key: _Found}} ("group", "total", "month")."""
    if source == "summary":
        for by_rollups in (_by_rollups, _by_group_rollups):
            found = by_rollups(session, actor, group, date_from, date_to, now, trend)
            if found is not None:
                return found
    dialect = session.get_bind().dialect.name
    rows = _source(dialect, source)
    if dialect == "postgresql":
        statement = _grouped_statement(rows, actor, group, date_from, date_to, now, trend)
        return _found_by_sets(session.execute(statement).all(), group, trend)
    base = _base(rows, actor, group, date_from, date_to, now)
    partitions = {"group": (base.c.key, base.c.name), "total": (None, None)}
    if group != "month" and trend:
        partitions["month"] = (base.c.month, base.c.month)
    return _found_by_windows(session.execute(_statement(base, partitions)).all())


def ticket_report(session: Session, actor, *, date_from: date, date_to: date,
                  group: str = "org", now: datetime | None = None,
                  trend: bool = True, source: str = "summary") -> TicketReport:
    """Measure the tickets `actor` may see that were reported from `date_from` to `date_to`.

    The dates are local (China Standard Time) and both included. `group` is
    `org` (the current assignee's code), `community` (its code), `category`
    (its code, named in the reader's language) or `month` (`YYYY-MM`, local;
    every month of the period is listed, with or without tickets, up to five
    years; beyond, the months from the first ticket to the last). A period
    whose start is after its end holds no tickets. `now`
    (default: the clock) decides which response deadlines have passed.
    Without `trend`, `by_month` is left empty unless grouped by month (the
    API does not show it; the page draws it). `source` "summary" reads the ticket
    summary (pmsys/tickets/summary.py), "tickets" the same rows computed from the
    tickets (the raw aggregation; the same figures). Bureau, street offices,
    managers, operators, committee members and sysadmins read measures, each
    over the tickets it sees (an operator: its own organisation's); residents
    are refused (403).
    """
    check_request(actor, group, date_from, date_to)
    now = now or clock.now()
    found = _measured_tickets(session, actor, group, date_from, date_to, now, trend, source)
    total_found = found["total"].get(None)
    months = _trend_months(date_from, date_to, total_found and total_found.first_at,
                           total_found and total_found.last_at)
    naming = {
        "category": lambda key, _name: _category_name(key),
        "month": lambda key, _name: key,
    }.get(group, lambda key, name: name if name is not None else key)
    items = _measured(found["group"], months if group == "month" else [], naming)
    total = _measured(found["total"], [None], lambda _key, _name: None)[0]
    if group == "month":
        by_month = items
    elif trend:
        by_month = _measured(found["month"], months, lambda key, _name: key)
    else:
        by_month = []
    return TicketReport(group=group, date_from=date_from, date_to=date_to, items=items,
                        total=total, by_month=by_month)
