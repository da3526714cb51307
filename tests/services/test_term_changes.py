"""A community's management changes only by a new term (docs/domain.md#management)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from pmsys import clock
from pmsys.audit import AuditRecord
from pmsys.errors import Conflict, Forbidden, InvalidInput, RuleRefused
from pmsys.extensions import db as _db
from pmsys.governance.services import terms
from pmsys.models.auth import Organization, OrgKind, Role
from pmsys.models.governance import (
    Committee,
    CommitteeKind,
    CommitteeStatus,
    ManagementMode,
    Vote,
    VoteStatus,
)
from pmsys.places import services as places
from tests.factories import OrganizationFactory, staff
from tests.world import build_world

D = date.fromisoformat
CLOSED = datetime(2025, 6, 1, 17, 0, tzinfo=UTC)  # 01:00 on 2 June in Shanghai


@pytest.fixture
def world(db):
    world = build_world()
    s2_office = OrganizationFactory(code="SO-S2", kind=OrgKind.street_office,
                                    region=world.streets["S2"])
    world.users["officer_s2"] = staff(Role.street_officer, s2_office)
    OrganizationFactory(code="PM-C", kind=OrgKind.property_company)
    _db.session.commit()
    return world


def vote(community, matter="hire_manager", *, passed=True, status=VoteStatus.closed,
         closed_at=CLOSED):
    row = Vote(community_id=community.id, matter=matter, kind="ordinary", title=f"表决 {matter}",
               opens_at=closed_at - timedelta(days=7), closes_at=closed_at, status=status,
               roll_frozen_at=closed_at - timedelta(days=7),
               closed_at=closed_at if status is VoteStatus.closed else None,
               passed=passed if status is VoteStatus.closed else None,
               reason=("passed" if passed else "approval_not_met")
               if status is VoteStatus.closed else None)
    _db.session.add(row)
    _db.session.flush()
    return row


def audits(action):
    return list(_db.session.scalars(select(AuditRecord).where(AuditRecord.action == action)))


def start(world, login="officer", community="CA", **kwargs):
    kwargs.setdefault("mode", "professional")
    kwargs.setdefault("org_code", "PM-C")
    kwargs.setdefault("start", D("2025-07-01"))
    return terms.start_term(_db.session, world.users[login], world.communities[community],
                            **kwargs)


def refused(exc, world, code=None, fields=None, **kwargs):
    with pytest.raises(exc) as caught:
        start(world, **kwargs)
    if code is not None:
        assert caught.value.code == code
    if fields is not None:
        assert set(caught.value.fields) == fields
    return caught.value


def test_a_passed_vote_installs_a_professional_manager(world):
    ca = world.communities["CA"]
    basis = vote(ca)
    old = terms.terms_of(_db.session, ca)[0]
    assert old.organization.code == "PM-A" and old.end is None
    term = start(world, basis_vote_id=basis.id, end=D("2028-06-30"))
    assert (term.mode, term.organization.code, term.start, term.end) == (
        ManagementMode.professional, "PM-C", D("2025-07-01"), D("2028-06-30"))
    assert term.basis_vote_id == basis.id and term.basis == "表决 hire_manager"
    assert term.decided_by_id == world.users["officer"].id
    # The term in force ends the day before, with who ended it and when.
    assert (old.end, old.ended_by_id, old.ended_at) == (
        D("2025-06-30"), world.users["officer"].id, clock.now())
    assert [t.start for t in terms.terms_of(_db.session, ca)] == [
        D("2025-07-01"), D("2022-01-01"), D("2019-01-01")]
    [started] = audits("term_started")
    assert started.data | {"term": None} == {
        "term": None, "mode": "professional", "org": "PM-C", "start": "2025-07-01",
        "end": "2028-06-30", "basis_vote": basis.id}
    [ended] = audits("term_ended")
    assert ended.data["term"] == old.id and ended.data["end"] == "2025-06-30"
    # Until then PM-A still manages; from the start PM-C does.
    on_day = places.summarise(_db.session, [ca], D("2025-06-30"))[0]
    assert on_day.manager.code == "PM-A"
    assert places.summarise(_db.session, [ca], D("2025-07-01"))[0].manager.code == "PM-C"


def test_the_committee_in_office_records_the_term_its_assembly_decided(world):
    term = start(world, login="committee_a", basis_vote_id=vote(world.communities["CA"]).id,
                 start=D("2025-06-02"), basis="业主大会决议")
    assert term.basis == "业主大会决议" and term.decided_by_id == world.users["committee_a"].id


def test_self_management_by_the_community_own_organisation(world):
    ca = world.communities["CA"]
    refused(RuleRefused, world, "basis_vote_wrong_matter", mode="self", org_code="OC-A",
            basis_vote_id=vote(ca, "elect_committee").id)
    # Another community's self-management group does not fit.
    refused(RuleRefused, world, "org_does_not_fit", mode="self", org_code="SM-B",
            basis_vote_id=vote(ca, "management_rules").id)
    term = start(world, mode="self", org_code="OC-A",
                 basis_vote_id=vote(ca, "management_rules").id)
    assert term.mode is ManagementMode.self


@pytest.mark.parametrize("login", ["resident_a", "manager_a", "operator_in", "officer_s2",
                                   "office_officer", "tenant_a"])
def test_who_may_not_decide(world, login):
    refused(Forbidden, world, login=login, basis_vote_id=vote(world.communities["CA"]).id)
    assert audits("term_started") == []


def test_input_refusals(world):
    ca = world.communities["CA"]
    basis = vote(ca).id
    refused(InvalidInput, world, fields={"mode"}, mode="mixed", basis_vote_id=basis)
    refused(InvalidInput, world, fields={"mode"}, mode=None)
    refused(RuleRefused, world, "legacy_mode", mode="original_unit", basis_vote_id=basis)
    refused(InvalidInput, world, fields={"org"}, org_code="NOPE", basis_vote_id=basis)
    refused(InvalidInput, world, fields={"org"}, org_code=None, basis_vote_id=basis)
    refused(RuleRefused, world, "org_does_not_fit", org_code="SO-S1", basis_vote_id=basis)
    refused(RuleRefused, world, "org_does_not_fit", mode="community", org_code="PM-C",
            basis_vote_id=basis)
    refused(InvalidInput, world, fields={"end"}, end=D("2025-06-30"), basis_vote_id=basis)
    refused(InvalidInput, world, fields={"basis"}, basis="x" * 301, basis_vote_id=basis)
    assert audits("term_started") == []
    # The one-day term is fine.
    assert start(world, end=D("2025-07-01"), basis_vote_id=basis).end == D("2025-07-01")


def test_basis_vote_refusals(world):
    ca, cb = world.communities["CA"], world.communities["CB"]
    refused(RuleRefused, world, "basis_vote_required")
    refused(RuleRefused, world, "basis_vote_required", mode="self", org_code="OC-A")
    for other in (vote(cb).id, 2**40, "x", 999_999):
        refused(InvalidInput, world, fields={"basis_vote"}, basis_vote_id=other)
    refused(RuleRefused, world, "basis_vote_not_passed", basis_vote_id=vote(ca, passed=False).id)
    refused(RuleRefused, world, "basis_vote_not_passed",
            basis_vote_id=vote(ca, status=VoteStatus.open).id)
    for matter in ("management_rules", "elect_committee", "dismiss_manager"):
        refused(RuleRefused, world, "basis_vote_wrong_matter", basis_vote_id=vote(ca, matter).id)
    basis = vote(ca).id
    refused(InvalidInput, world, fields={"start"}, start=D("2025-06-01"), basis_vote_id=basis)
    start(world, start=D("2025-06-02"), basis_vote_id=basis)  # the closing day in Shanghai
    refused(Conflict, world, "basis_vote_used", start=D("2026-01-01"), basis_vote_id=basis)


def test_terms_never_overlap(world):
    ca = world.communities["CA"]
    start(world, start=D("2025-07-01"), basis_vote_id=vote(ca).id)
    for day in ("2025-07-01", "2025-06-15"):  # the same start, and one before a later term
        refused(Conflict, world, "term_overlap", start=D(day), basis_vote_id=vote(ca).id)
    # Before the start of the whole history too: a later term exists.
    refused(Conflict, world, "term_overlap", start=D("2018-01-01"), basis_vote_id=vote(
        ca, closed_at=datetime(2017, 12, 1, tzinfo=UTC)).id)
    after = start(world, start=D("2025-08-01"), basis_vote_id=vote(ca).id)
    spans = [(t.start, t.end) for t in terms.terms_of(_db.session, ca)]
    assert spans == [(D("2025-08-01"), None), (D("2025-07-01"), D("2025-07-31")),
                     (D("2022-01-01"), D("2025-06-30")), (D("2019-01-01"), D("2021-12-31"))]
    assert after.basis_vote_id is not None


def test_community_mode_imposed_only_where_no_owners_committee_serves(world):
    cc = world.communities["CC"]
    # CA has an owners' committee in office: even the street office needs a vote.
    refused(RuleRefused, world, "basis_vote_required", mode="community", org_code="SO-S1")
    # CC has none: its community office imposes it, but not from today, as CC's term of
    # next year (2026-06-02) would then start inside the new one.
    refused(Conflict, world, "term_overlap", login="office_officer", community="CC",
            mode="community", org_code="CO-C", start=D("2025-06-02"))
    term = start(world, login="office_officer", community="CC", mode="community",
                 org_code="CO-C", start=D("2026-07-01"))
    assert term.basis_vote_id is None and term.decided_by_id == world.users["office_officer"].id
    [earlier] = [t for t in terms.terms_of(_db.session, cc) if t.id != term.id]
    assert earlier.end == D("2026-06-30")
    # The bureau may impose too.
    assert start(world, login="bureau", community="CC", mode="community", org_code="CO-C",
                 start=D("2026-09-01")).mode is ManagementMode.community


def test_an_interim_committee_may_not_impose_community_mode(world):
    ca = world.communities["CA"]
    session = _db.session
    owners = session.scalar(select(Committee).where(Committee.community_id == ca.id))
    owners.status = CommitteeStatus.expired
    session.flush()
    interim = Committee(community_id=ca.id, kind=CommitteeKind.interim,
                        status=CommitteeStatus.active,
                        organization=session.scalar(
                            select(Organization).where(Organization.code == "OC-A")))
    session.add(interim)
    session.flush()
    refused(RuleRefused, world, "basis_vote_required", login="committee_a", mode="community",
            org_code="SO-S1")
    # The street office may, with no owners' committee in office.
    assert start(world, mode="community", org_code="SO-S1").basis_vote_id is None
    # A community-mode term may also rest on a passed hire_manager vote.
    assert start(world, login="committee_a", mode="community", org_code="SO-S1",
                 start=D("2025-09-01"), basis_vote_id=vote(ca).id).basis_vote_id is not None
