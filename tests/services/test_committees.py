"""Owners' committees over their life (docs/domain.md#committees): none → preparing → active →
expired."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from pmsys import clock
from pmsys.audit import AuditRecord
from pmsys.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleRefused
from pmsys.extensions import db as _db
from pmsys.governance import committees as committee_rules
from pmsys.governance.services import committee_terms as jobs
from pmsys.governance.services import committees
from pmsys.models.auth import Organization, OrgKind, Role
from pmsys.models.governance import (
    CandidateStatus,
    CommitteeKind,
    CommitteeStatus,
    MemberRole,
    Vote,
    VoteStatus,
)
from pmsys.models.places import Person, Setting
from pmsys.models.tickets import Notification
from pmsys.places import services as places
from tests.factories import HouseholdFactory, PersonFactory, UserFactory, staff
from tests.world import build_world

D = date.fromisoformat


@pytest.fixture
def world(db):
    world = build_world()
    # Two more owners in CA (5 households: a committee of 3 fits), each with a login.
    unit = world.households["CA/1/1/101"].unit
    for code in ("P-D", "P-E"):
        person = PersonFactory(code=code, name=f"业主{code}")
        HouseholdFactory(unit=unit, code=code, owner=person, area=Decimal("50.00"))
        world.users[code] = UserFactory(role=Role.resident, person=person, username=code)
    world.users["officer_s2"] = staff(
        Role.street_officer, _org(OrgKind.street_office, "SO-S2", world.streets["S2"]))
    _db.session.commit()
    return world


def _org(kind, code, region=None):
    org = Organization(code=code, name=code, kind=kind, region=region)
    _db.session.add(org)
    _db.session.flush()
    return org


def ca(world):
    return world.communities["CA"]


def audits(action):
    return list(_db.session.scalars(select(AuditRecord).where(AuditRecord.action == action)))


def elect(committee, *, passed=True, status=VoteStatus.closed,
          closed_at=datetime(2025, 6, 1, 17, 0, tzinfo=UTC)):
    """A closed election vote for `committee`, built by hand (services.votes is not needed)."""
    vote = Vote(community_id=committee.community_id, committee_id=committee.id,
                matter="elect_committee", kind="ordinary", title="选举业委会",
                opens_at=closed_at - timedelta(days=7), closes_at=closed_at, status=status,
                roll_frozen_at=closed_at - timedelta(days=7),
                closed_at=closed_at if status is VoteStatus.closed else None,
                passed=passed if status is VoteStatus.closed else None,
                reason=("passed" if passed else "quorum_not_met")
                if status is VoteStatus.closed else None)
    _db.session.add(vote)
    _db.session.flush()
    return vote


def slate(world, *, seats=3):
    """A preparing committee of CA with P-A, P-AC and P-D approved and P-E rejected."""
    officer = world.users["officer"]
    committee = committees.prepare(_db.session, officer, ca(world), seats=seats)
    for code in ("P-A", "P-AC", "P-D", "P-E"):
        committees.propose(_db.session, officer, ca(world), code)
    for code in ("P-A", "P-AC", "P-D"):
        committees.vet(_db.session, officer, ca(world), code, decision="approve", note="")
    committees.vet(_db.session, officer, ca(world), "P-E", decision="reject", note="欠费未缴")
    return committee


ROLES = {"P-A": "director", "P-AC": "deputy", "P-D": "member"}


# --- the whole life --------------------------------------------------------------------------


def test_a_committee_from_preparation_to_expiry(world):
    session, officer = _db.session, world.users["officer"]
    community = ca(world)
    old = committees.current(session, community)["active"]  # OC-A, from the fixture
    assert committees.status_of(session, community) == "active"

    committee = committees.prepare(session, officer, community, seats=3, note="换届")
    assert committee.status is CommitteeStatus.preparing and committee.seats == 3
    assert committees.status_of(session, community) == "preparing"
    assert committees.current(session, community) == {"active": old, "preparing": committee}

    committees.propose(session, officer, community, "P-A")
    # Owners propose themselves; a neighbour who owns in CA and CC may too.
    committees.propose(session, world.users["resident_ac"], community, "P-AC")
    mine = committees.propose(session, world.users["P-D"], community, "P-D")
    assert mine.status is CandidateStatus.proposed
    assert mine.proposed_by_id == world.users["P-D"].id
    committees.propose(session, world.users["P-E"], community, "P-E")
    for code in ROLES:
        committees.vet(session, officer, community, code, decision="approve", note="")
    rejected = committees.vet(session, officer, community, "P-E", decision="reject",
                              note="  欠费未缴  ")
    assert (rejected.status, rejected.note) == (CandidateStatus.rejected, "欠费未缴")
    assert rejected.vetted_by_id == officer.id and rejected.vetted_at is not None

    vote = elect(committee)
    active = committees.activate(session, officer, community, roles=ROLES,
                                 term_start=D("2025-06-02"))
    assert active is committee and active.status is CommitteeStatus.active
    assert active.term_end == D("2030-06-01")  # the longest allowed
    assert active.activated_by_id == officer.id
    # The community's one organisation is reused and named for an owners' committee.
    assert active.organization.code == "OC-A"
    assert active.organization.name == "供销楼小区业主委员会"
    assert {(m.person.code, m.role) for m in active.members} == {
        ("P-A", MemberRole.director), ("P-AC", MemberRole.deputy), ("P-D", MemberRole.member)}
    # The committee it succeeds ended the day before.
    assert old.status is CommitteeStatus.expired
    assert (old.ended_on, old.end_reason) == (D("2025-06-01"), "succeeded")
    # The members' resident logins became committee logins of the organisation.
    for name in ("resident_a", "resident_ac", "P-D"):
        user = world.users[name]
        assert (user.role, user.organization_id) == (Role.committee_member, active.organization_id)
    assert world.users["P-E"].role is Role.resident
    assert world.users["committee_a"].role is Role.committee_member  # a staff login: untouched
    assert {a.object_key for a in audits("role_granted")} == {"resident_a", "resident_ac", "P-D"}
    [activated] = audits("committee_activated")
    assert activated.data["vote"] == vote.id and activated.data["members"] == ROLES
    assert committees.status_of(session, community) == "active"
    assert committees.history(session, community) == [committee, old]

    committees.expire(session, officer, committee, on=D("2026-01-31"), reason="集体辞职")
    assert committee.status is CommitteeStatus.expired
    assert (committee.ended_on, committee.end_reason) == (D("2026-01-31"), "集体辞职")
    assert committee.ended_by_id == officer.id
    for name in ("resident_a", "resident_ac", "P-D"):
        assert (world.users[name].role, world.users[name].organization_id) == (Role.resident, None)
    assert {a.object_key for a in audits("role_revoked")} == {"resident_a", "resident_ac", "P-D"}
    assert committees.status_of(session, community) == "expired"
    assert {a.action for a in _db.session.scalars(select(AuditRecord))} >= {
        "committee_prepared", "candidate_proposed", "candidate_vetted", "committee_activated",
        "committee_expired"}


def test_a_first_committee_gets_a_new_organisation(world):
    session, officer = _db.session, world.users["office_officer"]
    community = world.communities["CC"]
    assert committees.status_of(session, community) == "none"
    assert committees.current(session, community) == {"active": None, "preparing": None}
    committee = committees.prepare(session, officer, community, seats=3)
    unit = world.households["CC/1/1/101"].unit
    for code in ("P-X", "P-Y"):
        HouseholdFactory(unit=unit, owner=PersonFactory(code=code))
    for code in ("P-AC", "P-X", "P-Y"):
        committees.propose(session, officer, community, code)
        committees.vet(session, officer, community, code, decision="approve", note="ok")
    elect(committee)
    committees.activate(session, officer, community,
                        roles={"P-AC": "director", "P-X": "member", "P-Y": "member"},
                        term_start=D("2025-07-01"), term_end=D("2028-06-30"))
    org = committee.organization
    assert (org.code, org.name, org.kind) == ("CC-YWH", "无人管小区业主委员会",
                                              OrgKind.owners_committee)
    assert org.community_id == community.id and org.region_id == community.street_id
    # resident_ac's login now belongs to CC's committee (it sees CC only).
    assert world.users["resident_ac"].organization_id == org.id
    assert committees.committee_org(session, community, "x") is org and org.name == "x"


# --- preparing -------------------------------------------------------------------------------


@pytest.mark.parametrize("login", ["officer_s2", "office_officer", "bureau", "manager_a",
                                   "resident_a", "committee_a", "operator_in"])
def test_only_the_street_office_prepares(world, login):
    with pytest.raises(Forbidden):
        committees.prepare(_db.session, world.users[login], ca(world), seats=3)
    assert committees.status_of(_db.session, ca(world)) == "active"


def test_a_sysadmin_may_prepare(world):
    committee = committees.prepare(_db.session, world.users["sysadmin"], ca(world), seats=5)
    assert committee.started_by_id == world.users["sysadmin"].id


def test_one_preparation_at_a_time(world):
    committees.prepare(_db.session, world.users["officer"], ca(world), seats=3)
    with pytest.raises(Conflict) as refused:
        committees.prepare(_db.session, world.users["officer"], ca(world), seats=3)
    assert refused.value.code == "committee_in_preparation"


@pytest.mark.parametrize("seats", [2, 4, 13, 0, "3", True, None])
def test_seats_must_fit_the_rules(world, seats):
    with pytest.raises(InvalidInput) as refused:
        committees.prepare(_db.session, world.users["officer"], ca(world), seats=seats)
    assert set(refused.value.fields) == {"seats"}
    assert "from 3 to 11" in refused.value.message


def test_the_city_setting_decides_the_size(world):
    session = _db.session
    # The district's setting (nearer) wins over the city's.
    session.add(Setting(scope="BT", key="committee_rules", value={"max_members": 9}))
    session.add(Setting(scope="D1", key="committee_rules", value={"small_households": 4}))
    session.flush()
    assert committees.rules_for(session, ca(world))["small_households"] == 4
    assert committees.rules_for(session, ca(world))["max_members"] == 11
    with pytest.raises(InvalidInput) as refused:  # CA has 5 households: more than 4
        committees.prepare(session, world.users["officer"], ca(world), seats=3)
    assert "from 5 to 11" in refused.value.message
    assert committees.prepare(session, world.users["officer"], ca(world), seats=5).seats == 5


def test_the_default_rules_are_a_setting():
    assert committee_rules.DEFAULT_RULES["warn_days"] == 90


# --- candidates ------------------------------------------------------------------------------


def test_propose_refusals(world):
    session, officer, community = _db.session, world.users["officer"], ca(world)
    with pytest.raises(RuleRefused) as refused:
        committees.propose(session, officer, community, "P-A")
    assert refused.value.code == "no_committee_in_preparation"
    committee = committees.prepare(session, officer, community, seats=3)
    developer = PersonFactory(code="DEV", is_developer=True)
    HouseholdFactory(unit=world.households["CA/1/1/101"].unit, owner=developer)
    for code in ("P-T", "P-B", "NOPE", "DEV", None, 7):  # tenant, other community, unknown…
        with pytest.raises(RuleRefused) as refused:
            committees.propose(session, officer, community, code)
        assert (refused.value.code, set(refused.value.fields)) == ("not_an_owner", {"person"})
    committees.propose(session, officer, community, "P-A")
    with pytest.raises(Conflict) as refused:
        committees.propose(session, world.users["resident_a"], community, "P-A")
    assert refused.value.code == "already_proposed"
    elect(committee, status=VoteStatus.open)
    with pytest.raises(Conflict) as refused:
        committees.propose(session, officer, community, "P-D")
    assert refused.value.code == "election_under_way"
    assert [c.person.code for c in committee.candidates] == ["P-A"]
    assert len(audits("candidate_proposed")) == 1


def test_a_resident_proposes_only_themself(world):
    session, community = _db.session, ca(world)
    committees.prepare(session, world.users["officer"], community, seats=3)
    for login, code in [("resident_a", "P-AC"), ("resident_a", "NOPE"), ("bureau", "P-A"),
                        ("manager_a", "P-A"), ("committee_a", "P-A"), ("officer_s2", "P-A")]:
        with pytest.raises(Forbidden):
            committees.propose(session, world.users[login], community, code)
    # A tenant proposing themself is a resident, but not an owner.
    with pytest.raises(RuleRefused) as refused:
        committees.propose(session, world.users["tenant_a"], community, "P-T")
    assert refused.value.code == "not_an_owner"
    # An owner of CB is no owner of CA.
    with pytest.raises(RuleRefused):
        committees.propose(session, world.users["resident_b"], community, "P-B")


def test_vetting(world):
    session, officer, community = _db.session, world.users["officer"], ca(world)
    with pytest.raises(NotFound) as refused:  # nothing in preparation
        committees.vet(session, officer, community, "P-A", decision="approve", note="")
    assert refused.value.code == "candidate_not_found"
    committee = committees.prepare(session, officer, community, seats=3)
    committees.propose(session, officer, community, "P-A")
    for login in ("bureau", "resident_a", "committee_a", "manager_a", "officer_s2"):
        with pytest.raises(Forbidden):
            committees.vet(session, world.users[login], community, "P-A", decision="approve",
                           note="")
    with pytest.raises(InvalidInput) as refused:
        committees.vet(session, officer, community, "P-A", decision="maybe", note="")
    assert set(refused.value.fields) == {"decision"}
    for note in ("", "   ", None):
        with pytest.raises(InvalidInput) as refused:
            committees.vet(session, officer, community, "P-A", decision="reject", note=note)
        assert set(refused.value.fields) == {"note"}
    with pytest.raises(InvalidInput) as refused:
        committees.vet(session, officer, community, "P-A", decision="approve", note="x" * 1001)
    assert set(refused.value.fields) == {"note"}
    for code in ("P-D", "NOPE"):  # an owner not proposed, and nobody
        with pytest.raises(NotFound):
            committees.vet(session, officer, community, code, decision="approve", note="")
    candidate = committee.candidates[0]
    assert candidate.status is CandidateStatus.proposed and candidate.vetted_at is None
    committees.vet(session, officer, community, "P-A", decision="reject", note="x" * 1000)
    # Decided again before the election.
    committees.vet(session, officer, community, "P-A", decision="approve", note="复核通过")
    assert (candidate.status, candidate.note) == (CandidateStatus.approved, "复核通过")
    assert [a.data["decision"] for a in audits("candidate_vetted")] == ["reject", "approve"]
    elect(committee, status=VoteStatus.scheduled)
    with pytest.raises(Conflict) as refused:
        committees.vet(session, officer, community, "P-A", decision="reject", note="no")
    assert refused.value.code == "election_under_way"
    assert candidate.status is CandidateStatus.approved


# --- activation ------------------------------------------------------------------------------


def test_activation_needs_a_passed_election(world):
    session, officer, community = _db.session, world.users["officer"], ca(world)
    with pytest.raises(RuleRefused) as refused:
        committees.activate(session, officer, community, roles=ROLES, term_start=D("2025-06-02"))
    assert refused.value.code == "no_committee_in_preparation"
    committee = slate(world)
    for status, passed in [(None, None), (VoteStatus.open, None), (VoteStatus.closed, False)]:
        if status is not None:
            elect(committee, status=status, passed=passed)
        with pytest.raises(RuleRefused) as refused:
            committees.activate(session, officer, community, roles=ROLES,
                                term_start=D("2025-06-02"))
        assert refused.value.code == "not_elected"
    assert committee.status is CommitteeStatus.preparing
    assert world.users["resident_a"].role is Role.resident


@pytest.mark.parametrize("roles", [
    {"P-A": "director", "P-AC": "deputy"},  # one approved candidate left out
    {**ROLES, "P-E": "member"},  # a rejected candidate
    {**ROLES, "P-B": "member"},  # not a candidate
    {"P-A": "director", "P-AC": "director", "P-D": "member"},  # two directors
    {"P-A": "member", "P-AC": "deputy", "P-D": "member"},  # no director
    {"P-A": "director", "P-AC": "chair", "P-D": "member"},  # unknown role
    {"P-A": "director", "P-AC": ["deputy"], "P-D": "member"},
    [("P-A", "director")],
    {},
])
def test_activation_members_are_the_approved_candidates_with_one_director(world, roles):
    committee = slate(world)
    elect(committee)
    with pytest.raises(InvalidInput) as refused:
        committees.activate(_db.session, world.users["officer"], ca(world), roles=roles,
                            term_start=D("2025-06-02"))
    assert set(refused.value.fields) == {"members"}
    assert committee.status is CommitteeStatus.preparing and committee.members == []


def test_activation_term(world):
    session, officer, community = _db.session, world.users["officer"], ca(world)
    committee = slate(world)
    elect(committee)  # closed at 01:00 on 2 June in Shanghai (17:00 UTC on 1 June)
    with pytest.raises(InvalidInput) as refused:
        committees.activate(session, officer, community, roles=ROLES, term_start=D("2025-06-01"))
    assert set(refused.value.fields) == {"term_start"}
    for end in (D("2030-06-02"), D("2025-06-01")):
        with pytest.raises(InvalidInput) as refused:
            committees.activate(session, officer, community, roles=ROLES,
                                term_start=D("2025-06-02"), term_end=end)
        assert set(refused.value.fields) == {"term_end"}
    for login in ("bureau", "committee_a", "resident_a", "officer_s2", "manager_a"):
        with pytest.raises(Forbidden):
            committees.activate(session, world.users[login], community, roles=ROLES,
                                term_start=D("2025-06-02"))
    assert committee.status is CommitteeStatus.preparing
    committees.activate(session, officer, community, roles=ROLES, term_start=D("2025-06-02"),
                        term_end=D("2030-06-01"))
    assert (committee.term_start, committee.term_end) == (D("2025-06-02"), D("2030-06-01"))
    # Activated: the slate is fixed now.
    with pytest.raises(RuleRefused):
        committees.activate(session, officer, community, roles=ROLES, term_start=D("2025-06-02"))


def test_after_a_passed_election_the_slate_is_fixed(world):
    session, officer, community = _db.session, world.users["officer"], ca(world)
    committee = slate(world)
    elect(committee)
    with pytest.raises(Conflict):
        committees.vet(session, officer, community, "P-E", decision="approve", note="")
    with pytest.raises(Conflict) as refused:
        committees.propose(session, officer, community, "P-A201")
    assert refused.value.code == "election_under_way"


# --- interim committee -----------------------------------------------------------------------


def test_interim_committee_only_where_none_is_in_office(world):
    session, officer, community = _db.session, world.users["officer"], ca(world)
    members = [("P-A", "director"), ("P-T", "member")]
    with pytest.raises(Conflict) as refused:
        committees.appoint_interim(session, officer, community, members=members,
                                   start=D("2025-06-02"), end=None, note="无人参选")
    assert refused.value.code == "committee_in_office"
    old = committees.current(session, community)["active"]
    committees.expire(session, officer, old, on=D("2025-05-31"), reason="任期届满")
    for login in ("bureau", "resident_a", "committee_a", "officer_s2", "manager_a"):
        with pytest.raises(Forbidden):
            committees.appoint_interim(session, world.users[login], community, members=members,
                                       start=D("2025-06-02"), end=None, note="无人参选")
    with pytest.raises(InvalidInput) as refused:
        committees.appoint_interim(session, officer, community, members=members,
                                   start=D("2025-06-02"), end=None, note="  ")
    assert set(refused.value.fields) == {"note"}
    for bad in ([("P-A", "director"), ("NOPE", "member")], [("P-A", "member")],
                [("P-A", "director"), ("P-A", "member")], [], [("P-A",)]):
        with pytest.raises(InvalidInput) as refused:
            committees.appoint_interim(session, officer, community, members=bad,
                                       start=D("2025-06-02"), end=None, note="无人参选")
        assert set(refused.value.fields) == {"members"}
    with pytest.raises(InvalidInput) as refused:
        committees.appoint_interim(session, officer, community, members=members,
                                   start=D("2025-06-02"), end=D("2025-06-01"), note="无人参选")
    assert set(refused.value.fields) == {"end"}
    assert committees.status_of(session, community) == "expired"

    # Street staff sit on it too: any known person, not only owners.
    staff_person = PersonFactory(code="P-STAFF")
    interim = committees.appoint_interim(
        session, officer, community, members=[("P-STAFF", "director"), ("P-A", "member")],
        start=D("2025-06-02"), end=None, note="无人参选")
    assert (interim.kind, interim.status) == (CommitteeKind.interim, CommitteeStatus.active)
    assert interim.organization.code == "OC-A"
    assert interim.organization.name == "供销楼小区物业管理委员会"
    assert {m.person_id for m in interim.members} == {staff_person.id, world.users[
        "resident_a"].person_id}
    assert world.users["resident_a"].role is Role.committee_member
    assert audits("interim_appointed")[0].data["members"] == {"P-STAFF": "director",
                                                              "P-A": "member"}
    assert places.summarise(session, [community])[0].committee is interim.organization

    # An owners' committee elected later succeeds it; P-A stays on, keeping their login.
    committee = slate(world)
    elect(committee)
    committees.activate(session, officer, community, roles=ROLES, term_start=D("2025-07-01"))
    assert interim.status is CommitteeStatus.expired
    assert (interim.ended_on, interim.end_reason) == (D("2025-06-30"), "succeeded")
    assert committee.organization.name == "供销楼小区业主委员会"
    assert world.users["resident_a"].role is Role.committee_member
    assert [a.object_key for a in audits("role_revoked")] == []


def test_interim_while_an_election_is_prepared(world):
    session, officer, community = _db.session, world.users["officer"], ca(world)
    committees.expire(session, officer, committees.current(session, community)["active"],
                      on=D("2025-05-31"), reason="任期届满")
    preparing = committees.prepare(session, officer, community, seats=3)
    interim = committees.appoint_interim(session, officer, community,
                                         members=[("P-A", "director")], start=D("2025-06-02"),
                                         end=D("2025-12-31"), note="筹备期间")
    assert committees.current(session, community) == {"active": interim,
                                                      "preparing": preparing}
    assert committees.status_of(session, community) == "preparing"


# --- expiry ----------------------------------------------------------------------------------


def test_expire_refusals(world):
    session, officer, community = _db.session, world.users["officer"], ca(world)
    committee = committees.current(session, community)["active"]
    for login in ("bureau", "committee_a", "resident_a", "officer_s2", "manager_a"):
        with pytest.raises(Forbidden):
            committees.expire(session, world.users[login], committee, on=D("2025-06-02"),
                              reason="x")
    with pytest.raises(InvalidInput):
        committees.expire(session, officer, committee, on=D("2025-06-02"), reason="x" * 301)
    committees.expire(session, "scheduler", committee, on=D("2025-06-02"), reason="")
    assert committee.ended_by_id is None
    with pytest.raises(Conflict) as refused:
        committees.expire(session, officer, committee, on=D("2025-06-02"), reason="again")
    assert refused.value.code == "committee_not_in_office"
    assert len(audits("committee_expired")) == 1


def test_a_preparation_may_be_abandoned(world):
    session, officer, community = _db.session, world.users["officer"], ca(world)
    committee = slate(world)
    committees.expire(session, officer, committee, on=D("2025-06-02"), reason="放弃")
    assert committee.status is CommitteeStatus.expired
    assert committees.status_of(session, community) == "active"  # OC-A still serves
    assert world.users["committee_a"].role is Role.committee_member


def _in_office(world, term_end):
    committee = slate(world)
    elect(committee)
    committees.activate(_db.session, world.users["officer"], ca(world), roles=ROLES,
                        term_start=D("2025-06-02"), term_end=term_end)
    return committee


def test_the_job_warns_once_within_90_days(world):
    session = _db.session
    committee = _in_office(world, D("2025-12-31"))
    notes = select(Notification).where(Notification.kind == "committee_term_ending")
    assert jobs.expire_due(session, D("2025-10-01")) == {"expired": 0, "warned": 0}  # 91
    assert jobs.ending_soon(session, world.users["officer"], D("2025-10-01")) == []
    clock.set_now(datetime(2025, 10, 2, 1, 0, tzinfo=UTC))
    assert jobs.expire_due(session, D("2025-10-02")) == {"expired": 0, "warned": 1}  # 90
    assert committee.warned_at == clock.now()
    sent = list(session.scalars(notes))
    # The committee's logins (staff and the members' own) and the street office's.
    assert {n.user_id for n in sent} == {world.users[name].id for name in (
        "committee_a", "resident_a", "resident_ac", "P-D", "officer")}
    assert sent[0].ticket_id is None
    assert sent[0].data == {"community": "CA", "community_name": "供销楼小区",
                            "term_end": "2025-12-31", "days": 90}
    assert jobs.expire_due(session, D("2025-10-03")) == {"expired": 0, "warned": 0}
    assert len(list(session.scalars(notes))) == len(sent)
    assert jobs.ending_soon(session, world.users["officer"], D("2025-10-02")) == [committee]
    assert jobs.ending_soon(session, world.users["officer_s2"], D("2025-10-02")) == []
    assert jobs.ending_soon(session, world.users["resident_b"], D("2025-10-02")) == []


def test_the_job_expires_a_committee_after_its_last_day(world):
    session = _db.session
    committee = _in_office(world, D("2025-12-31"))
    committee.warned_at = clock.now()
    assert jobs.expire_due(session, D("2025-12-31")) == {"expired": 0, "warned": 0}
    assert committee.status is CommitteeStatus.active
    assert jobs.expire_due(session, D("2026-01-01")) == {"expired": 1, "warned": 0}
    assert (committee.status, committee.ended_on) == (CommitteeStatus.expired, D("2025-12-31"))
    assert committee.end_reason == "term_over"
    assert world.users["resident_a"].role is Role.resident
    [expired] = [a for a in audits("committee_expired") if a.object_key == str(committee.id)]
    assert expired.actor == "scheduler"
    # A committee without a term end (imported) is left alone.
    assert jobs.expire_due(session, D("2099-01-01")) == {"expired": 0, "warned": 0}


# --- summaries and small helpers --------------------------------------------------------------


def test_summaries_carry_the_committee_status(world):
    session, officer = _db.session, world.users["officer"]
    communities = [world.communities[code] for code in ("CA", "CB", "CC")]

    def states():
        return [(s.committee_status, s.committee.code if s.committee else None)
                for s in places.summarise(session, communities)]

    assert states() == [("active", "OC-A"), ("none", None), ("none", None)]
    committees.prepare(session, officer, ca(world), seats=3)
    assert states()[0] == ("preparing", "OC-A")
    committees.expire(session, officer, committees.current(session, ca(world))["active"],
                      on=D("2025-06-01"), reason="届满")
    assert states()[0] == ("preparing", None)
    committees.expire(session, officer, committees.current(session, ca(world))["preparing"],
                      on=D("2025-06-01"), reason="放弃")
    assert states()[0] == ("expired", None)


def test_person_by_code_and_owners(world):
    session = _db.session
    assert committees.person_by_code(session, "P-A").name == "业主甲"
    for code in (None, 7, "", "NOPE", "x" * 65, ["P-A"]):
        assert committees.person_by_code(session, code) is None
    owners = set(session.scalars(committees.owners_of(session, ca(world)).with_only_columns(
        Person.code)))
    assert owners == {"P-A", "P-AC", "P-A201", "P-D", "P-E"}
