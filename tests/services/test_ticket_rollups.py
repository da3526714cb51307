"""The ticket rollups (pmsys/tickets/rollup.py): what a report reads while they stand, and
that its figures stay the per-ticket path's, medians to the tenth of a minute included.

tests/services/test_ticket_summary.py compares every report with the raw aggregation after
every kind of change, with the rollups marked and written again; here: a standing rollup is
read (a rollup altered by hand shows), a mark or a deadline still ahead sets it aside, the
job folds only the marks it read, and medians whose middle values sit on either side of a
rounding boundary come out as the per-ticket path's. Run on both engines.
"""

from __future__ import annotations

import struct
from datetime import date, datetime, timedelta
from itertools import product

import pytest
from sqlalchemy import delete, func, select, text, update

from pmsys import clock
from pmsys.auth import permissions
from pmsys.models.tickets import (
    Notification,
    Ticket,
    TicketEvent,
    TicketRollupBucket,
    TicketRollupCount,
    TicketRollupGroup,
    TicketRollupMark,
    TicketRollupMonth,
    TicketStatus,
)
from pmsys.tickets import rollup
from pmsys.tickets.services import reports, take_action
from tests.statements import statements_sent
from tests.ticket_world import build_ticket_world, file_as

MAY = (date(2025, 5, 1), date(2025, 5, 31))
JOB_NOW = datetime(2025, 7, 1, tzinfo=clock.LOCAL_TZ)
NOW = datetime(2025, 7, 2, tzinfo=clock.LOCAL_TZ)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=clock.LOCAL_TZ)


@pytest.fixture
def world(db):
    return build_ticket_world()


def filed(world, at: datetime, login="resident_a", **fields):
    with clock.frozen(at):
        return file_as(world, login, **fields)


def report(db, world, login="sysadmin", group="month", period=MAY, now=NOW, source="summary",
           trend=True):
    return reports.ticket_report(db.session, world.users[login], date_from=period[0],
                                 date_to=period[1], group=group, now=now, source=source,
                                 trend=trend)


def refresh(db, now=JOB_NOW) -> dict:
    done = rollup.refresh(db.session, now)
    db.session.commit()
    return done


def test_a_standing_rollup_is_read_and_a_mark_sets_it_aside(db, world):
    ticket = filed(world, local(2025, 5, 10, 10))
    filed(world, local(2025, 5, 12, 10), category="lighting", description="路灯不亮")
    assert refresh(db) == {"months": 1, "marks": 2}
    assert report(db, world) == report(db, world, source="tickets")
    # Altered by hand, the rollup shows: the report reads it, not the tickets.
    db.session.execute(update(TicketRollupCount).values(filed=TicketRollupCount.filed + 100))
    db.session.commit()
    assert report(db, world).total.filed == 102
    assert report(db, world, group="category").total.filed == 102
    # A reader who does not see every ticket never reads it; nor a period not of whole months.
    for login in ("bureau", "officer", "operator_in"):
        assert report(db, world, login) == report(db, world, login, source="tickets")
    assert report(db, world, period=(date(2025, 5, 2), date(2025, 5, 31))).total.filed == 2
    # A change to a May ticket marks May: the report measures it from the summary again.
    with clock.frozen(local(2025, 5, 10, 11)):
        take_action(db.session, world.users["operator_in"], ticket, "accept")
    db.session.commit()
    assert db.session.scalars(select(TicketRollupMark.month)).all() == ["2025-05"]
    assert report(db, world) == report(db, world, source="tickets")
    assert report(db, world).total.responded == 1
    # The job writes May again from the summary and folds the mark.
    assert refresh(db) == {"months": 1, "marks": 1}
    assert report(db, world) == report(db, world, source="tickets")
    assert db.session.scalar(select(func.count()).select_from(TicketRollupMark)) == 0


def test_a_bureau_reads_the_rollups_only_once_it_sees_every_community(db, world):
    filed(world, local(2025, 5, 10, 10))
    refresh(db)
    db.session.execute(update(TicketRollupCount).values(filed=TicketRollupCount.filed + 100))
    db.session.commit()
    bureau = world.users["bureau"]  # the district D1's bureau: not the communities of S3
    assert not permissions.sees_every_ticket(db.session, bureau)
    assert report(db, world, "bureau").total.filed == 1
    bureau.organization.region = world.streets["S1"].parent.parent  # the city: every one
    db.session.commit()
    assert permissions.sees_every_ticket(db.session, bureau)
    assert report(db, world, "bureau").total.filed == 101
    assert report(db, world, "bureau", group="category").total.filed == 101
    assert not permissions.sees_every_ticket(db.session, world.users["officer"])
    assert not permissions.sees_every_ticket(db.session, world.users["manager_a"])


