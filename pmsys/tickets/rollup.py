"""Ticket rollups: each closed month's counts and median buckets, written once, read often.

A city's report over two years reads half a million summary rows (pmsys/tickets/summary.py)
when measured per ticket. For a reader who sees every ticket, the report by month or by
category (and its total and trend) reads instead, for each whole month of the period whose
rollup stands, a few hundred rows written by the `ticket_rollups` job, and measures the
other months (the current one, the edges of a period that is not whole months, a month
changed since) from the summary as before, in the same statement.

Per month, and per category within a month, a rollup keeps:

- the counts of measures.COUNTS but `due`, and the first and last report times. `due`
  depends on the moment of the report: a month's rollup stands only once every unanswered
  ticket of the month is past its response deadline (`due_until`), and then `due` = `filed`;
- for each median, the durations' 3-second buckets: how many durations fall in each, and the
  smallest and largest of them. Summing the buckets over the months finds the bucket of each
  middle rank. The median's minutes to one decimal are the same for every value of a bucket
  (a bucket [3j, 3j + 3) seconds is [j/20, (j + 1)/20) minutes: no rounding boundary, at an
  odd multiple of 0.05, falls inside; negative durations have buckets of the same width
  counted away from zero, as ROUND_HALF_UP rounds them), so the bucket stands for the middle
  value, and for the mean of two middles in one bucket. Two middles in different buckets are
  the largest value of the lower bucket and the smallest of the upper one: both are kept.
  The figures are therefore exactly those of the per-ticket path (tests compare both).

The reports by community and by organisation (on PostgreSQL) read the group rollups of the
same months: per month and community, and per month and assignee, the counts and each median's
durations in microseconds, ascending, packed as big-endian 8-byte integers. A community has
about ten tickets a month, so no bucket would hold more than one duration; the durations
themselves are the smallest exact structure. A group's runs over the period's months (and the
rest's durations from the summary) come back in one row, whose middles Python finds by sorting
a few hundred integers (group_statement); the total comes from the monthly rollups. SQLite
keeps no group rollup and measures these reports per ticket.

Never stale, without a row every writer locks: each flush that changes a ticket's measured
columns inserts a mark naming the months the ticket is in (and was in, should its report time
change: summary.refresh, one insert; marks are never updated, so writers never wait for each
other; "*" names every month). A month's rollup stands only while no mark names it,
checked in the report's own statement (one snapshot); the reports by community and by
organisation ask it in a short statement just before (standing_months), so that the planner
of the group statement sees the months.
The job takes the months whose rollup is missing or marked, reads their marks, writes the
rollups again from the summary (statements that see at least what the marks stood for) and
deletes the marks it read, no others: a change committed meanwhile keeps its mark, and its
month is measured from the summary until the next run. Runs exclude each other (a
transaction lock on PostgreSQL; SQLite has one writer at a time).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import (
    ARRAY,
    BigInteger,
    LargeBinary,
    String,
    and_,
    any_,
    bindparam,
    case,
    cast,
    delete,
    exists,
    func,
    insert,
    literal,
    literal_column,
    null,
    or_,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.orm import Session

from pmsys import clock
from pmsys.models.tickets import (
    TicketRollupBucket,
    TicketRollupCoarse,
    TicketRollupCount,
    TicketRollupGroup,
    TicketRollupMark,
    TicketRollupMonth,
    TicketSummary,
)
from pmsys.tickets import measures
from pmsys.tickets import summary as summary_module

EVERY_MONTH = summary_module.EVERY_MONTH  # a mark naming every month
BUCKET_US = 3_000_000  # 3 seconds: 1/20 of a minute (see the module's docstring)
COARSE = 1_200  # fine buckets to a coarse one: an hour
# Rollups serve periods of up to this many months (a longer period reads the summary).
MAX_MONTHS = 60
STORED_COUNTS = tuple(name for name in measures.COUNTS if name != "due")
_LOCK = 0x7469636B  # the job's transaction lock on PostgreSQL ("tick")
_DELETE_CHUNK = 5_000
# The tables the job rewrites, month by month.
_WRITTEN = (TicketRollupCount, TicketRollupBucket, TicketRollupCoarse, TicketRollupGroup,
            TicketRollupMonth)


def conditions(rows, now: datetime | None) -> dict:
    """Per count of measures.COUNTS (and `timed_resolution`): when a summary row counts in it.

    Without `now`, no `due` (a rollup does not keep it).
    """
    live = rows.c.live.is_(True)
    responded = and_(live, rows.c.response_us.is_not(None))
    resolved = and_(live, rows.c.resolved.is_(True))
    rated = and_(live, rows.c.rating.is_not(None))
    found = {
        "filed": live,
        "due": None if now is None else and_(
            live, or_(rows.c.response_us.is_not(None), rows.c.due_respond_at < now)),
        "responded": responded,
        "responded_on_time": and_(responded, rows.c.responded_on_time.is_(True)),
        "resolved": resolved,
        "resolved_on_time": and_(resolved, rows.c.resolved_on_time.is_(True)),
        "rated": rated,
        "satisfied": and_(rated, rows.c.rating >= measures.SATISFIED_FROM),
        "reopens": and_(live, rows.c.reopened.is_(True)),
        "disputes": and_(live, rows.c.disputed.is_(True)),
        "timed_resolution": and_(resolved, rows.c.resolution_us.is_not(None)),
    }
    return {name: condition for name, condition in found.items() if condition is not None}


# The medians: (name, the condition of `conditions` they are over, the duration's column).
MEDIANS = (("response", "responded", "response_us"),
           ("resolution", "timed_resolution", "resolution_us"))


def _constant(value: int):
    # Written into the SQL, not bound: PostgreSQL matches a grouped expression to the
    # selected one by its text, and two bound parameters are two different expressions.
    return literal_column(str(value), BigInteger)


def bucket(duration):
    """SQL: the 3-second bucket of a duration in microseconds (ordered as the durations)."""
    width = _constant(BUCKET_US)
    return case((duration >= _constant(0), duration // width),
                else_=_constant(-1) - (-duration) // width)


def coarse(fine):
    """SQL: the coarse bucket of a fine one, floor(fine / COARSE): fine buckets
    COARSE × c to COARSE × c + COARSE - 1."""
    width = _constant(COARSE)
    return case((fine >= _constant(0), fine // width),
                else_=_constant(-1) - (_constant(-1) - fine) // width)


def _dims(rows, categories: bool):
    """(dim, key column, grouping columns): all tickets of a month, and per category."""
    dims = [("all", literal(""), [rows.c.month])]
    if categories:
        dims.append(("category", rows.c.category, [rows.c.month, rows.c.category]))
    return dims


def count_rows(rows, now: datetime | None, categories: bool = True) -> list:
    """SELECTs per month (and per month and category) of `rows`: month, dim, key, the counts
    (STORED_COUNTS, with `due` when `now` is given) and first_at, last_at (to UNION ALL:
    SQLite takes no nested compound)."""
    flags = conditions(rows, now)
    names = STORED_COUNTS if now is None else measures.COUNTS
    return list((
        select(rows.c.month.label("month"), literal(dim).label("dim"), key.label("key"),
               *(func.coalesce(func.sum(case((flags[name], 1), else_=0)), 0).label(name)
                 for name in names),
               func.min(rows.c.reported_at).label("first_at"),
               func.max(rows.c.reported_at).label("last_at"))
        .group_by(*grouping)
        for dim, key, grouping in _dims(rows, categories)))


def bucket_rows(rows, categories: bool = True) -> list:
    """SELECTs per month (and category), median and bucket of `rows`: month, dim, key, median,
    bucket, n, low_us, high_us."""
    flags = conditions(rows, None)
    parts = []
    for median, flag, duration in MEDIANS:
        us = rows.c[duration]
        for dim, key, grouping in _dims(rows, categories):
            parts.append(
                select(rows.c.month.label("month"), literal(dim).label("dim"), key.label("key"),
                       literal(median).label("median"), bucket(us).label("bucket"),
                       func.count().label("n"), func.min(us).label("low_us"),
                       func.max(us).label("high_us"))
                .where(flags[flag])
                .group_by(*grouping, bucket(us)))
    return parts


# The reports by community and by organisation: the summary's column each groups by.
GROUP_COLUMNS = {"community": "community_id", "org": "assignee_id"}


_EMPTY = literal_column("''::bytea", LargeBinary)


def _packed(values, ordered: bool):
    """SQL: the aggregate of these durations (bigint) as one bytea of big-endian 8-byte
    integers, ascending when `ordered` (NULL over no row)."""
    packed = func.string_agg(func.int8send(values), _EMPTY, type_=LargeBinary)
    return packed.aggregate_order_by(values) if ordered else packed


def group_rows(rows, dim: str, now: datetime | None, *, by_month: bool, ordered: bool):
    """PostgreSQL: a SELECT per group of `dim` (and per month with `by_month`) of `rows`: `key`
    (the community's or assignee's id, 0 for none), `month` with `by_month`, the counts
    (STORED_COUNTS, with `due` when `now` is given) and each median's durations packed
    (`_packed`, ascending when `ordered`; NULL for none), named as the summary's columns."""
    flags = conditions(rows, now)
    names = STORED_COUNTS if now is None else measures.COUNTS
    key = func.coalesce(rows.c[GROUP_COLUMNS[dim]], 0)
    grouping = [key, rows.c.month] if by_month else [key]
    return select(key.label("key"), *([rows.c.month] if by_month else []),
                  *(func.count().filter(flags[name]).label(name) for name in names),
                  *(_packed(rows.c[column], ordered).filter(flags[flag]).label(column)
                    for _median, flag, column in MEDIANS)).group_by(*grouping)


