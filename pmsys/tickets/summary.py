"""The ticket summary: a narrow row per ticket, what the measures read (docs/domain.md#measures).

The ticket report (pmsys/tickets/services/reports.py) reads it instead of the tickets: a
city files half a million tickets in two years, and the tickets are wide (descriptions,
routing steps as JSON); each summary row holds the ticket's local month, who sees it
(community, assignee, who entered it, who reported it), whether it counts, its flags
and its two durations in microseconds, so the report neither reads the wide rows nor
converts time zones or intervals per ticket, and sorts integers for its medians.

Medians cannot be added up, so the rows are per ticket, not per group: the figures are
exactly the raw aggregation's (`source_rows` is that aggregation's source, and a test
compares both after every kind of change).

It is never stale: a listener on every session's flush rewrites the rows of the
tickets the flush inserted or whose measured columns it changed (`MEASURED`), in one
statement, from the tickets themselves, in the same transaction. Every service that
changes a ticket (filing, answering, resolving, closing, reopening, reassigning,
disputing, rating, cancelling, escalating) goes through the ORM, so none can forget
it; a ticket deleted takes its row with it (ON DELETE CASCADE). Bulk SQL that writes
tickets behind the ORM (the city bench) calls `rebuild`, as the migration does.

The same flush marks the months of the tickets it changed for the rollups
(pmsys/tickets/rollup.py), with one insert that locks no row another writer needs; a
ticket deleted, or a bulk UPDATE or DELETE of tickets through the session, marks its month
or every month; `rebuild` drops every rollup.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cache

from sqlalchemy import (
    BigInteger,
    Integer,
    and_,
    cast,
    delete,
    event,
    false,
    func,
    insert,
    inspect,
    literal_column,
    select,
)
from sqlalchemy.orm import Session

from pmsys import clock
from pmsys.db import Write, one_of_ids
from pmsys.models.tickets import (
    Ticket,
    TicketRollupBucket,
    TicketRollupCoarse,
    TicketRollupCount,
    TicketRollupGroup,
    TicketRollupMark,
    TicketRollupMonth,
    TicketStatus,
    TicketSummary,
)

# The ticket columns the measures read: a flush that changes none of them leaves the row.
MEASURED = frozenset({
    "status", "reported_at", "community_id", "assignee_id", "filed_by_id", "reporter_id",
    "category", "due_respond_at", "due_resolve_at", "responded_at", "resolved_at", "rating",
    "reopen_count", "dispute_count",
})
COLUMNS = ("ticket_id", "reported_at", "month", "community_id", "assignee_id", "filed_by_id",
           "reporter_id", "category", "live", "resolved", "due_respond_at", "response_us",
           "responded_on_time", "resolution_us", "resolved_on_time", "rating", "reopened",
           "disputed")
RESOLVED_STATUSES = (TicketStatus.resolved, TicketStatus.closed)
# A rollup mark naming every month (pmsys/tickets/rollup.py).
EVERY_MONTH = "*"
_LOCAL_HOURS = int(clock.LOCAL_TZ.utcoffset(None).total_seconds() // 3600)


def local_month(dialect: str, moment):
    """SQL: the local `YYYY-MM` of a UTC timestamp (China keeps one offset all year)."""
    if dialect == "postgresql":
        local = func.timezone("UTC", moment) + literal_column(f"INTERVAL '{_LOCAL_HOURS} hours'")
        return func.to_char(local, "YYYY-MM")
    # SQLite, whole seconds: its date functions round to the millisecond, and 23:59:59.9995
    # on a month's last day would fall in the next month.
    return func.strftime("%Y-%m", func.substr(moment, 1, 19), f"{_LOCAL_HOURS:+d} hours")


def microseconds(dialect: str, start, end):
    """SQL: from `start` to `end` in whole microseconds (NULL when either is NULL)."""
    if dialect == "postgresql":
        # extract(epoch …) of an interval is an exact numeric (PostgreSQL 14 and later).
        return cast(func.extract("epoch", end - start) * 1_000_000, BigInteger)

    def micro(moment):  # SQLite keeps "YYYY-MM-DD HH:MM:SS.ffffff"
        return (cast(func.strftime("%s", moment), Integer) * 1_000_000
                + cast(func.substr(moment, 21, 6), Integer))
    return micro(end) - micro(start)


def _yes(condition):
    """A condition as a stored flag: false where SQL would say NULL."""
    return func.coalesce(condition, false())


def source_rows(dialect: str, where: Iterable = ()):
    """SELECT, from the tickets, the summary rows of those `where` selects (COLUMNS order).

    The one definition of a row: `refresh` and `rebuild` write it, and the report reads
    it straight from the tickets when asked to (`source="tickets"`, the raw aggregation).
    """
    responded = Ticket.responded_at.is_not(None)
    resolved_at = Ticket.resolved_at.is_not(None)
    return select(
        Ticket.id.label("ticket_id"), Ticket.reported_at,
        local_month(dialect, Ticket.reported_at).label("month"),
        Ticket.community_id, Ticket.assignee_id, Ticket.filed_by_id, Ticket.reporter_id,
        Ticket.category,
        (Ticket.status != TicketStatus.cancelled).label("live"),
        Ticket.status.in_(RESOLVED_STATUSES).label("resolved"),
        Ticket.due_respond_at,
        microseconds(dialect, Ticket.reported_at, Ticket.responded_at).label("response_us"),
        _yes(and_(responded, Ticket.responded_at <= Ticket.due_respond_at))
        .label("responded_on_time"),
        microseconds(dialect, Ticket.reported_at, Ticket.resolved_at).label("resolution_us"),
        _yes(and_(resolved_at, Ticket.resolved_at <= Ticket.due_resolve_at))
        .label("resolved_on_time"),
        Ticket.rating,
        (func.coalesce(Ticket.reopen_count, 0) > 0).label("reopened"),
        (func.coalesce(Ticket.dispute_count, 0) > 0).label("disputed"),
    ).where(*where)


def refresh(session: Session, ticket_ids: Iterable[int], months: Iterable[str] = ()) -> None:
    """Write the rows of these tickets again from the tickets (one statement on PostgreSQL
    and SQLite: an insert that replaces the row already there), after marking the months
    they are in as changed for the rollups (pmsys/tickets/rollup.py: one more statement, an
    insert that locks no row another writer needs). `months`: other months to mark (those
    of deleted tickets, or that tickets were in before their report time changed)."""
    connection = session.connection()
    writes = refresh_writes(connection.dialect.name, ticket_ids)
    if writes:
        connection.execute(*writes[0])
    mark(session, months)
    for statement, params in writes[1:]:
        connection.execute(statement, params)


def refresh_writes(dialect: str, ticket_ids: Iterable[int]) -> list[Write]:
    """What `refresh` writes for these tickets (their months' marks, their rows), for
    `db.write_all` with other writes made after the tickets' own."""
    ids = sorted(set(ticket_ids))
    if not ids:
        return []
    return [Write(_mark(dialect), {"ids": ids}), Write(_upsert(dialect), {"ids": ids})]


def mark(session: Session, months: Iterable[str]) -> None:
    """Mark these months as changed for the rollups (one insert; none without a month)."""
    months = sorted(set(months))
    if months:
        session.connection().execute(insert(TicketRollupMark),
                                     [{"month": month} for month in months])


@cache
def _mark(dialect: str):
    month = local_month(dialect, Ticket.reported_at)
    return insert(TicketRollupMark).from_select(
        ["month"], select(month).where(one_of_ids(Ticket.id, "ids"))
        .distinct())


@cache
def _upsert(dialect: str):
    # Built once per dialect: every filing runs it, and building it (the select's
    # columns, the conflict clause) costs more than running it.
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    statement = upsert(TicketSummary).from_select(
        COLUMNS, source_rows(dialect, [one_of_ids(Ticket.id, "ids")]))
    excluded = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=["ticket_id"],
        set_={name: excluded[name] for name in COLUMNS if name != "ticket_id"})


