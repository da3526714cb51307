"""The demo governance: every committee and vote state, through the services, once."""

from __future__ import annotations

import time as timer
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pmsys import clock
from pmsys.audit import AuditRecord
from pmsys.demo.governance import build_governance_examples
from pmsys.demo.places import DEMO_LOGINS, build_bundle
from pmsys.governance.services import committee_terms, committees, coverage, votes
from pmsys.imports.services import import_bundle
from pmsys.models.auth import User
from pmsys.models.governance import (
    CandidateStatus,
    Committee,
    CommitteeCandidate,
    CommitteeKind,
    CommitteeMember,
    ManagementMode,
    ManagementTerm,
    MemberRole,
    Vote,
    VoteBallot,
    VoteRollEntry,
    VoteStatus,
)
from pmsys.models.places import Building, Community, Household, Person, Unit
from pmsys.models.tickets import Notification

TABLES = (Committee, CommitteeCandidate, CommitteeMember, Vote, VoteBallot, VoteRollEntry,
          ManagementTerm, Notification, AuditRecord, Person)
IMPORTED = ("DKHTXQ", "DZYXQ", "TJJSL", "XYL")


@pytest.fixture
def demo(db):
    """The governance examples on the demo bundle (tests using this start from demo_bundle)."""
    started = timer.monotonic()
    summary = build_governance_examples(db.session)
    db.session.commit()
    summary["seconds"] = timer.monotonic() - started
    return summary


def community(session, code: str) -> Community:
    return session.scalar(select(Community).where(Community.code == code))


def user(session, username: str) -> User:
    return session.scalar(select(User).where(User.username == username))


def owned_in(session, person_id: int) -> set[str]:
    return set(session.scalars(
        select(Community.code).join(Building, Building.community_id == Community.id)
        .join(Unit, Unit.building_id == Building.id).join(Household, Household.unit_id == Unit.id)
        .where(Household.owner_id == person_id)))


def votes_of(session, code: str) -> list[Vote]:
    return list(session.scalars(select(Vote).join(Community).where(Community.code == code)
                                .order_by(Vote.id)))


def terms_of(session, code: str) -> list[ManagementTerm]:
    return list(session.scalars(select(ManagementTerm).join(Community)
                                .where(Community.code == code).order_by(ManagementTerm.start)))


def counts(session) -> dict[str, int]:
    return {table.__name__: session.scalar(select(func.count()).select_from(table))
            for table in TABLES}


@pytest.mark.database("demo_bundle")
def test_every_committee_state_is_shown(db, demo):
    session = db.session
    assert demo["committees"] == 4 and demo["existing"] == 0
    assert demo["seconds"] < 15, demo["seconds"]  # a few seconds at most on a quiet machine
    status = {code: committees.status_of(session, community(session, code))
              for code in ("YXJSL", "HWXQ", "RHJSL", "QSJYZZL", "GSJJSL", *IMPORTED)}
    assert status == {"YXJSL": "none", "HWXQ": "preparing", "RHJSL": "active",
                      "QSJYZZL": "active", "GSJJSL": "active",
                      **{code: "active" for code in IMPORTED}}

    # The walk-through starts where the login resident3 owns a flat and no committee exists.
    walker = user(session, "resident3")
    assert "resident3" in [login for login, _, _ in DEMO_LOGINS]
    assert "YXJSL" in owned_in(session, walker.person_id)
    assert votes_of(session, "YXJSL") == []

    preparing = committees.current(session, community(session, "HWXQ"))["preparing"]
    assert Counter(c.status for c in preparing.candidates) == {
        CandidateStatus.approved: 5, CandidateStatus.rejected: 2, CandidateStatus.proposed: 1}
    assert all(c.note for c in preparing.candidates if c.status is CandidateStatus.rejected)
    assert preparing.seats == 7

    elected = committees.current(session, community(session, "RHJSL"))["active"]
    assert elected.kind is CommitteeKind.owners and elected.term_start is not None
    roles = Counter(m.role for m in elected.members)
    assert roles[MemberRole.director] == 1 and sum(roles.values()) == 3
    election = session.scalar(select(Vote).where(Vote.committee_id == elected.id))
    assert (election.matter, election.status, election.passed) == (
        "elect_committee", VoteStatus.closed, True)

    interim = committees.current(session, community(session, "QSJYZZL"))["active"]
    assert interim.kind is CommitteeKind.interim and interim.note
    for code in IMPORTED:
        imported = committees.current(session, community(session, code))["active"]
        assert (imported.kind, imported.term_start, imported.term_end) == (
            CommitteeKind.owners, None, None)

    today, street = clock.today(), user(session, "street")
    ending = committees.current(session, community(session, "GSJJSL"))["active"]
    assert today < ending.term_end <= today + timedelta(days=90)
    assert ending in committee_terms.ending_soon(session, street, today)
    assert ending.warned_at is not None and demo["warned"] == 1
    assert session.scalar(select(Notification.id).where(
        Notification.user_id == street.id, Notification.kind == "committee_term_ending"))