# --- the job ------------------------------------------------------------------------------------


def refresh(session: Session, now: datetime) -> dict:
    """Write the rollup of every closed month that has none or is marked; fold the marks read.

    Returns what it did: months written, marks folded.
    """
    summary = TicketSummary.__table__
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(_LOCK)))
    current = measures.month_key(now.astimezone(clock.LOCAL_TZ))
    marks = session.execute(select(TicketRollupMark.id, TicketRollupMark.month)).all()
    marked = {month for _id, month in marks}
    written = set(session.scalars(select(TicketRollupMonth.month)))
    present = set(session.scalars(select(summary.c.month).distinct()))
    if EVERY_MONTH in marked:
        marked |= written
    stale = sorted(month for month in (present - written) | (marked & written)
                   | (written - present) if month < current)
    if stale:
        for table in _WRITTEN:
            session.execute(delete(table).where(table.month.in_(stale)))
        rows = select(summary).where(summary.c.month.in_(stale)).subquery("rows")
        counts = union_all(*count_rows(rows, None)).subquery()
        session.execute(insert(TicketRollupCount).from_select(
            list(counts.c.keys()), select(counts)))
        buckets = union_all(*bucket_rows(rows)).subquery()
        # In key order: the rows a report reads together (a month's group's buckets of one
        # median, in a range) lie together on disk.
        session.execute(insert(TicketRollupBucket).from_select(
            list(buckets.c.keys()), select(buckets).order_by(
                buckets.c.month, buckets.c.dim, buckets.c.key, buckets.c.median,
                buckets.c.bucket)))
        if connection.dialect.name == "postgresql":  # SQLite's reports read the summary
            for dim in GROUP_COLUMNS:
                grouped = group_rows(rows, dim, None, by_month=True, ordered=True).subquery()
                session.execute(insert(TicketRollupGroup).from_select(
                    ["dim", *grouped.c.keys()],
                    select(literal(dim), grouped).order_by(grouped.c.key, grouped.c.month)))
        fine = TicketRollupBucket
        wider = coarse(fine.bucket)
        session.execute(insert(TicketRollupCoarse).from_select(
            ["month", "dim", "key", "median", "coarse", "n"],
            select(fine.month, fine.dim, fine.key, fine.median, wider, func.sum(fine.n))
            .where(fine.month.in_(stale))
            .group_by(fine.month, fine.dim, fine.key, fine.median, wider)))
        unanswered = (
            select(summary.c.month, func.max(case(
                (and_(summary.c.live.is_(True), summary.c.response_us.is_(None)),
                 summary.c.due_respond_at))).label("due_until"),
                   literal(now).label("computed_at"))
            .where(summary.c.month.in_(stale), summary.c.month.in_(present))
            .group_by(summary.c.month)
        )
        session.execute(insert(TicketRollupMonth).from_select(
            ["month", "due_until", "computed_at"], unanswered))
        if connection.dialect.name == "postgresql":
            # The tables were just rewritten, most of them whole on the first run: without
            # fresh statistics the planner takes the reports' few hundred thousand rows for a
            # few dozen until autovacuum comes by (a city's report by community then sorted
            # on disk in a nested loop: ~120 ms of statement instead of ~40).
            session.execute(text("ANALYZE " + ", ".join(
                table.__tablename__ for table in _WRITTEN)))
    ids = [mark_id for mark_id, _month in marks]
    for start in range(0, len(ids), _DELETE_CHUNK):
        session.execute(delete(TicketRollupMark).where(
            TicketRollupMark.id.in_(ids[start:start + _DELETE_CHUNK])))
    session.flush()
    return {"months": len([month for month in stale if month in present]),
            "marks": len(ids)}


