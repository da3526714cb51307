"""The ticket summary (pmsys/tickets/summary.py) stays in step with the tickets.

After each kind of change — filing, accepting, resolving, confirming with a rating,
reopening, disputing, reassigning, upholding, cancelling, a plain edit, a deletion —
the summary's rows equal the rows computed from the tickets, and the report read
from the summary equals the raw aggregation (`source="tickets"`) for every grouping,
with and without the trend, for readers who see different tickets. Run on both engines.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import delete, event, func, select

from pmsys import clock
from pmsys.models.tickets import (
    Notification,
    Ticket,
    TicketEvent,
    TicketRollupMark,
    TicketRollupMonth,
    TicketSummary,
)
from pmsys.tickets import rollup, summary
from pmsys.tickets.services import reports, take_action
from tests.ticket_world import build_ticket_world, file_as

FIRST, LAST = date(2025, 4, 1), date(2025, 6, 30)
PART = (date(2025, 4, 20), date(2025, 6, 1))  # a period that is not whole months
READERS = ("sysadmin", "bureau", "officer", "operator_in", "manager_a")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=clock.LOCAL_TZ)


JOB_NOW = local(2025, 8, 1)  # the rollup job's runs: every month of the tickets is closed


@pytest.fixture
def world(db):
    return build_ticket_world()


def filed(world, login: str, at: datetime, **fields):
    with clock.frozen(at):
        return file_as(world, login, **fields)


def act(db, world, login: str, ticket, action: str, at: datetime, **fields):
    with clock.frozen(at):
        take_action(db.session, world.users[login], ticket, action, **fields)
    db.session.commit()


def summary_rows(db) -> list[tuple]:
    rows = db.session.execute(select(*(TicketSummary.__table__.c[name]
                                       for name in summary.COLUMNS))
                              .order_by(TicketSummary.ticket_id)).all()
    return [tuple(row) for row in rows]


def computed_rows(db) -> list[tuple]:
    source = summary.source_rows(db.session.get_bind().dialect.name).subquery()
    rows = db.session.execute(select(*(source.c[name] for name in summary.COLUMNS))
                              .order_by(source.c.ticket_id)).all()
    return [tuple(row) for row in rows]


def assert_reports_raw(db, world, now: datetime) -> None:
    """Every report read from the summary (and the rollups) is the raw one, over whole months
    and over a period that is not."""
    for login in READERS:
        for group in reports.GROUPS:
            for trend in (True, False):
                for first, last in ((FIRST, LAST), PART):
                    asked = {"date_from": first, "date_to": last, "group": group, "now": now,
                             "trend": trend}
                    kept = reports.ticket_report(db.session, world.users[login], **asked)
                    raw = reports.ticket_report(db.session, world.users[login], **asked,
                                                source="tickets")
                    assert kept == raw, (login, group, trend, first, last)


def assert_in_step(db, world, now: datetime) -> None:
    """The summary's rows are the tickets' own, and every report read from them is the raw one:
    with the changes marked since the rollups were last written, and once they are written
    again (pmsys/tickets/rollup.py), every month of the tickets then standing."""
    assert summary_rows(db) == computed_rows(db)
    assert_reports_raw(db, world, now)
    rollup.refresh(db.session, JOB_NOW)
    db.session.commit()
    months = set(db.session.scalars(select(TicketSummary.month)))
    assert set(db.session.scalars(select(TicketRollupMonth.month))) == months
    assert db.session.scalar(select(func.count()).select_from(TicketRollupMark)) == 0
    assert_reports_raw(db, world, now)


def test_the_summary_follows_every_change_a_ticket_goes_through(db, world):
    now = local(2025, 7, 1)
    assert_in_step(db, world, now)  # no tickets, no rows
    water = filed(world, "resident_a", local(2025, 4, 30, 23, 59, 59, 999999))
    lighting = filed(world, "resident_a", local(2025, 5, 20, 10), category="lighting",
                     description="路灯不亮")
    in_cc = filed(world, "bureau", local(2025, 6, 1, 8), community="CC",
                  category="common_parts", description="楼道门坏了")
    spare = filed(world, "resident_a", local(2025, 6, 2, 9))
    assert len(summary_rows(db)) == 4
    assert_in_step(db, world, now)

    act(db, world, "operator_in", water, "accept", local(2025, 5, 1, 0, 30, 0, 7))
    assert_in_step(db, world, now)
    act(db, world, "operator_in", water, "resolve", local(2025, 5, 1, 20), note="修好了")
    assert_in_step(db, world, now)
    act(db, world, "resident_a", water, "reopen", local(2025, 5, 2, 9), note="还是漏")
    row = db.session.get(TicketSummary, water.id)
    assert row.reopened and not row.resolved
    assert_in_step(db, world, now)
    act(db, world, "operator_in", water, "accept", local(2025, 5, 2, 10))
    act(db, world, "operator_in", water, "resolve", local(2025, 5, 9, 10), note="换了管子")
    act(db, world, "resident_a", water, "confirm", local(2025, 5, 9, 12), rating=4)
    row = db.session.get(TicketSummary, water.id)
    assert row.resolved and row.rating == 4 and not row.resolved_on_time
    assert_in_step(db, world, now)

    act(db, world, "manager_a", lighting, "accept", local(2025, 5, 21, 16))  # late
    act(db, world, "manager_a", lighting, "dispute", local(2025, 5, 21, 17), note="不归我们")
    assert db.session.get(TicketSummary, lighting.id).disputed
    assert_in_step(db, world, now)
    act(db, world, "officer", lighting, "reassign", local(2025, 5, 22, 9), org="W-D1",
        note="归供水")
    assert db.session.get(TicketSummary, lighting.id).assignee_id == world.orgs["W-D1"].id
    assert_in_step(db, world, now)

    act(db, world, "resident_a", spare, "cancel", local(2025, 6, 2, 10))
    assert not db.session.get(TicketSummary, spare.id).live
    assert_in_step(db, world, now)
    assert_in_step(db, world, local(2025, 6, 1, 9))  # in_cc's response still ahead then

    # A plain edit of a measured column (as a correction would), then a deletion.
    in_cc.reported_at = local(2025, 5, 31, 23, 0)
    in_cc.category = "lighting"
    db.session.commit()
    assert db.session.get(TicketSummary, in_cc.id).month == "2025-05"
    assert_in_step(db, world, now)
    for model in (Notification, TicketEvent):  # as bench/run.py trims tickets
        db.session.execute(delete(model).where(model.ticket_id == spare.id))
    db.session.execute(delete(Ticket).where(Ticket.id == spare.id))
    db.session.commit()
    assert [row[0] for row in summary_rows(db)] == sorted([water.id, lighting.id, in_cc.id])
    assert_in_step(db, world, now)


def test_rebuild_writes_what_the_flushes_kept(db, world):
    for n in range(5):
        filed(world, "resident_a", local(2025, 5, 10 + n, 10), description=f"漏水 {n}")
    kept = summary_rows(db)
    db.session.execute(delete(TicketSummary))
    assert summary.rebuild(db.session) == 5
    db.session.commit()
    assert summary_rows(db) == kept


def test_a_row_is_written_only_when_a_measured_column_changes(db, world):
    """A comment or an edit of the description writes no row; an acceptance writes one."""
    ticket = filed(world, "resident_a", local(2025, 5, 10, 10))
    seen = []

    def count(_c, _cur, statement, *_a):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        act(db, world, "resident_a", ticket, "comment", local(2025, 5, 10, 11), note="在吗")
        ticket.description = "楼道水管漏水，更正"
        db.session.commit()
        commented = [s for s in seen if "ticket_summaries" in s or "ticket_rollup" in s]
        seen.clear()
        act(db, world, "operator_in", ticket, "accept", local(2025, 5, 10, 12))
        accepted = [s for s in seen if "ticket_summaries" in s]
        marked = [s for s in seen if "ticket_rollup_marks" in s]
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert commented == []
    assert len(accepted) == 1
    assert len(marked) == 1 and marked[0].lstrip().upper().startswith("INSERT")
