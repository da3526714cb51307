"""Two escalation runs at once (a second `run-job escalate` beside the scheduler's).

Each ticket's level is raised once, whichever run gets there first; the other
run skips what was taken, counts it, and ends normally instead of failing on
the stale row. On real connections, in a database of their own (tests/live.py).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pmsys import clock
from pmsys.extensions import db as _db
from pmsys.jobs.tickets import escalate_tickets
from pmsys.models.auth import User
from pmsys.models.tickets import TicketEvent
from pmsys.tickets.services import file_ticket
from tests.live import at_once, live_database
from tests.ticket_world import NOW, build_ticket_world

pytestmark = pytest.mark.concurrency
SCHEMA = "escalation_concurrency"
TICKETS = 12


@pytest.fixture(scope="module")
def live(app, database_url, tmp_path_factory):
    def build() -> dict:
        clock.set_now(NOW)
        world = build_ticket_world()
        for n in range(TICKETS):
            file_ticket(_db.session, world.users["resident_a"], category="water_supply",
                        community="CA", description=f"楼道水管漏水 {n}")
        _db.session.commit()
        return {"resident": world.users["resident_a"].id}

    with live_database(app, database_url, tmp_path_factory, SCHEMA, build) as live_world:
        yield live_world


def test_two_runs_at_once_raise_each_level_once_and_both_end_normally(live):
    live_app, _ids = live
    later = NOW + timedelta(days=30)  # every deadline missed: each ticket rises to level 2
    clock.set_now(later)

    summaries = at_once(live_app, 2, lambda session, _index: escalate_tickets(session, later))

    with live_app.app_context(), Session(_db.engine) as session:
        events = session.scalar(select(func.count(TicketEvent.id))
                                .where(TicketEvent.action == "escalate"))
        assert session.scalar(select(func.count(User.id))) > 0
    levels = sum(summary["levels"] for summary in summaries)
    assert events == levels  # nothing recorded twice, nothing lost
    assert sorted(summary["tickets"] for summary in summaries)[-1] >= 1
    assert sum(summary["tickets"] for summary in summaries) == TICKETS
    # Every ticket was raised by exactly one run; the other skipped it (PostgreSQL) or found
    # it already raised when it got the lock (SQLite, one writer at a time).
    skipped = sum(summary.get("skipped_taken_by_another_run", 0) for summary in summaries)
    assert skipped in (0, TICKETS)