# --- reading ------------------------------------------------------------------------------------


def _local_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=clock.LOCAL_TZ)


def whole_months(date_from: date, date_to: date) -> list[str]:
    """The months of the period that lie wholly inside it."""
    whole = []
    for key in measures.months_between(date_from, date_to):
        year, month = int(key[:4]), int(key[5:])
        first = date(year, month, 1)
        following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        if date_from <= first and following - timedelta(days=1) <= date_to:
            whole.append(key)
    return whole


def servable(date_from: date, date_to: date) -> bool:
    """Whether this statement serves the period (not reversed, not too long)."""
    return date_from <= date_to and len(measures.months_between(date_from, date_to)) <= MAX_MONTHS


def _standing(date_from: date, date_to: date, now: datetime):
    """SELECT the whole months of the period whose rollup stands (written, no mark names
    them, every unanswered ticket past its response deadline)."""
    whole = whole_months(date_from, date_to)
    return (
        select(TicketRollupMonth.month)
        .where(TicketRollupMonth.month.in_(whole or [""]),
               or_(TicketRollupMonth.due_until.is_(None), TicketRollupMonth.due_until < now),
               ~exists().where(TicketRollupMark.month.in_(
                   [TicketRollupMonth.month, EVERY_MONTH])))
    )


def _the_rest(dialect: str, date_from: date, date_to: date, standing) -> list:
    """The conditions on the summary of the period's rows outside the `standing` months."""
    summary = TicketSummary.__table__
    start, end = _local_midnight(date_from), _local_midnight(date_to + timedelta(days=1))
    period = measures.months_between(date_from, date_to)
    if dialect == "postgresql":
        # An array computed once (not a list the planner would expect most rows of): the
        # summary's month index finds the rest's rows.
        listed = func.unnest(cast(period, ARRAY(String))).column_valued("month")
        rest = select(func.array_agg(listed)).where(listed.not_in(standing)).scalar_subquery()
        in_rest = summary.c.month == any_(cast(rest, ARRAY(String)))
    else:
        in_rest = and_(summary.c.month.in_(period), summary.c.month.not_in(standing))
    return [in_rest, summary.c.reported_at >= start, summary.c.reported_at < end]


