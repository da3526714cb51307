"""Maintenance fund entries recorded at the same moment (docs/domain.md#fund), on real
connections that commit.

As in test_fee_concurrency: every thread has its own session and commits for real, in a
database of its own. The community's row is locked for every fund write, so one ref posted
many times at once makes one entry, and spends of one vote at once never pass its amount.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pmsys import clock
from pmsys.errors import RuleRefused
from pmsys.extensions import db as _db
from pmsys.fund import ledger
from pmsys.models.auth import User
from pmsys.models.fund import FundEntry
from pmsys.models.places import Community
from tests.fund_world import build_fund_world
from tests.live import at_once, live_database
from tests.vote_world import NOW

# Counted per engine at the end of a run; on PostgreSQL one skipped fails it (conftest.py).
pytestmark = pytest.mark.concurrency
SCHEMA = "fund_concurrency"


@pytest.fixture(scope="module")
def live(app, database_url, tmp_path_factory):
    """An app on a database of its own holding the fund world, committed; yields (app, ids)."""

    def build() -> dict:
        world = build_fund_world()
        return {"officer": world.officer.id, "community": world.community.id,
                "vote": world.fund_vote.id}

    with live_database(app, database_url, tmp_path_factory, SCHEMA, build) as live_world:
        yield live_world


def read(live_app, query):
    with live_app.app_context(), Session(_db.engine) as session:
        return session.execute(query).all()


def test_ten_posts_of_one_ref_make_one_entry(live):
    live_app, ids = live
    clock.set_now(NOW)

    def post(session, _index):
        entry, created = ledger.record_entry(
            session, session.get(User, ids["officer"]), session.get(Community, ids["community"]),
            ref="SAME", kind="deposit", amount="50.00", household="VA/1/1/101", note="")
        return entry.id, created

    results = at_once(live_app, 10, post)
    assert sorted(created for _id, created in results) == [False] * 9 + [True]
    assert len({entry_id for entry_id, _created in results}) == 1
    assert read(live_app, select(func.count(FundEntry.id)).where(FundEntry.ref == "SAME")) == [
        (1,)]


def test_two_spends_of_one_vote_at_once_keep_within_its_amount(live):
    live_app, ids = live
    clock.set_now(NOW)

    def post(session, index):
        try:
            entry, _created = ledger.record_entry(
                session, session.get(User, ids["officer"]),
                session.get(Community, ids["community"]), ref=f"SPEND-{index}", kind="spend",
                amount="600.00", vote=ids["vote"], note="屋面防水")
        except RuleRefused as refused:
            return refused.code
        return entry.id

    results = at_once(live_app, 2, post)
    assert sorted(map(str, results))[-1] == "vote_amount_exceeded"
    [(spent,)] = read(live_app, select(func.sum(-FundEntry.amount))
                      .where(FundEntry.vote_id == ids["vote"]))
    assert Decimal(str(spent)) == Decimal("600.00")
