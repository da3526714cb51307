"""The ticket rollups (pmsys/tickets/rollup.py): what a report reads while they stand, and
that its figures stay the per-ticket path's, medians to the tenth of a minute included.

tests/services/test_ticket_summary.py compares every report with the raw aggregation after
every kind of change, with the rollups marked and written again; here: a standing rollup is
read (a rollup altered by hand shows), a mark or a deadline still ahead sets it aside, the
job folds only the marks it read, and medians whose middle values sit on either side of a
rounding boundary come out as the per-ticket path's. Run on both engines.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select, update

from pmsys import clock
from pmsys.auth import permissions
from pmsys.models.tickets import (
    Notification,
    Ticket,
    TicketEvent,
    TicketRollupBucket,
    TicketRollupCount,
    TicketRollupMark,
    TicketRollupMonth,
    TicketStatus,
)
from pmsys.tickets import rollup
from pmsys.tickets.services import reports, take_action
from tests.ticket_world import build_ticket_world, file_as

MAY = (date(2025, 5, 1), date(2025, 5, 31))
JOB_NOW = datetime(2025, 7, 1, tzinfo=clock.LOCAL_TZ)
NOW = datetime(2025, 7, 2, tzinfo=clock.LOCAL_TZ)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=clock.LOCAL_TZ)


@pytest.fixture
def world(db):
    return build_ticket_world()


def filed(world, at: datetime, **fields):
    with clock.frozen(at):
        return file_as(world, "resident_a", **fields)


def report(db, world, login="sysadmin", group="month", period=MAY, now=NOW, source="summary"):
    return reports.ticket_report(db.session, world.users[login], date_from=period[0],
                                 date_to=period[1], group=group, now=now, source=source)


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