def test_an_unanswered_ticket_not_yet_due_keeps_its_month_from_the_rollup(db, world):
    filed(world, local(2025, 5, 31, 23))  # its response deadline falls in June
    refresh(db, local(2025, 6, 1, 0, 30))
    due_until = db.session.scalar(select(TicketRollupMonth.due_until))
    assert due_until > local(2025, 6, 1, 0, 30)
    db.session.execute(update(TicketRollupCount).values(filed=TicketRollupCount.filed + 100))
    db.session.commit()
    before = due_until - timedelta(minutes=1)
    # Before the deadline `due` depends on the moment: the month is measured from the summary.
    assert report(db, world, now=before) == report(db, world, now=before, source="tickets")
    assert report(db, world, now=before).total.due == 0
    # After it, the rollup stands (altered here, so it shows).
    assert report(db, world, now=due_until + timedelta(minutes=1)).total.filed == 101


def test_the_current_month_is_never_written_and_a_deletion_marks_every_month(db, world):
    filed(world, local(2025, 5, 10, 10))
    filed(world, local(2025, 6, 10, 10))
    assert refresh(db, local(2025, 6, 15)) == {"months": 1, "marks": 2}
    assert db.session.scalars(select(TicketRollupMonth.month)).all() == ["2025-05"]
    june = db.session.scalar(select(Ticket.id).where(Ticket.reported_at >= local(2025, 6, 1)))
    for model in (Notification, TicketEvent):
        db.session.execute(delete(model).where(model.ticket_id == june))
    db.session.execute(delete(Ticket).where(Ticket.id == june))
    db.session.commit()
    assert rollup.EVERY_MONTH in db.session.scalars(select(TicketRollupMark.month)).all()
    assert report(db, world) == report(db, world, source="tickets")
    assert refresh(db, local(2025, 7, 15)) == {"months": 1, "marks": 1}
    assert db.session.scalars(select(TicketRollupMonth.month)).all() == ["2025-05"]
    assert db.session.scalar(select(func.count()).select_from(TicketRollupBucket)) == 0


# Response times in seconds around the rounding boundaries of a tenth of a minute (3 s), and
# resolution times seven times as long:
# 177 s = 2.95 min rounds to 3.0, 176.999999 s to 2.9; two middles in different buckets
# (176.5 s and 177.5 s: mean 177 s, 3.0) and in one (177.1 s and 179.9 s).
@pytest.mark.parametrize("seconds", [
    (176.999999, 177.0, 500.0),
    (100.0, 176.5, 177.5, 900.0),
    (60.0, 177.1, 179.9, 300.0),
    (176.999999, 176.999999, 177.0, 177.0),
    (2.9, 3.0, 5.999999, 6.0, 0.0),
    # Middles on either side of an hour (a coarse bucket's edge), and negative durations.
    (3599.999999, 3600.0, 10.0, 9000.0),
    (3597.0, 3599.0, 3601.0, 7300.0, 30.0, 3602.0),
    (-5.0, -3.0, -2.9, 10.0),
])
def test_medians_from_the_buckets_are_the_per_ticket_medians(db, world, seconds):
    for n, duration in enumerate(seconds):
        ticket = filed(world, local(2025, 5, 3 + n, 10), description=f"漏水 {n}",
                       category=("water_supply", "lighting")[n % 2])
        ticket.status = TicketStatus.accepted
        ticket.responded_at = ticket.reported_at + timedelta(seconds=duration)
        ticket.resolved_at = ticket.reported_at + timedelta(seconds=duration * 7)
        ticket.status = TicketStatus.resolved
        db.session.commit()
    refresh(db)
    assert db.session.scalar(select(func.count()).select_from(TicketRollupBucket)) > 0
    for group in ("month", "category"):
        for period in (MAY, (date(2025, 4, 1), date(2025, 6, 30)), (date(2025, 5, 4),
                                                                    date(2025, 5, 31))):
            kept = report(db, world, group=group, period=period)
            assert kept == report(db, world, group=group, period=period, source="tickets")
    assert report(db, world).total.median_response_minutes is not None


# --- the group rollups: the reports by community and by organisation (PostgreSQL) --------------


