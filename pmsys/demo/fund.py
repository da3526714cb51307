"""The demo region's maintenance funds (docs/domain.md#fund), through the services, once.

地矿华庭西区 (DKHTXQ): the initial deposits at 30 yuan/m² two years ago, a top-up at
5 yuan/m² this spring, a year's interest shared by balance, a passed assembly vote on using
the fund for the roofs, one spend against it signed by the committee and the street office
(posted) and one signed by the committee only (pending). 人行家属楼 (RHJSL): the initial
deposits only. Run after the governance examples: the committee in office and the street
office's login are theirs.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from pmsys import clock
from pmsys.demo.governance import _at, _Demo, _vote
from pmsys.fund import ledger
from pmsys.models.auth import User
from pmsys.models.fund import FundEntry
from pmsys.money import fen

ROOFS = ("关于使用专项维修资金维修1号楼、2号楼屋面的表决",
         "1号楼、2号楼屋面防水层老化，顶层住户漏水，拟使用专项维修资金维修，预算3万元。")
ROOFS_AMOUNT = "30000.00"
INTEREST_RATE = Decimal("0.0135")  # the co-managed account's yearly rate


def _has_fund(session: Session, community) -> bool:
    return session.scalar(select(FundEntry.id).where(
        FundEntry.community_id == community.id).limit(1)) is not None


def _dkhtxq(demo: _Demo) -> None:
    session, street, committee = demo.session, demo.users["street"], demo.users["committee"]
    community = demo.community("DKHTXQ")
    if community is None or _has_fund(session, community):
        demo.created["existing"] += 1
        return
    with clock.frozen(_at(demo.today - timedelta(days=730), 10)):
        made, _total = ledger.collect_deposits(session, street, community, rate="30",
                                               prefix="首期")
    with clock.frozen(_at(demo.today - timedelta(days=200), 10)):
        topped, _total = ledger.collect_deposits(session, street, community, rate="5",
                                                 prefix="续筹")
    with clock.frozen(_at(demo.today - timedelta(days=90), 10)):
        balance = ledger.statement(session, street, community).balance
        ledger.record_entry(session, street, community, ref="利息-上年度", kind="interest",
                            amount=str(fen(balance * INTEREST_RATE)),
                            note="共管账户上年度利息，按各户余额分摊")
    vote = _vote(demo, committee, community, "use_maintenance_fund", ROOFS,
                 _at(demo.today - timedelta(days=60), 9),
                 _at(demo.today - timedelta(days=46), 18), share=0.9, amount=ROOFS_AMOUNT)
    demo.created["entries"] += made + topped + 1
    if not vote.passed:  # the demo owners approve; a failed vote leaves nothing to spend
        return
    with clock.frozen(_at(demo.today - timedelta(days=40), 10)):
        posted, _created = ledger.record_entry(
            session, committee, community, ref="支出-屋面-1", kind="spend", amount="18600.00",
            vote=vote.id, note="1号楼屋面防水维修，施工合同第1期")
    with clock.frozen(_at(demo.today - timedelta(days=38), 15)):
        ledger.sign(session, committee, posted)
    with clock.frozen(_at(demo.today - timedelta(days=36), 11)):
        ledger.sign(session, street, posted)
    with clock.frozen(_at(demo.today - timedelta(days=5), 10)):
        pending, _created = ledger.record_entry(
            session, committee, community, ref="支出-屋面-2", kind="spend", amount="9800.00",
            vote=vote.id, note="2号楼屋面防水维修，待街道办会签")
        ledger.sign(session, committee, pending)
    demo.created["entries"] += 2


def _rhjsl(demo: _Demo) -> None:
    session, street = demo.session, demo.users["street"]
    community = demo.community("RHJSL")
    if community is None or _has_fund(session, community):
        demo.created["existing"] += 1
        return
    with clock.frozen(_at(demo.today - timedelta(days=400), 10)):
        made, _total = ledger.collect_deposits(session, street, community, rate="30",
                                               prefix="首期")
    demo.created["entries"] += made


def build_fund_examples(session: Session) -> dict:
    """Give two demo communities a maintenance fund; how many entries were made, and how many
    funds were already there (`existing`)."""
    names = ("street", "committee")
    users = {u.username: u for u in session.scalars(select(User).where(User.username.in_(names)))}
    if set(users) != set(names):
        return {"entries": 0, "existing": 0}
    today = clock.today()
    demo = _Demo(session, users, today, today.replace(day=1))
    _dkhtxq(demo)
    _rhjsl(demo)
    session.flush()
    return {"entries": demo.created["entries"], "existing": demo.created["existing"]}
