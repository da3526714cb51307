"""The demo maintenance funds (pmsys/demo/fund.py): deposits, interest, a vote-backed spend
posted with both signatures and one pending, built once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from pmsys.demo.fund import ROOFS, build_fund_examples
from pmsys.demo.governance import build_governance_examples
from pmsys.fund import ledger
from pmsys.models.auth import User
from pmsys.models.fund import FundEntry, FundShare, FundStatus
from pmsys.models.governance import Vote
from pmsys.models.places import Community

pytestmark = pytest.mark.database("demo_bundle")


def test_the_demo_funds_hold_every_kind_of_entry_once(db):
    build_governance_examples(db.session)
    summary = build_fund_examples(db.session)
    db.session.commit()
    assert summary["entries"] > 0 and summary["existing"] == 0
    community = db.session.scalar(select(Community).where(Community.code == "DKHTXQ"))
    vote = db.session.scalar(select(Vote).where(Vote.title == ROOFS[0]))
    assert vote.passed and vote.amount == Decimal("30000.00")
    kinds = dict(db.session.execute(
        select(FundEntry.status, func.count(FundEntry.id))
        .where(FundEntry.community_id == community.id, FundEntry.kind == "spend")
        .group_by(FundEntry.status)).all())
    assert kinds == {FundStatus.posted: 1, FundStatus.pending: 1}
    street = db.session.scalar(select(User).where(User.username == "street"))
    seen = ledger.statement(db.session, street, community)
    assert seen.pending == Decimal("9800.00") and seen.balance > 0
    assert sum(line.balance for line in seen.households) == seen.balance
    # Every entry's shares add up to it.
    for entry_id, amount in db.session.execute(select(FundEntry.id, FundEntry.amount)):
        total = db.session.scalar(select(func.sum(FundShare.amount))
                                  .where(FundShare.entry_id == entry_id))
        assert Decimal(str(total)).quantize(Decimal("0.01")) == amount
    entries = db.session.scalar(select(func.count(FundEntry.id)))
    again = build_fund_examples(db.session)
    assert again == {"entries": 0, "existing": 2}
    assert db.session.scalar(select(func.count(FundEntry.id))) == entries