def on_postgresql(db) -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def test_a_standing_group_rollup_is_read_and_a_change_sets_it_aside(db, world):
    first = filed(world, local(2025, 5, 10, 10))
    filed(world, local(2025, 5, 12, 10), "bureau", community="CC", category="lighting",
          description="路灯不亮")
    filed(world, local(2025, 6, 2, 10))
    refresh(db)
    for group, trend in product(("community", "org"), (True, False)):
        assert report(db, world, group=group, trend=trend) == report(
            db, world, group=group, source="tickets", trend=trend)
    rows = db.session.scalars(select(TicketRollupGroup)).all()
    if not on_postgresql(db):  # SQLite keeps none: its reports read the summary
        assert rows == []
        return
    # CA and CC in May (each with its own assignee), CA in June.
    assert sorted((row.dim, row.month, row.filed) for row in rows) == [
        ("community", "2025-05", 1), ("community", "2025-05", 1), ("community", "2025-06", 1),
        ("org", "2025-05", 1), ("org", "2025-05", 1), ("org", "2025-06", 1)]
    # Altered by hand, the group rollup shows: the report by community reads it for May (the
    # total comes from the monthly rollups, so it stays 2).
    db.session.execute(update(TicketRollupGroup).where(TicketRollupGroup.dim == "community")
                       .values(filed=TicketRollupGroup.filed + 100))
    db.session.commit()
    altered = report(db, world, group="community")
    assert [item.filed for item in altered.items] == [101, 101]
    assert altered.total.filed == 2
    # Without the trend (the API's report), the total is the groups' added up.
    assert report(db, world, group="community", trend=False).total.filed == 202
    # Not a reader who does not see every ticket, nor a period without a whole month.
    assert report(db, world, "bureau", group="community") == report(
        db, world, "bureau", group="community", source="tickets")
    part = (date(2025, 5, 2), date(2025, 5, 31))
    assert [item.filed for item in report(db, world, group="community", period=part).items] \
        == [1, 1]
    # Over May and June both months' rows are read and added up (CA's two, CC's one).
    both = (date(2025, 5, 1), date(2025, 6, 30))
    assert [item.filed for item in report(db, world, group="community",
                                          period=both).items] == [202, 101]
    db.session.execute(update(TicketRollupGroup).values(filed=TicketRollupGroup.filed - 100)
                       .where(TicketRollupGroup.dim == "community"))
    # A change to a May ticket marks May: the report measures it from the summary again.
    with clock.frozen(local(2025, 5, 10, 11)):
        take_action(db.session, world.users["operator_in"], first, "accept")
    db.session.commit()
    for group in ("community", "org"):
        for period in (MAY, both):
            assert report(db, world, group=group, period=period) == report(
                db, world, group=group, period=period, source="tickets")
    assert refresh(db) == {"months": 1, "marks": 1}
    assert report(db, world, group="community", period=both) == report(
        db, world, group="community", period=both, source="tickets")
    # A deletion marks every month.
    for model in (Notification, TicketEvent):
        db.session.execute(delete(model).where(model.ticket_id == first.id))
    db.session.execute(delete(Ticket).where(Ticket.id == first.id))
    db.session.commit()
    for group in ("community", "org"):
        assert report(db, world, group=group, period=both) == report(
            db, world, group=group, period=both, source="tickets")
    refresh(db)
    assert report(db, world, group="org", period=both) == report(
        db, world, group="org", period=both, source="tickets")


def test_a_report_by_group_of_whole_months_without_tickets_is_all_zero(db, world):
    filed(world, local(2025, 5, 10, 10))
    refresh(db)
    empty = (date(2025, 3, 1), date(2025, 3, 31))
    for group, trend in product(("community", "org"), (True, False)):
        kept = report(db, world, group=group, period=empty, trend=trend)
        assert kept == report(db, world, group=group, period=empty, source="tickets",
                              trend=trend)
        assert kept.items == [] and kept.total.filed == 0


def test_the_group_rollups_hold_each_months_durations_in_order(db, world):
    if not on_postgresql(db):
        pytest.skip("the group rollups are written on PostgreSQL only")
    seconds = (300.0, 60.5, 177.0, 3600.25, 0.0)
    for n, duration in enumerate(seconds):
        ticket = filed(world, local(2025, 5, 3 + n, 10), description=f"漏水 {n}")
        ticket.status = TicketStatus.accepted
        ticket.responded_at = ticket.reported_at + timedelta(seconds=duration)
        db.session.commit()
    refresh(db)
    row = db.session.scalar(select(TicketRollupGroup).where(
        TicketRollupGroup.dim == "community", TicketRollupGroup.month == "2025-05"))
    packed = row.response_us
    assert struct.unpack(f">{len(packed) // 8}q", packed) == tuple(
        sorted(round(value * 1_000_000) for value in seconds))
    assert row.resolution_us is None and row.responded == 5