def standing_months(session: Session, date_from: date, date_to: date,
                    now: datetime) -> list[str]:
    """The whole months of the period whose rollup stands, asked in one short statement."""
    return list(session.scalars(_standing(date_from, date_to, now)))


def _months_written_out(name: str, months: list[str]):
    """An IN list of months rendered into the statement's text, not bound: the planner sees
    which months, however often psycopg has run (and prepared) the statement."""
    return bindparam(name, months or [""], expanding=True, literal_execute=True)


def group_statement(dim: str, date_from: date, date_to: date, standing: list[str],
                    now: datetime):
    """PostgreSQL: one SELECT of up to two rows per group of `dim` ("community" or "org") of
    every ticket of the period, one from the group rollups of the `standing` whole months
    (standing_months) and one from the rest of the period's summary rows: `key` (the id,
    NULL for no assignee), the COUNTS, and each median's durations packed (`_packed`:
    `response_us`, `resolution_us`; NULL without any), in runs that are each ascending (a
    month's; the rest's unordered).

    Only for a reader who sees every ticket (reports.py asks first). Python adds a group's rows
    up and finds its middles (pmsys/tickets/services/reports.py): sorting a group's few hundred
    durations there costs less than unnesting them here. The months are written into the
    statement, so the planner knows how many rows they hold and sums them per group straight
    off the primary key's order (a city's 42,000 rows of 24 months: ~18 ms). With the months
    asked inside the statement it expected a tenth as many rows and sorted them on disk
    first (~40 ms).
    """
    summary = TicketSummary.__table__
    start, end = _local_midnight(date_from), _local_midnight(date_to + timedelta(days=1))
    rest = [month for month in measures.months_between(date_from, date_to)
            if month not in standing]
    live = select(summary).where(summary.c.month.in_(_months_written_out("rest", rest)),
                                 summary.c.reported_at >= start,
                                 summary.c.reported_at < end).subquery("live")
    stored = TicketRollupGroup
    kept = select(
        stored.key,
        *(cast(func.sum(stored.filed if name == "due" else getattr(stored, name)),
               BigInteger).label(name) for name in measures.COUNTS),
        *(func.string_agg(getattr(stored, column), _EMPTY, type_=LargeBinary).label(column)
          for _median, _flag, column in MEDIANS),
    ).where(stored.dim == dim,
            stored.month.in_(_months_written_out("standing", standing))).group_by(stored.key)
    both = union_all(kept, group_rows(live, dim, now, by_month=False, ordered=False)).subquery()
    return select(func.nullif(both.c.key, 0).label("key"),
                  *(both.c[name] for name in measures.COUNTS),
                  *(both.c[column] for _median, _flag, column in MEDIANS))