def rebuild(session: Session) -> int:
    """Write every row again from every ticket (migration, bulk loads); return the count."""
    session.flush()
    connection = session.connection()
    connection.execute(delete(TicketSummary))
    # Every rollup goes too (pmsys/tickets/rollup.py): the rollup job writes them again. The
    # migrations that made the summary (0021) and the rollups (0024) run before later rollups'
    # tables exist.
    present = set(inspect(connection).get_table_names())
    for table in (TicketRollupMonth, TicketRollupCount, TicketRollupBucket, TicketRollupCoarse,
                  TicketRollupGroup, TicketRollupMark):
        if table.__tablename__ in present:
            connection.execute(delete(table))
    connection.execute(insert(TicketSummary).from_select(
        COLUMNS, source_rows(connection.dialect.name)))
    return session.scalar(select(func.count()).select_from(TicketSummary))


def _changed(ticket: Ticket) -> bool:
    state = inspect(ticket)
    return any(state.attrs[name].history.has_changes() for name in MEASURED)


@event.listens_for(Session, "after_flush")
def _keep_in_step(session: Session, _context) -> None:
    """After each flush: the rows of the tickets it inserted or whose measures it changed."""
    ids = [obj.id for obj in session.new if isinstance(obj, Ticket)]
    changed = [obj for obj in session.dirty if isinstance(obj, Ticket) and _changed(obj)]
    ids += [obj.id for obj in changed]
    months = [month for obj in changed for month in _months_before(obj)]
    # A deleted ticket takes its row with it (ON DELETE CASCADE); its month is marked.
    months += [_month_of(obj) for obj in session.deleted if isinstance(obj, Ticket)]
    refresh(session, ids, months)


def _local_month(moment: datetime) -> str:
    """The local month of a report time ("2025-05"), as local_month() writes it in SQL."""
    return f"{moment.astimezone(clock.LOCAL_TZ):%Y-%m}"


def _month_of(ticket: Ticket) -> str:
    """The month of a deleted ticket's report time as loaded (every month if not loaded)."""
    moment = ticket.__dict__.get("reported_at")
    return EVERY_MONTH if moment is None else _local_month(moment)


@event.listens_for(Session, "do_orm_execute")
def _bulk_changes(execute_state) -> None:
    """A bulk UPDATE or DELETE of tickets through the session marks every month changed
    (the summary's own rows follow a delete by ON DELETE CASCADE; bulk SQL that rewrites
    tickets calls `rebuild`, which drops every rollup)."""
    if not (execute_state.is_update or execute_state.is_delete):
        return
    table = getattr(execute_state.statement, "table", None)
    if table is not None and table.name == Ticket.__tablename__:
        mark(execute_state.session, [EVERY_MONTH])


def _months_before(ticket: Ticket) -> list[str]:
    """The month a ticket was in before its report time changed (none if it did not change);
    every month (rollup.EVERY_MONTH) when the time it had is not known."""
    history = inspect(ticket).attrs.reported_at.history
    if not history.has_changes():
        return []
    before = [moment for moment in history.deleted if moment is not None]
    if not before:
        return [EVERY_MONTH]
    return [_local_month(moment) for moment in before]
