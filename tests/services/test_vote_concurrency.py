"""Ballots cast at the same moment (docs/domain.md#votes), on real connections that commit.

As in test_fee_concurrency: every thread has its own session on the engine and
commits for real, so the rows live in a database of their own (a separate
SQLite file, or a separate PostgreSQL schema) built by the same migrations and
dropped afterwards. The vote row is locked for every ballot and for the close,
so one owner's ballots at once leave exactly one ballot, and a close racing
ballots counts exactly the ballots that got in before it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from pmsys import clock
from pmsys.errors import Conflict
from pmsys.extensions import db as _db
from pmsys.governance.services import votes
from pmsys.models.auth import User
from pmsys.models.governance import Vote, VoteBallot
from tests.live import at_once, live_database
from tests.vote_world import NOW, build_vote_world

# Counted per engine at the end of a run; on PostgreSQL one skipped fails it (conftest.py).
pytestmark = pytest.mark.concurrency
SCHEMA = "vote_concurrency"
OWNERS = ("V-O1", "V-O2", "V-O3", "V-O4", "V-O5", "V-DEV")


@pytest.fixture(scope="module")
def live(app, database_url, tmp_path_factory):
    """An app on a database of its own holding the vote world, committed; yields (app, ids)."""

    def build() -> dict:
        world = build_vote_world()
        return {
            "committee": world.committee.id,
            "community": world.community.id,
            "residents": {code: user.id for code, user in world.residents.items()},
            "persons": {code: person.id for code, person in world.persons.items()},
        }

    with live_database(app, database_url, tmp_path_factory, SCHEMA, build) as live_world:
        yield live_world


def new_vote(live_app, ids, title: str) -> int:
    """Convene a vote open from NOW for a week, committed; its id."""
    from pmsys.models.places import Community

    with live_app.app_context(), Session(_db.engine) as session:
        vote = votes.convene(session, session.get(User, ids["committee"]),
                             session.get(Community, ids["community"]), matter="hire_manager",
                             title=title, opens_at=NOW, closes_at=NOW + timedelta(days=7),
                             now=NOW)
        session.commit()
        return vote.id


def ballots_of(live_app, vote_id: int) -> list[tuple]:
    with live_app.app_context(), Session(_db.engine) as session:
        return [tuple(row) for row in session.execute(
            select(VoteBallot.person_id, VoteBallot.choice, VoteBallot.replaced)
            .where(VoteBallot.vote_id == vote_id))]


def test_ten_ballots_of_one_owner_at_once_leave_one_ballot(live):
    live_app, ids = live
    clock.set_now(NOW)
    vote_id = new_vote(live_app, ids, "Ten at once")
    choices = ("approve", "reject", "abstain")

    def vote(session, index):
        ballot, replaced = votes.cast_ballot(
            session, session.get(User, ids["residents"]["V-O1"]), session.get(Vote, vote_id),
            choice=choices[index % 3], now=NOW + timedelta(minutes=1))
        return replaced

    results = at_once(live_app, 10, vote)

    assert sorted(results) == [False] + [True] * 9
    [(person, _choice, replaced)] = ballots_of(live_app, vote_id)
    assert (person, replaced) == (ids["persons"]["V-O1"], 9)


def test_a_close_racing_ballots_counts_exactly_those_before_it(live):
    live_app, ids = live
    clock.set_now(NOW)
    vote_id = new_vote(live_app, ids, "Close in the race")
    closes_at = NOW + timedelta(days=7)

    def work(session, index):
        vote = session.get(Vote, vote_id)
        if index == len(OWNERS):
            return votes.close(session, session.get(User, ids["committee"]), vote, closes_at)
        try:
            votes.cast_ballot(session, session.get(User, ids["residents"][OWNERS[index]]),
                              vote, choice="approve",
                              now=closes_at - timedelta(microseconds=1))
        except Conflict as refused:
            return refused.code
        return "cast"

    results = at_once(live_app, len(OWNERS) + 1, work)

    result, outcomes = results[-1], results[:-1]
    assert set(outcomes) <= {"cast", "vote_closed"}
    cast = outcomes.count("cast")
    assert len(ballots_of(live_app, vote_id)) == cast
    assert (result["participants"], result["approving"]) == (cast, cast)