# Durations over three months, two communities and two assignees: each group's middles come
# from runs of several months (and, once a month is marked, from the summary as well).
@pytest.mark.parametrize("seconds", [
    (176.999999, 177.0, 500.0, 177.5, 176.5, 900.0, 60.0),
    (3599.999999, 3600.0, 10.0, 9000.0, -5.0, -3.0, -2.9, 10.0),
    (2.9, 3.0, 5.999999, 6.0, 0.0, 177.1, 179.9, 300.0, 3597.0),
])
def test_group_medians_over_months_are_the_per_ticket_medians(db, world, seconds):
    tickets = []
    for n, duration in enumerate(seconds):
        ticket = filed(world, local(2025, 4 + n % 3, 3 + n, 10), "bureau",
                       description=f"漏水 {n}", community=("CA", "CC")[n % 2])
        ticket.status = TicketStatus.accepted
        ticket.responded_at = ticket.reported_at + timedelta(seconds=duration)
        if n % 4:
            ticket.resolved_at = ticket.reported_at + timedelta(seconds=duration * 7)
            ticket.status = TicketStatus.resolved
        db.session.commit()
        tickets.append(ticket)
    refresh(db)
    periods = (MAY, (date(2025, 4, 1), date(2025, 6, 30)), (date(2025, 4, 4), date(2025, 6, 30)))

    def all_raw():
        for group, period, trend in product(("community", "org"), periods, (True, False)):
            kept = report(db, world, group=group, period=period, trend=trend)
            assert kept == report(db, world, group=group, period=period, source="tickets",
                                  trend=trend)
            assert kept.items and all(item.median_response_minutes is not None
                                      for item in kept.items if item.responded)
            # Without the trend the total's medians are those of every group's durations.
            assert kept.total.median_response_minutes is not None

    all_raw()
    tickets[1].rating = 5  # marks its month: that month from the summary, the others stored
    db.session.commit()
    all_raw()


def test_on_postgresql_the_job_refreshes_the_statistics_of_the_tables_it_wrote(db, world):
    """Right after the job, the planner must know the rollups' size (not wait for autovacuum)."""
    if not on_postgresql(db):
        pytest.skip("ANALYZE is PostgreSQL's")
    filed(world, local(2025, 5, 3, 10))
    db.session.commit()
    with statements_sent(db.engine) as seen:
        assert refresh(db)["months"] == 1
        assert refresh(db)["months"] == 0  # nothing written, nothing analysed
    analysed = [statement for statement in seen if statement.startswith("ANALYZE")]
    assert analysed == ["ANALYZE ticket_rollup_counts, ticket_rollup_buckets, "
                        "ticket_rollup_coarse, ticket_rollup_groups, ticket_rollup_months"]
    # The statistics stand: the planner counts the group rollup's row, not an empty table.
    assert db.session.scalar(text(
        "SELECT reltuples FROM pg_class WHERE relname = 'ticket_rollup_groups'")) == \
        db.session.scalar(select(func.count()).select_from(TicketRollupGroup))


@pytest.mark.parametrize("durations", [
    (5,), (7, 3), (9, 1, 5), (4, 4, 4, 4), (-3, 10, 2, 8), (2**62, 0, -(2**62)),
])
def test_the_middles_of_packed_durations_are_the_sorted_middles(durations):
    packed = struct.pack(f">{len(durations)}q", *durations)
    ordered = sorted(durations)
    assert reports._middles(packed) == (ordered[(len(ordered) - 1) // 2],
                                        ordered[len(ordered) // 2])


def test_on_postgresql_the_group_statement_names_its_months(db, world):
    """The standing months are asked first and written into the group statement, so that the
    planner knows how many rows they hold (with them asked inside, it expected a tenth)."""
    if not on_postgresql(db):
        pytest.skip("the group rollups are read on PostgreSQL only")
    filed(world, local(2025, 5, 10, 10))
    filed(world, local(2025, 6, 2, 10))
    refresh(db)
    filed(world, local(2025, 6, 3, 10))  # marks June: it is read from the summary
    db.session.commit()
    both = (date(2025, 5, 1), date(2025, 6, 30))
    with statements_sent(db.engine) as seen:
        assert report(db, world, group="community", period=both) == report(
            db, world, group="community", period=both, source="tickets")
    [grouped] = [statement for statement in seen if "ticket_rollup_groups" in statement]
    assert "ticket_rollup_months" not in grouped
    assert "ticket_rollup_groups.month IN ('2025-05')" in grouped
    assert "ticket_summaries.month IN ('2025-06')" in grouped
