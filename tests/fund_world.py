"""The vote world (tests/vote_world.py) with what the maintenance fund tests need: a passed
vote on using the fund that approves 1,000.00 yuan, and one that failed.

VA's exclusive parts are 500.00 m² in eight households over two buildings (1: 240 m²,
2: 260 m²).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from pmsys.extensions import db
from pmsys.models.governance import Vote, VoteStatus
from tests.vote_world import NOW, build_vote_world

APPROVED = Decimal("1000.00")


def closed_vote(community, *, passed: bool = True, matter: str = "use_maintenance_fund",
                amount: Decimal | None = APPROVED, title: str = "使用维修资金修屋面") -> Vote:
    """A vote on `matter` in `community` that closed yesterday, passed or not."""
    opens = NOW - timedelta(days=10)
    vote = Vote(community_id=community.id, matter=matter, kind="ordinary", title=title,
                opens_at=opens, closes_at=NOW - timedelta(days=1), status=VoteStatus.closed,
                roll_frozen_at=opens, closed_at=NOW - timedelta(days=1), passed=passed,
                reason="passed" if passed else "approval_short", result={},
                amount=amount if matter == "use_maintenance_fund" else None)
    db.session.add(vote)
    db.session.flush()
    return vote


def build_fund_world():
    """The vote world, with `world.fund_vote` (passed, 1,000.00) and `world.failed_vote`."""
    world = build_vote_world()
    world.fund_vote = closed_vote(world.community)
    world.failed_vote = closed_vote(world.community, passed=False, title="未通过")
    db.session.commit()
    return world