def statement(dialect: str, date_from: date, date_to: date, now: datetime, *, categories: bool,
              months: bool):
    """One SELECT of every row a report by month or by category of every ticket needs.

    Whole months whose rollup stands are read from it, the rest of the period from the
    summary (only for a reader who sees every ticket: reports.py asks first).

    Rows of `part` "counts": month, dim ("all" or "category"), key, the COUNTS, first_at,
    last_at (per month, and per month and category with `categories`). Rows of `part`
    "total", "month" (with `months`) and "category" (with `categories`): for each group
    (`month`, `key`) and `median`, the one or two buckets holding the middle ranks, with
    their `bucket`, `n`, `low_us` and `high_us`.
    """
    summary = TicketSummary.__table__
    standing = _standing(date_from, date_to, now)
    live = select(summary).where(*_the_rest(dialect, date_from, date_to, standing)).cte("live")

    dims = ["all", "category"] if categories else ["all"]
    stored_counts = select(
        TicketRollupCount.month, TicketRollupCount.dim, TicketRollupCount.key,
        *(TicketRollupCount.filed.label("due") if name == "due" else getattr(
            TicketRollupCount, name) for name in measures.COUNTS),
        TicketRollupCount.first_at, TicketRollupCount.last_at,
    ).where(TicketRollupCount.month.in_(standing), TicketRollupCount.dim.in_(dims))
    counts = union_all(stored_counts, *count_rows(live, now, categories)).subquery()

    # The medians: the coarse buckets holding the middle ranks, then their fine buckets.
    live_fine = union_all(*bucket_rows(live, categories)).cte("live_fine")
    wider = coarse(live_fine.c.bucket)
    def coarse_rows(dim: str):
        """The coarse buckets of one dim: the standing months' and the rest's."""
        stored = select(
            TicketRollupCoarse.month, TicketRollupCoarse.key, TicketRollupCoarse.median,
            TicketRollupCoarse.coarse, TicketRollupCoarse.n,
        ).where(TicketRollupCoarse.month.in_(standing), TicketRollupCoarse.dim == dim)
        derived = (select(live_fine.c.month, live_fine.c.key, live_fine.c.median,
                          wider.label("coarse"),
                          cast(func.sum(live_fine.c.n), BigInteger).label("n"))
                   .where(live_fine.c.dim == dim)
                   .group_by(live_fine.c.month, live_fine.c.key, live_fine.c.median, wider))
        return union_all(stored, derived).subquery()

    def scope(part: str, dim: str, by_month: bool, by_key: bool):
        rows = coarse_rows(dim)
        month = rows.c.month if by_month else None
        key = rows.c.key if by_key else None
        grouping = [column_ for column_ in (month, key) if column_ is not None]
        return (select(literal(part).label("part"),
                       (month if month is not None else cast(null(), String)).label("month"),
                       (key if key is not None else cast(null(), String)).label("key"),
                       rows.c.median, rows.c.coarse,
                       cast(func.sum(rows.c.n), BigInteger).label("n"))
                .group_by(*grouping, rows.c.median, rows.c.coarse))

    scopes = [("total", "all", False, False)]
    if months:
        scopes.append(("month", "all", True, False))
    if categories:
        scopes.append(("category", "category", False, True))
    merged = union_all(*(scope(*scope_) for scope_ in scopes)).subquery()
    window = {"partition_by": [merged.c.part, merged.c.month, merged.c.key, merged.c.median]}
    ranked = select(
        merged,
        cast(func.sum(merged.c.n).over(**window, order_by=merged.c.coarse), BigInteger)
        .label("upto"),
        cast(func.sum(merged.c.n).over(**window), BigInteger).label("total"),
    ).subquery()

    def holds(rows, rank):
        return and_(rows.c.upto - rows.c.n < rank, rank <= rows.c.upto)

    def ranks(rows):
        return (rows.c.total + 1) // 2, rows.c.total // 2 + 1

    picked = (select(ranked.c.part, ranked.c.month, ranked.c.key, ranked.c.median,
                     ranked.c.coarse, (ranked.c.upto - ranked.c.n).label("below"),
                     ranked.c.total)
              .where(or_(*(holds(ranked, rank) for rank in ranks(ranked))))
              .cte("picked"))

    def fine_of(part: str, dim: str, month: bool, key: bool, source, stored: bool):
        on = [source.c.dim == dim, source.c.median == picked.c.median,
              source.c.bucket >= picked.c.coarse * _constant(COARSE),
              source.c.bucket < (picked.c.coarse + _constant(1)) * _constant(COARSE)]
        if month:
            on.append(source.c.month == picked.c.month)
        # The key always, so that the fine buckets' range is read on their primary key.
        on.append(source.c.key == (picked.c.key if key else literal("")))
        chosen = (picked.c.part, picked.c.month, picked.c.key, picked.c.median,
                  picked.c.coarse, picked.c.below, picked.c.total)
        if stored and dialect == "postgresql":
            # Per picked bucket, a lateral read of the range on the primary key: the planner
            # must not trade it for a scan of every stored bucket (its estimates for the
            # picked rows are guesses; a hash join over all of them costs ~5x). SQLite has
            # no LATERAL; its planner walks the primary key for the join below.
            ranged = (select(source.c.bucket, source.c.n, source.c.low_us, source.c.high_us)
                      .where(*on, source.c.month.in_(standing)).lateral())
            return (select(*chosen, ranged.c.bucket, ranged.c.n, ranged.c.low_us,
                           ranged.c.high_us)
                    .select_from(picked.join(ranged, true())).where(picked.c.part == part))
        where = [picked.c.part == part]
        if stored:
            where.append(source.c.month.in_(standing))
        return (select(*chosen, source.c.bucket, source.c.n, source.c.low_us, source.c.high_us)
                .select_from(picked.join(source, and_(*on))).where(*where))

    stored_fine = TicketRollupBucket.__table__
    fine = union_all(*(fine_of(part, dim, by_month, by_key, source, stored)
                       for part, dim, by_month, by_key in scopes
                       for source, stored in ((stored_fine, True), (live_fine, False)))
                     ).subquery()
    grouping = [fine.c.part, fine.c.month, fine.c.key, fine.c.median, fine.c.coarse,
                fine.c.below, fine.c.total, fine.c.bucket]
    summed = (select(*grouping, cast(func.sum(fine.c.n), BigInteger).label("n"),
                     func.min(fine.c.low_us).label("low_us"),
                     func.max(fine.c.high_us).label("high_us"))
              .group_by(*grouping).subquery())
    within = {"partition_by": [summed.c.part, summed.c.month, summed.c.key, summed.c.median,
                               summed.c.coarse], "order_by": summed.c.bucket}
    placed = select(
        summed,
        (summed.c.below + cast(func.sum(summed.c.n).over(**within), BigInteger)).label("upto"),
    ).subquery()
    middles = select(
        placed.c.part, placed.c.month, cast(null(), String).label("dim"), placed.c.key,
        placed.c.median, *(cast(null(), BigInteger).label(name) for name in measures.COUNTS),
        cast(null(), TicketSummary.reported_at.type).label("first_at"),
        cast(null(), TicketSummary.reported_at.type).label("last_at"),
        placed.c.bucket, placed.c.n, placed.c.low_us, placed.c.high_us,
    ).where(or_(*(holds(placed, rank) for rank in ranks(placed))))
    counted = select(
        literal("counts").label("part"), counts.c.month, counts.c.dim, counts.c.key,
        cast(null(), String).label("median"),
        *(cast(counts.c[name], BigInteger).label(name) for name in measures.COUNTS),
        counts.c.first_at, counts.c.last_at,
        cast(null(), BigInteger).label("bucket"), cast(null(), BigInteger).label("n"),
        cast(null(), BigInteger).label("low_us"), cast(null(), BigInteger).label("high_us"),
    )
    return union_all(counted, middles)