@pytest.mark.database("demo_bundle")
def test_every_vote_state_and_the_terms_they_lead_to(db, demo):
    session = db.session
    today, now = clock.today(), clock.now()
    month_start = today.replace(day=1)
    street = user(session, "street")

    hire = next(v for v in votes_of(session, "RHJSL") if v.matter == "hire_manager")
    assert (hire.status, hire.passed, hire.reason) == (VoteStatus.closed, True, "passed")
    old, new = terms_of(session, "RHJSL")[-2:]
    assert new.basis_vote_id == hire.id and new.mode is ManagementMode.professional
    assert (new.organization.code, new.start, new.end) == ("PM-XT", month_start, None)
    assert new.decided_by_id == street.id and new.covers(today)
    assert old.end == month_start - timedelta(days=1) and old.ended_by_id == street.id

    [approval] = votes_of(session, "XYL")
    [quorum] = votes_of(session, "DZYXQ")
    for vote, reason in ((approval, "approval_"), (quorum, "quorum_")):
        assert vote.status is VoteStatus.closed and vote.passed is False
        assert vote.reason.startswith(reason), vote.reason
        assert {"participation", "approval", "thresholds", "counts"} <= set(vote.result)
    assert approval.kind == "major"

    # The developer's unsold flats are on the roll of 大众苑小区's vote, counted as one owner.
    developer = session.scalar(select(Person).where(Person.is_developer.is_(True)))
    assert owned_in(session, developer.id) == {"DZYXQ"}
    unsold = session.scalars(select(VoteRollEntry).where(
        VoteRollEntry.vote_id == quorum.id, VoteRollEntry.developer_unsold.is_(True))).all()
    assert len(unsold) >= 2 and {entry.person_id for entry in unsold} == {developer.id}

    [open_vote] = votes_of(session, "DKHTXQ")
    resident = user(session, "resident")
    assert open_vote.status is VoteStatus.open
    assert open_vote.closes_at > now + timedelta(days=13) and open_vote.opens_at < now
    assert votes.may_vote(session, resident, open_vote)
    assert votes.own_ballot(session, resident, open_vote) is None
    assert open_vote.convened_by_org.code == "OC-DKHTXQ"
    assert 0 < votes.tally(session, open_vote)["ballots"] < votes.tally(session, open_vote)[
        "owners"] * 2 / 3

    *_, before, imposed = terms_of(session, "QSJYZZL")
    assert (imposed.mode, imposed.organization.code, imposed.basis_vote_id) == (
        ManagementMode.community, "SLQ-DC", None)
    assert imposed.start == month_start and imposed.decided_by_id == street.id and imposed.basis
    assert before.end == month_start - timedelta(days=1)

    report = coverage.coverage(session, street, today)
    assert report["total"]["by_mode"]["community"] >= 1
    assert {row["code"] for row in report["uncovered"]} == {"HHECJSL", "GAJJSL", "GDJSL"}


@pytest.mark.database("demo_bundle")  # the demo bundle imported into an empty database
def test_running_it_twice_changes_nothing_and_ownership_never_changes(db):
    owners = sorted(db.session.execute(select(Household.id, Household.owner_id)).all())
    build_governance_examples(db.session)
    db.session.commit()
    before = counts(db.session)

    again = build_governance_examples(db.session)
    db.session.commit()
    assert again == {"committees": 0, "votes": 0, "ballots": 0, "terms": 0, "developers": 0,
                     "warned": 0, "existing": 7}
    assert counts(db.session) == before
    assert sorted(db.session.execute(select(Household.id, Household.owner_id)).all()) == owners
    # The bundle imported again keeps the developer flag and changes nothing either.
    summary = import_bundle(db.session, build_bundle(), actor="demo")
    assert all(t["created"] == t["updated"] == 0 for t in summary.counts.values())
