"""Assembly votes as a service (docs/domain.md#votes): convening, the frozen roll, ballots,
closing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from pmsys.audit import AuditRecord
from pmsys.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleRefused
from pmsys.governance import access
from pmsys.governance.services import votes
from pmsys.models.governance import (
    CandidateStatus,
    Committee,
    CommitteeCandidate,
    CommitteeKind,
    CommitteeStatus,
    Vote,
    VoteBallot,
    VoteRollEntry,
    VoteStatus,
)
from pmsys.models.tickets import Notification
from pmsys.tickets.explain import notification_text as _notification_text
from tests.factories import CommunityFactory
from tests.vote_world import NOW, OWNERS_ON_ROLL, build_vote_world

WEEK = timedelta(days=7)


def notification_text(kind: str, data: dict) -> str:
    """The notification as an English reader sees it."""
    with force_locale("en"):
        return _notification_text(kind, data)


@pytest.fixture
def world(db):
    return build_vote_world()


def convene(db, world, actor=None, *, matter="hire_manager", opens_at=NOW, closes_at=None,
            title="Hire 表决物业 as manager", **kwargs) -> Vote:
    return votes.convene(db.session, actor or world.committee, world.community, matter=matter,
                         title=title, opens_at=opens_at, closes_at=closes_at or opens_at + WEEK,
                         **kwargs)


def audits(db, action: str, vote: Vote | None = None) -> list[AuditRecord]:
    query = select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.id)
    if vote is not None:
        query = query.where(AuditRecord.object_type == "vote",
                            AuditRecord.object_key == str(vote.id))
    return list(db.session.scalars(query))


def cast(db, world, vote, code, choice, *, by=None, paper=False, at=None):
    actor = by or world.residents[code]
    return votes.cast_ballot(db.session, actor, vote, choice=choice,
                             person_code=code if paper else None, now=at)


def notified(db, kind: str) -> dict[str, dict]:
    rows = db.session.execute(select(Notification).where(Notification.kind == kind))
    from pmsys.models.auth import User

    return {db.session.get(User, n.user_id).username: n.data for (n,) in rows}


# --- Convening ----------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["committee", "officer", "sysadmin"])
def test_the_committee_the_street_office_and_a_sysadmin_convene(db, world, who):
    actor = world.users[who]
    vote = convene(db, world, actor, matter="raise_maintenance_fund")
    assert (vote.status, vote.kind, vote.community_id) == (
        VoteStatus.open, "major", world.community.id)
    assert vote.convened_by_id == actor.id
    assert vote.convened_by_org_id == actor.organization_id
    assert vote.roll_frozen_at == NOW
    [record] = audits(db, "vote_convened", vote)
    assert (record.actor, record.data["matter"], record.data["community"]) == (
        actor.username, "raise_maintenance_fund", "VA")


@pytest.mark.parametrize("who", ["manager", "operator", "bureau", "other_officer"])
def test_others_may_not_convene(db, world, who):
    with pytest.raises(Forbidden) as refused:
        convene(db, world, world.users[who])
    assert refused.value.code == "forbidden"
    assert db.session.scalar(select(func.count(Vote.id))) == 0
    assert audits(db, "vote_convened") == []


@pytest.mark.parametrize("code", ["V-O1", "V-T", "V-DEV"])
def test_residents_may_not_convene(db, world, code):
    with pytest.raises(Forbidden):
        convene(db, world, world.residents[code])


def test_a_committee_no_longer_in_office_may_not_convene(db, world):
    committee = access.active_committee(db.session, world.community)
    committee.status = CommitteeStatus.expired
    db.session.flush()
    with pytest.raises(Forbidden):
        convene(db, world)


def test_an_inactive_login_may_not_convene(db, world):
    world.officer.active = False
    with pytest.raises(Forbidden):
        convene(db, world, world.officer)


@pytest.mark.parametrize("changes, field, code", [
    ({"matter": "buy_a_boat"}, "matter", "invalid_input"),
    ({"matter": None}, "matter", "invalid_input"),
    ({"title": ""}, "title", "invalid_input"),
    ({"title": "   "}, "title", "invalid_input"),
    ({"title": "票" * 201}, "title", "invalid_input"),
    ({"title": None}, "title", "invalid_input"),
    ({"closes_at": NOW}, "closes_at", "closes_before_opens"),
    ({"closes_at": NOW - timedelta(minutes=1)}, "closes_at", "closes_before_opens"),
    ({"opens_at": NOW - WEEK, "closes_at": NOW}, "closes_at", "invalid_input"),
    ({"closes_at": NOW + timedelta(days=90, seconds=1)}, "closes_at", "invalid_input"),
    ({"opens_at": NOW.replace(tzinfo=None)}, "opens_at", "invalid_input"),
    ({"closes_at": "2025-09-08T10:00:00+08:00"}, "closes_at", "invalid_input"),
    ({"description": 7}, "description", "invalid_input"),
])
def test_bad_input_is_refused_and_changes_nothing(db, world, changes, field, code):
    with pytest.raises(InvalidInput) as refused:
        convene(db, world, **changes)
    assert refused.value.code == code
    assert field in refused.value.fields
    assert db.session.scalar(select(func.count(Vote.id))) == 0


def test_the_longest_title_and_the_longest_window_are_allowed(db, world):
    vote = convene(db, world, title="票" * 200, closes_at=NOW + timedelta(days=90),
                   description="  why  ")
    assert (len(vote.title), vote.description) == (200, "why")


def test_a_vote_opening_later_waits_with_no_roll(db, world):
    vote = convene(db, world, opens_at=NOW + timedelta(days=1))
    assert (vote.status, vote.roll_frozen_at, vote.kind) == (
        VoteStatus.scheduled, None, "ordinary")
    assert db.session.scalar(select(func.count()).select_from(VoteRollEntry)) == 0
    assert votes.open_if_due(db.session, vote, NOW + timedelta(hours=23)) is False
    assert votes.open_if_due(db.session, vote, NOW + timedelta(days=1)) is True
    assert votes.open_if_due(db.session, vote, NOW + timedelta(days=2)) is False
    assert vote.status is VoteStatus.open
    assert [record.actor for record in audits(db, "vote_opened", vote)] == ["pmsys"]


# --- The roll -----------------------------------------------------------------------------

def test_the_roll_holds_every_part_with_its_owner_and_area(db, world):
    vote = convene(db, world)
    roll = {(entry.household_id, entry.person_id, str(entry.area), entry.developer_unsold)
            for entry in db.session.scalars(select(VoteRollEntry))}
    expected = {(household.id, household.owner_id, str(household.area),
                 household.owner.code == "V-DEV")
                for place, household in world.households.items() if place.startswith("VA/")}
    assert roll == expected and len(roll) == 8
    assert votes.tally(db.session, vote) == {"ballots": 0, "owners": OWNERS_ON_ROLL}
    [record] = audits(db, "vote_opened", vote)
    assert record.data == {"community": "VA", "ballots": 0, "owners": OWNERS_ON_ROLL}


def test_owners_on_the_roll_are_told_the_vote_opened(db, world):
    vote = convene(db, world)
    told = notified(db, "vote_opened")
    assert set(told) == {"v_V-O1", "v_V-O2", "v_V-O3", "v_V-O4", "v_V-O5", "v_V-DEV"}
    assert told["v_V-O1"] == {"vote": vote.id, "title": vote.title, "community": "VA",
                              "community_name": "表决小区",
                              "closes_at": vote.closes_at.isoformat()}
    text = notification_text("vote_opened", told["v_V-O1"])
    assert "表决小区" in text and vote.title in text and "2025-09-08 10:00" in text


def sell(db, world, place, buyer):
    world.households[place].owner = world.persons[buyer]
    db.session.flush()


def test_an_ownership_change_after_opening_does_not_change_the_roll(db, world):
    vote = convene(db, world)
    sell(db, world, "VA/2/1/101", "V-B")  # V-O4 sells to V-B while the vote is open
    with pytest.raises(Forbidden) as refused:
        cast(db, world, vote, "V-B", "approve")
    assert refused.value.code == "not_an_owner"
    with pytest.raises(RuleRefused) as refused:
        cast(db, world, vote, "V-B", "approve", by=world.committee, paper=True)
    assert (refused.value.code, set(refused.value.fields)) == ("not_on_roll", {"person"})
    ballot, _ = cast(db, world, vote, "V-O4", "reject", by=world.committee, paper=True)
    assert ballot.person.code == "V-O4"
    assert votes.may_vote(db.session, world.residents["V-B"], vote) is False
    assert votes.may_vote(db.session, world.residents["V-O4"], vote) is True
    assert votes.tally(db.session, vote) == {"ballots": 1, "owners": OWNERS_ON_ROLL}


def test_an_owner_who_sells_during_the_vote_still_sees_it_and_votes(db, world):
    vote = convene(db, world)
    sell(db, world, "VA/2/1/101", "V-B")  # V-O4's only home here
    seller = world.residents["V-O4"]
    seen = select(Vote.id).where(Vote.id == vote.id, access.vote_clause(seller))
    assert db.session.scalar(seen) == vote.id
    ballot, replaced = cast(db, world, vote, "V-O4", "approve")
    assert (ballot.person.code, ballot.paper, replaced) == ("V-O4", False, False)
    buyer_sees = select(Vote.id).where(Vote.id == vote.id,
                                       access.vote_clause(world.residents["V-B"]))
    assert db.session.scalar(buyer_sees) == vote.id  # a resident of the community now


def test_an_ownership_change_before_opening_does(db, world):
    vote = convene(db, world, opens_at=NOW + timedelta(hours=1))
    sell(db, world, "VA/2/1/101", "V-B")
    assert votes.may_vote(db.session, world.residents["V-B"], vote) is True
    assert votes.may_vote(db.session, world.residents["V-O4"], vote) is False
    later = NOW + timedelta(hours=2)
    ballot, replaced = cast(db, world, vote, "V-B", "approve", at=later)  # opens the vote
    assert (ballot.person.code, replaced, vote.status) == ("V-B", False, VoteStatus.open)
    assert vote.roll_frozen_at == later
    with pytest.raises(RuleRefused):
        cast(db, world, vote, "V-O4", "approve", by=world.officer, paper=True, at=later)


# --- Ballots ------------------------------------------------------------------------------

def test_a_resident_votes_as_themself(db, world):
    vote = convene(db, world)
    ballot, replaced = cast(db, world, vote, "V-O1", "approve")
    assert replaced is False
    assert (ballot.person.code, ballot.choice.value, ballot.paper, ballot.replaced) == (
        "V-O1", "approve", False, 0)
    assert (ballot.cast_at, ballot.cast_by_id) == (NOW, world.residents["V-O1"].id)
    assert votes.own_ballot(db.session, world.residents["V-O1"], vote) is ballot
    assert votes.own_ballot(db.session, world.residents["V-O2"], vote) is None
    assert votes.own_ballot(db.session, world.officer, vote) is None
    [record] = audits(db, "ballot_cast", vote)
    assert (record.actor, record.data) == (
        "v_V-O1", {"person": "V-O1", "choice": "approve", "paper": False})


def test_the_developer_votes_for_its_unsold_parts(db, world):
    vote = convene(db, world)
    ballot, _ = cast(db, world, vote, "V-DEV", "reject")
    assert ballot.person.code == "V-DEV"


@pytest.mark.parametrize("who, error, code", [
    ("V-T", Forbidden, "not_an_owner"),  # a tenant sees the vote but has none
    ("V-X1", NotFound, "vote_not_found"),  # an owner of another community
    ("V-B", NotFound, "vote_not_found"),  # owns nothing, sees nothing
])
def test_who_is_not_an_owner_here_cannot_vote(db, world, who, error, code):
    vote = convene(db, world)
    with pytest.raises(error) as refused:
        cast(db, world, vote, who, "approve")
    assert refused.value.code == code
    assert db.session.scalar(select(func.count(VoteBallot.id))) == 0


@pytest.mark.parametrize("who", ["officer", "committee", "sysadmin", "manager"])
def test_staff_have_no_ballot_of_their_own(db, world, who):
    vote = convene(db, world)
    with pytest.raises(Forbidden) as refused:
        votes.cast_ballot(db.session, world.users[who], vote, choice="approve")
    assert refused.value.code == "not_an_owner"


def test_staff_who_do_not_see_the_community_get_not_found(db, world):
    vote = convene(db, world)
    with pytest.raises(NotFound):
        votes.cast_ballot(db.session, world.users["other_officer"], vote, choice="approve",
                          person_code="V-O1")
    with pytest.raises(Forbidden) as refused:  # the operator sees VA but convenes nothing
        votes.cast_ballot(db.session, world.users["operator"], vote, choice="approve",
                          person_code="V-O1")
    assert refused.value.code == "forbidden"


@pytest.mark.parametrize("choice", ["yes", "", None, "APPROVE"])
def test_an_unknown_choice_is_refused(db, world, choice):
    vote = convene(db, world)
    with pytest.raises(InvalidInput) as refused:
        cast(db, world, vote, "V-O1", choice)
    assert "choice" in refused.value.fields


@pytest.mark.parametrize("who", ["committee", "officer"])
def test_the_convening_side_records_paper_ballots_for_named_owners(db, world, who):
    vote = convene(db, world)
    ballot, replaced = cast(db, world, vote, "V-O2", "abstain", by=world.users[who], paper=True)
    assert (ballot.person.code, ballot.paper, ballot.cast_by_id, replaced) == (
        "V-O2", True, world.users[who].id, False)
    [record] = audits(db, "ballot_cast", vote)
    assert (record.actor, record.data) == (
        world.users[who].username, {"person": "V-O2", "choice": "abstain", "paper": True})


@pytest.mark.parametrize("who", ["V-O1", "V-O2"])
def test_a_resident_may_not_name_a_person(db, world, who):
    vote = convene(db, world)
    with pytest.raises(Forbidden) as refused:
        votes.cast_ballot(db.session, world.residents["V-O1"], vote, choice="approve",
                          person_code=who)
    assert refused.value.code == "forbidden"
    with pytest.raises(Forbidden):
        votes.cast_ballot(db.session, world.users["manager"], vote, choice="approve",
                          person_code="V-O1")


@pytest.mark.parametrize("person", ["NOBODY", "V-T", "V-X1", "V-B", "", 7])
def test_a_paper_ballot_needs_someone_on_the_roll(db, world, person):
    vote = convene(db, world)
    with pytest.raises(RuleRefused) as refused:
        votes.cast_ballot(db.session, world.committee, vote, choice="approve",
                          person_code=person)
    assert (refused.value.code, set(refused.value.fields)) == ("not_on_roll", {"person"})


def test_a_later_ballot_replaces_the_earlier(db, world):
    vote = convene(db, world)
    first, _ = cast(db, world, vote, "V-O1", "approve")
    second, replaced = cast(db, world, vote, "V-O1", "reject", at=NOW + timedelta(hours=1))
    assert second is first and replaced is True
    assert (second.choice.value, second.replaced, second.cast_at) == (
        "reject", 1, NOW + timedelta(hours=1))
    third, replaced = cast(db, world, vote, "V-O1", "abstain", by=world.committee, paper=True,
                           at=NOW + timedelta(hours=2))
    assert replaced is True
    assert (third.choice.value, third.replaced, third.paper, third.cast_by_id) == (
        "abstain", 2, True, world.committee.id)
    assert db.session.scalar(select(func.count(VoteBallot.id))) == 1
    assert [r.data["choice"] for r in audits(db, "ballot_replaced", vote)] == [
        "reject", "abstain"]
    assert votes.tally(db.session, vote)["ballots"] == 1


def test_no_ballot_before_the_vote_opens(db, world):
    vote = convene(db, world, opens_at=NOW + timedelta(days=1))
    with pytest.raises(Conflict) as refused:
        cast(db, world, vote, "V-O1", "approve")
    assert refused.value.code == "vote_not_open"


def test_no_ballot_from_the_closing_time_on(db, world):
    vote = convene(db, world)
    cast(db, world, vote, "V-O1", "approve", at=vote.closes_at - timedelta(seconds=1))
    with pytest.raises(Conflict) as refused:
        cast(db, world, vote, "V-O2", "approve", at=vote.closes_at)
    assert refused.value.code == "vote_closed"


def test_no_ballot_after_close(db, world):
    vote = convene(db, world)
    votes.close(db.session, world.committee, vote, vote.closes_at)
    with pytest.raises(Conflict) as refused:
        cast(db, world, vote, "V-O1", "approve", at=vote.closes_at - timedelta(hours=1))
    assert refused.value.code == "vote_closed"


# --- Closing ------------------------------------------------------------------------------

def test_a_vote_is_not_closed_before_its_time(db, world):
    vote = convene(db, world)
    with pytest.raises(Conflict) as refused:
        votes.close(db.session, world.committee, vote, vote.closes_at - timedelta(seconds=1))
    assert refused.value.code == "vote_not_over"
    assert vote.status is VoteStatus.open


@pytest.mark.parametrize("who", ["manager", "bureau", "operator", "other_officer"])
def test_only_the_convening_side_closes(db, world, who):
    vote = convene(db, world)
    with pytest.raises(Forbidden):
        votes.close(db.session, world.users[who], vote, vote.closes_at)
    with pytest.raises(Forbidden):
        votes.close(db.session, world.residents["V-O1"], vote, vote.closes_at)
    assert vote.status is VoteStatus.open


def close_with(db, world, ballots, matter="hire_manager", closer=None):
    vote = convene(db, world, matter=matter)
    for minutes, (code, choice) in enumerate(ballots):
        cast(db, world, vote, code, choice, at=NOW + timedelta(minutes=minutes))
    return vote, votes.close(db.session, closer or world.officer, vote, vote.closes_at)


def test_close_counts_owners_once_and_stores_the_result(db, world):
    vote, result = close_with(db, world, [
        ("V-O1", "approve"),  # two parts, 120 m², one owner
        ("V-O2", "approve"), ("V-O3", "reject"), ("V-O4", "abstain"),
        ("V-DEV", "approve"),  # two unsold parts, 100 m², one owner
    ])
    assert result == {
        "passed": True, "kind": "ordinary", "reason": "passed",
        "participation": {"area_ratio": "0.8200", "owner_ratio": "0.8333"},
        "approval": {"area_ratio": "0.6829", "owner_ratio": "0.6000"},
        "thresholds": {"quorum": "2/3", "quorum_rule": "at_least", "approval": "1/2",
                       "approval_rule": "more_than"},
        "owners": 6, "participants": 5, "approving": 3,
        "counts": {"owners": 6, "participants": 5, "approving": 3, "total_area": "500.00",
                   "participating_area": "410.00", "approving_area": "280.00"},
    }
    db.session.expire_all()
    stored = db.session.get(Vote, vote.id)
    assert (stored.status, stored.passed, stored.reason, stored.result) == (
        VoteStatus.closed, True, "passed", result)
    assert (stored.closed_at, stored.closed_by_id) == (vote.closes_at, world.officer.id)
    [record] = audits(db, "vote_closed", vote)
    assert (record.actor, record.data) == (
        "v_officer", {"community": "VA", "passed": True, "reason": "passed"})


def test_abstentions_take_part_without_approving(db, world):
    _, result = close_with(db, world, [
        ("V-O1", "approve"), ("V-O2", "approve"), ("V-O3", "abstain"), ("V-O4", "abstain"),
        ("V-DEV", "abstain"), ("V-O5", "reject"),
    ])
    assert (result["passed"], result["reason"]) == (False, "approval_area")
    assert result["participation"] == {"area_ratio": "1.0000", "owner_ratio": "1.0000"}
    assert result["counts"]["approving_area"] == "180.00"


def test_too_few_taking_part_fails_the_quorum(db, world):
    _, result = close_with(db, world, [("V-O1", "approve"), ("V-DEV", "approve")])
    assert (result["passed"], result["reason"]) == (False, "quorum_area")
    assert result["participation"] == {"area_ratio": "0.4400", "owner_ratio": "0.3333"}


def test_a_major_matter_needs_three_quarters(db, world):
    ballots = [("V-O1", "approve"), ("V-O2", "approve"), ("V-O3", "approve"),
               ("V-O4", "reject"), ("V-DEV", "approve"), ("V-O5", "approve")]
    _, result = close_with(db, world, ballots, matter="rebuild")
    # 430 of 500 m² approve (0.86) but 5 of 6 owners (0.8333): both at least 3/4.
    assert (result["passed"], result["kind"]) == (True, "major")
    assert result["thresholds"]["approval"] == "3/4"


def test_only_the_latest_ballot_counts(db, world):
    vote = convene(db, world)
    for code in ("V-O1", "V-O2", "V-O3", "V-O4", "V-O5", "V-DEV"):
        cast(db, world, vote, code, "approve")
    cast(db, world, vote, "V-O1", "reject", at=NOW + timedelta(hours=1))
    cast(db, world, vote, "V-O5", "reject", by=world.committee, paper=True,
         at=NOW + timedelta(hours=1))
    result = votes.close(db.session, world.committee, vote, vote.closes_at)
    assert (result["participants"], result["approving"]) == (6, 4)
    assert result["counts"]["approving_area"] == "290.00"
    assert (result["passed"], result["reason"]) == (True, "passed")


def test_the_result_is_told_to_the_committee_and_the_street_office(db, world):
    vote, result = close_with(db, world, [("V-O1", "approve")])
    told = notified(db, "vote_result")
    assert set(told) == {"v_committee", "v_officer"}
    assert told["v_officer"] == {"vote": vote.id, "title": vote.title, "community": "VA",
                                 "community_name": "表决小区", "passed": False,
                                 "reason": "quorum_area"}
    text = notification_text("vote_result", told["v_officer"])
    assert "表决小区" in text and vote.title in text and "too little of the area" in text
    assert "passed" in notification_text("vote_result", {**told["v_officer"], "passed": True})


def test_a_vote_closes_once(db, world):
    vote, _ = close_with(db, world, [("V-O1", "approve")])
    with pytest.raises(Conflict) as refused:
        votes.close(db.session, world.committee, vote, vote.closes_at + WEEK)
    assert refused.value.code == "vote_closed"
    assert len(audits(db, "vote_closed", vote)) == 1


def test_a_vote_that_never_opened_opens_empty_when_closed(db, world):
    vote = convene(db, world, opens_at=NOW + timedelta(days=1))
    result = votes.close(db.session, world.committee, vote, vote.closes_at)
    assert vote.status is VoteStatus.closed and vote.roll_frozen_at == vote.closes_at
    assert (result["reason"], result["participants"], result["owners"]) == (
        "quorum_area", 0, OWNERS_ON_ROLL)
    assert len(audits(db, "vote_opened", vote)) == 1


def test_the_scheduler_closes_without_a_closer(db, world):
    vote = votes.convene(db.session, world.users["sysadmin"], world.other_community,
                         matter="other", title="One owner", opens_at=NOW, closes_at=NOW + WEEK)
    votes.cast_ballot(db.session, world.residents["V-X1"], vote, choice="approve")
    result = votes.close(db.session, "scheduler", vote, vote.closes_at)
    assert (result["passed"], result["reason"], result["owners"]) == (True, "passed", 1)
    assert vote.closed_by_id is None
    assert audits(db, "vote_closed", vote)[0].actor == "scheduler"


def test_a_community_without_households_has_an_empty_roll(db, world):
    empty = CommunityFactory(code="VE", street=world.community.street)
    vote = votes.convene(db.session, world.officer, empty, matter="other", title="Nobody",
                         opens_at=NOW, closes_at=NOW + WEEK)
    assert votes.tally(db.session, vote) == {"ballots": 0, "owners": 0}
    result = votes.close(db.session, world.officer, vote, vote.closes_at)
    assert (result["passed"], result["reason"]) == (False, "empty_roll")


# --- Elections ------------------------------------------------------------------------------

def prepare(db, world, approved=("V-O1", "V-O2", "V-O3"), others=()):
    committee = Committee(community=world.community, kind=CommitteeKind.owners,
                          status=CommitteeStatus.preparing, seats=3)
    for code in approved:
        committee.candidates.append(CommitteeCandidate(
            person=world.persons[code], status=CandidateStatus.approved))
    for code, status in others:
        committee.candidates.append(CommitteeCandidate(person=world.persons[code],
                                                       status=status))
    db.session.add(committee)
    db.session.flush()
    return committee


def test_an_election_needs_a_committee_in_preparation(db, world):
    with pytest.raises(RuleRefused) as refused:
        convene(db, world, world.officer, matter="elect_committee")
    assert refused.value.code == "no_committee_in_preparation"


def test_an_election_needs_approved_candidates_that_fit(db, world):
    prepare(db, world, approved=("V-O1", "V-O2"),
            others=[("V-O3", CandidateStatus.proposed), ("V-O4", CandidateStatus.rejected)])
    with pytest.raises(RuleRefused) as refused:
        convene(db, world, world.officer, matter="elect_committee")
    assert refused.value.code == "candidates_do_not_fit"
    assert "3" in refused.value.message and "11" in refused.value.message
    assert db.session.scalar(select(func.count(Vote.id))) == 0


def test_an_election_is_convened_for_the_committee_being_prepared(db, world):
    committee = prepare(db, world)
    vote = convene(db, world, world.officer, matter="elect_committee")
    assert (vote.committee_id, vote.kind) == (committee.id, "ordinary")
    assert audits(db, "vote_convened", vote)[0].data["committee"] == committee.id
    with pytest.raises(Conflict) as refused:
        convene(db, world, world.officer, matter="elect_committee")
    assert refused.value.code == "election_under_way"
    votes.close(db.session, world.officer, vote, vote.closes_at)
    again = convene(db, world, world.officer, matter="elect_committee",
                    opens_at=vote.closes_at, closes_at=vote.closes_at + WEEK,
                    now=vote.closes_at)
    assert again.committee_id == committee.id


def test_other_matters_name_no_committee(db, world):
    prepare(db, world)
    assert convene(db, world).committee_id is None


# --- Who may vote ---------------------------------------------------------------------------

def test_may_vote_follows_the_roll(db, world):
    vote = convene(db, world)
    assert votes.may_vote(db.session, world.residents["V-O1"], vote) is True
    assert votes.may_vote(db.session, world.residents["V-DEV"], vote) is True
    for code in ("V-T", "V-X1", "V-B"):
        assert votes.may_vote(db.session, world.residents[code], vote) is False
    assert votes.may_vote(db.session, world.officer, vote) is False
    world.residents["V-O1"].active = False
    assert votes.may_vote(db.session, world.residents["V-O1"], vote) is False


def test_a_refused_ballot_records_nothing(db, world):
    vote = convene(db, world)
    with pytest.raises(Forbidden):
        cast(db, world, vote, "V-T", "approve")
    assert audits(db, "ballot_cast") == [] and audits(db, "ballot_replaced") == []


def test_the_term_ending_warning_reads_as_a_sentence(db, world):
    text = notification_text("committee_term_ending", {
        "community": "VA", "community_name": "表决小区", "term_end": "2025-11-30", "days": 90})
    assert "表决小区" in text and "2025-11-30" in text and "90" in text


def test_vote_notifications_read_as_sentences_on_the_notifications_page(db, world, login_as):
    vote = convene(db, world)
    db.session.commit()
    page = login_as(world.residents["V-O2"]).get("/notifications")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert vote.title in body and "vote_opened" not in body
