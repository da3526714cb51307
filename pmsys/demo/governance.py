"""Demo governance: owners' committees and assembly votes in every state, for `flask pmsys demo`.

Run after the demo bundle is imported (its four owners' committees are then in
office, recorded from the import without term dates). Everything else goes
through the governance services as the demo logins would, with the clock
frozen at each moment, so committees, votes, ballots and terms carry their
audit records and notifications like any other:

- 一校家属楼 (YXJSL) is left without a committee: the walk-through starts there
  (login `resident3` owns a flat in it).
- 环卫小区 (HWXQ): a committee in preparation, candidates approved, rejected
  with a note, or still waiting for the vetting.
- 人行家属楼 (RHJSL): a committee elected in pmsys (election vote closed and
  passed), then a passed `hire_manager` vote that is the basis of a new
  professional term from the first of this month; the old one ended the day before.
- 西岳楼 (XYL): a closed vote that failed approval; 大众苑小区 (DZYXQ): one that
  failed the quorum, with the developer's unsold flats on its roll.
- 地矿华庭西区 (DKHTXQ): a vote open for two more weeks that the `resident` login
  has not voted in yet.
- 青山剧院住宅楼 (QSJYZZL): an interim management committee, and community-mode
  management imposed by the street office after the property company left.
- 国税局家属楼 (GSJJSL): a committee elected three years ago whose term
  ends within 90 days (the job's warning is sent).

A scenario whose committee or vote exists already is left alone, so running
twice changes nothing. Ownership is not changed; one owner of two unsold flats
in DZYXQ is marked as the developer.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pmsys import clock
from pmsys.governance import committees as committee_rules
from pmsys.governance.services import committee_terms, committees, terms, votes
from pmsys.models.auth import User
from pmsys.models.governance import Committee, Vote, VoteRollEntry
from pmsys.models.places import Building, Community, Household, Person, Unit

WALK_THROUGH = "YXJSL"
DEVELOPER_IN = "DZYXQ"
# (title, description) of each demo vote
ELECTION = ("选举{name}第一届业主委员会",
            "候选人经街道、社区联合资格审查通过，实行差额推荐、等额选举。")
HIRE = ("关于选聘土右旗鑫泰物业服务有限公司的表决",
        "原物业服务合同到期，业主委员会公开比选后推荐鑫泰物业，合同期三年，"
        "物业费每月每平方米0.70元。")
RAISE_FUND = ("关于续筹住宅专项维修资金的表决",
              "维修资金余额不足，拟按每平方米20元续筹，用于屋面和外墙维修。")
COMMON_USE = ("关于将小区东侧绿地改建为停车位的表决",
              "拟将东侧约300平方米绿地改建为18个地面停车位，租金收益归全体业主。")
USE_FUND = ("关于使用专项维修资金更换3号楼、5号楼屋面防水的表决",
            "两栋楼顶层多户漏水，拟使用专项维修资金约8.6万元更换屋面防水，"
            "由业主委员会组织招标。")
USE_FUND_AMOUNT = "86000.00"  # the most the fund may spend on it
# Vetting notes (联审) for the candidates of HWXQ and of the elections.
APPROVED_NOTE = "经街道、社区、派出所联合资格审查，符合候选人条件"
REJECTED_NOTES = (
    "房屋已出租，本人长期不在小区居住，不符合候选人条件",
    "有违法搭建尚未整改，联审不予通过",
)


@dataclass
class _Demo:
    session: Session
    users: dict[str, User]
    today: date
    month_start: date
    created: Counter = field(default_factory=Counter)

    def community(self, code: str) -> Community:
        return self.session.scalar(select(Community).where(Community.code == code))


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    """The moment `hour:minute` Asia/Shanghai on `day`, in UTC."""
    return datetime.combine(day, time(hour, minute), tzinfo=clock.LOCAL_TZ).astimezone(clock.UTC)


def _owners(session: Session, community: Community) -> list[str]:
    """The codes of the community's owners (not the developer), in the order of their flats."""
    rows = session.execute(
        select(Person.code)
        .join(Household, Household.owner_id == Person.id)
        .join(Unit, Unit.id == Household.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .where(Building.community_id == community.id, Person.is_developer.is_(False))
        .order_by(Building.code, Unit.code, Household.code)
    )
    return list(dict.fromkeys(code for (code,) in rows))


def _has_committee(demo: _Demo, community: Community) -> bool:
    return demo.session.scalar(
        select(Committee.id).where(Committee.community_id == community.id).limit(1)
    ) is not None


def _has_vote(demo: _Demo, community: Community, title: str) -> bool:
    return demo.session.scalar(select(Vote.id).where(
        Vote.community_id == community.id, Vote.title == title).limit(1)) is not None


def _choice(position: int, pattern: str) -> str:
    """The choice of the ballot at `position`: mostly approving, or split, by `pattern`."""
    if pattern == "split":  # 6 approve, 3 reject, 1 abstains in every 10
        return ("approve", "reject", "approve", "approve", "reject", "approve", "abstain",
                "approve", "reject", "approve")[position % 10]
    if position % 10 == 4:
        return "reject"
    return "abstain" if position % 20 == 9 else "approve"


def _vote(demo: _Demo, actor: User, community: Community, matter: str, texts: tuple[str, str],
          opens: datetime, closes: datetime, *, share: float, pattern: str = "approve",
          skip: frozenset[str] = frozenset(), amount: str | None = None) -> Vote:
    """Convene a vote at `opens`, record paper ballots of `share` of the owners; close it if over.

    The ballots are spread evenly over the first nine tenths of the time it is
    open (or up to now); owners in `skip` do not vote.
    """
    session = demo.session
    with clock.frozen(opens):
        vote = votes.convene(session, actor, community, matter=matter, title=texts[0],
                             description=texts[1], opens_at=opens, closes_at=closes,
                             amount=amount)
    roll = session.scalars(
        select(Person.code).join(VoteRollEntry, VoteRollEntry.person_id == Person.id)
        .where(VoteRollEntry.vote_id == vote.id, Person.is_developer.is_(False))
        .order_by(VoteRollEntry.household_id)
    )
    voters = [code for code in dict.fromkeys(roll) if code not in skip]
    voters = voters[:math.ceil(len(voters) * share)]
    last = min(opens + (closes - opens) * 0.9, clock.now() - timedelta(hours=1))
    for position, code in enumerate(voters):
        moment = opens + (last - opens) * (position + 1) / (len(voters) + 1)
        with clock.frozen(moment):
            votes.cast_ballot(session, actor, vote, choice=_choice(position, pattern),
                              person_code=code, now=moment)
    demo.created["votes"] += 1
    demo.created["ballots"] += len(voters)
    if closes < clock.now():
        moment = closes + timedelta(minutes=30)
        with clock.frozen(moment):
            votes.close(session, actor, vote, now=moment)
    return vote


def _elect(demo: _Demo, community: Community, *, seats: int, term_start: date,
           term_end: date | None = None) -> Committee:
    """Prepare, vet, elect and install a committee whose term starts on `term_start`."""
    session, street = demo.session, demo.users["street"]
    prepared = term_start - timedelta(days=35)
    with clock.frozen(_at(prepared, 9, 30)):
        committees.prepare(session, street, community, seats=seats,
                           note="社区党组织牵头筹备，业主代表推荐候选人")
    people = _owners(session, community)
    chosen = people[1::max(1, len(people) // (seats + 1))][:seats + 1]
    with clock.frozen(_at(prepared + timedelta(days=2), 10)):
        for code in chosen:
            committees.propose(session, street, community, code)
    with clock.frozen(_at(prepared + timedelta(days=9), 15)):
        for code in chosen[:seats]:
            committees.vet(session, street, community, code, decision="approve",
                           note=APPROVED_NOTE)
        committees.vet(session, street, community, chosen[seats], decision="reject",
                       note=REJECTED_NOTES[0])
    opens = _at(prepared + timedelta(days=14), 9)
    closes = _at(prepared + timedelta(days=28), 18)
    title = (ELECTION[0].format(name=community.name), ELECTION[1])
    _vote(demo, street, community, "elect_committee", title, opens, closes, share=0.8)
    roles = {code: "director" if n == 0 else "deputy" if n == 1 else "member"
             for n, code in enumerate(chosen[:seats])}
    with clock.frozen(_at(prepared + timedelta(days=30), 10)):
        committee = committees.activate(session, street, community, roles=roles,
                                        term_start=term_start, term_end=term_end)
    demo.created["committees"] += 1
    return committee


def _preparing(demo: _Demo) -> None:
    """环卫小区: a committee of 7 being prepared; 8 candidates, vetted or waiting."""
    session, street, community = demo.session, demo.users["street"], demo.community("HWXQ")
    if _has_committee(demo, community):
        demo.created["existing"] += 1
        return
    with clock.frozen(_at(demo.today - timedelta(days=21), 9, 30)):
        committees.prepare(session, street, community, seats=7,
                           note="环卫小区首届业主委员会筹备组成立，街道、社区、业主代表共9人")
    chosen = _owners(session, community)[::15][:8]
    with clock.frozen(_at(demo.today - timedelta(days=19), 10)):
        for code in chosen:
            committees.propose(session, street, community, code)
    with clock.frozen(_at(demo.today - timedelta(days=12), 15)):
        for code in chosen[:5]:
            committees.vet(session, street, community, code, decision="approve",
                           note=APPROVED_NOTE)
        for code, note in zip(chosen[5:7], REJECTED_NOTES, strict=True):
            committees.vet(session, street, community, code, decision="reject", note=note)
    demo.created["committees"] += 1  # the last candidate still waits for the vetting


def _elected_and_hired(demo: _Demo) -> None:
    """人行家属楼: committee elected in pmsys, then a new professional manager by vote."""
    session, street, community = demo.session, demo.users["street"], demo.community("RHJSL")
    if _has_committee(demo, community):
        demo.created["existing"] += 1
        return
    _elect(demo, community, seats=3, term_start=demo.month_start - timedelta(days=120))
    opens = _at(demo.month_start - timedelta(days=60), 9)
    closes = _at(demo.month_start - timedelta(days=40), 18)
    vote = _vote(demo, street, community, "hire_manager", HIRE, opens, closes, share=0.8)
    with clock.frozen(_at(demo.month_start - timedelta(days=35), 10)):
        terms.start_term(session, street, community, mode="professional", org_code="PM-XT",
                         start=demo.month_start, basis_vote_id=vote.id)
    demo.created["terms"] += 1


def _failed_votes(demo: _Demo) -> None:
    """西岳楼: a major matter that failed approval; 大众苑小区: one that failed the quorum."""
    street = demo.users["street"]
    xyl, dzy = demo.community("XYL"), demo.community("DZYXQ")
    if _has_vote(demo, xyl, RAISE_FUND[0]):
        demo.created["existing"] += 1
    else:
        _vote(demo, street, xyl, "raise_maintenance_fund", RAISE_FUND,
              _at(demo.today - timedelta(days=240), 9),
              _at(demo.today - timedelta(days=226), 18), share=0.85, pattern="split")
    if _has_vote(demo, dzy, COMMON_USE[0]):
        demo.created["existing"] += 1
    else:
        _vote(demo, street, dzy, "change_common_use", COMMON_USE,
              _at(demo.today - timedelta(days=100), 9),
              _at(demo.today - timedelta(days=86), 18), share=0.1)


def _open_vote(demo: _Demo) -> None:
    """地矿华庭西区: open until two weeks from today; the `resident` login has not voted."""
    community = demo.community("DKHTXQ")
    if _has_vote(demo, community, USE_FUND[0]):
        demo.created["existing"] += 1
        return
    resident = demo.users.get("resident")
    skip = frozenset({resident.person.code}) if resident and resident.person else frozenset()
    opens = _at(demo.today - timedelta(days=3), 8)
    closes = _at(demo.today + timedelta(days=14), 18)
    _vote(demo, demo.users["committee"], community, "use_maintenance_fund", USE_FUND, opens,
          closes, share=0.2, skip=skip, amount=USE_FUND_AMOUNT)


def _interim_and_community_term(demo: _Demo) -> None:
    """青山剧院住宅楼: interim committee appointed; the street office imposes community mode."""
    session, street = demo.session, demo.users["street"]
    community = demo.community("QSJYZZL")
    if _has_committee(demo, community):
        demo.created["existing"] += 1
        return
    appointed = demo.month_start - timedelta(days=45)
    people = _owners(session, community)
    with clock.frozen(_at(appointed, 10)):
        committees.appoint_interim(
            session, street, community,
            members=[(people[0], "director"), (people[7], "deputy"), (people[15], "member")],
            start=appointed, end=None,
            note="安居物业合同到期撤场；两次推选均未产生足够的业主委员会候选人，"
                 "由街道办组建物业管理委员会")
    with clock.frozen(_at(demo.month_start - timedelta(days=40), 10)):
        terms.start_term(session, street, community, mode="community", org_code="SLQ-DC",
                         start=demo.month_start,
                         basis="原物业服务合同到期，街道决定由东城社区托管，直至业主选聘新物业")
    demo.created["committees"] += 1
    demo.created["terms"] += 1


def _ending_soon(demo: _Demo) -> None:
    """国税局家属楼: a committee of three whose three-year term ends 45 days from today."""
    community = demo.community("GSJJSL")
    if _has_committee(demo, community):
        demo.created["existing"] += 1
        return
    term_end = demo.today + timedelta(days=45)
    term_start = committee_rules.add_years(term_end + timedelta(days=1), -3)
    _elect(demo, community, seats=3, term_start=term_start, term_end=term_end)


def _developer(demo: _Demo) -> None:
    """Mark the owner of two unsold flats in 大众苑小区 as the developer (before its vote)."""
    session, community = demo.session, demo.community(DEVELOPER_IN)
    owner = session.scalar(
        select(Person)
        .join(Household, Household.owner_id == Person.id)
        .join(Unit, Unit.id == Household.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .where(Building.community_id == community.id)
        .group_by(Person.id, Person.code)
        .having(func.count(Household.id) > 1)
        .order_by(Person.code).limit(1)
    )
    if owner is not None and not owner.is_developer:
        owner.is_developer = True
        session.flush()
        demo.created["developers"] += 1


def build_governance_examples(session: Session) -> dict:
    """Give the demo region committees, votes and terms in every state (see the module text).

    Run after the demo bundle is imported. Returns how many committees, votes,
    ballots, terms and developers were created, how many term warnings went
    out, and how many scenarios were already there (`existing`).
    """
    names = ("street", "committee", "resident")
    users = {u.username: u for u in session.scalars(select(User).where(User.username.in_(names)))}
    today = clock.today()
    demo = _Demo(session, users, today, today.replace(day=1))
    if "street" not in users or "committee" not in users:
        return {"committees": 0, "votes": 0, "ballots": 0, "terms": 0, "developers": 0,
                "warned": 0, "existing": 0}
    _developer(demo)
    _preparing(demo)
    _elected_and_hired(demo)
    _failed_votes(demo)
    _open_vote(demo)
    _interim_and_community_term(demo)
    _ending_soon(demo)
    warned = committee_terms.expire_due(session, today)["warned"]
    session.flush()
    return {"committees": demo.created["committees"], "votes": demo.created["votes"],
            "ballots": demo.created["ballots"], "terms": demo.created["terms"],
            "developers": demo.created["developers"], "warned": warned,
            "existing": demo.created["existing"]}
