"""The three full coverages (docs/domain.md#three-coverages): a term in force, a committee in
office and a Party organisation, per child region on a day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from pmsys.errors import Forbidden, NotFound
from pmsys.extensions import db as _db
from pmsys.governance.services import three_coverages as services
from pmsys.models.auth import OrgKind
from pmsys.models.governance import Committee, CommitteeKind, CommitteeStatus
from pmsys.models.places import RegionKind
from tests.factories import (
    CommunityFactory,
    ManagementTermFactory,
    OrganizationFactory,
    RegionFactory,
)
from tests.services.test_coverage import counted_statements
from tests.world import build_world

D = date.fromisoformat
TODAY = D("2025-06-02")


@pytest.fixture
def world(db):
    return build_world()


def codes(report):
    return {name: [c["code"] for c in found] for name, found in report["missing"].items()}


def test_the_districts_of_the_city_for_the_sysadmin(world):
    OrganizationFactory(code="DZ-A", kind=OrgKind.party_organization,
                        community=world.communities["CA"])
    report = services.three_coverages(_db.session, world.users["sysadmin"], TODAY, "BT")
    assert report["on"] == "2025-06-02" and report["region"] == "BT"
    assert report["items"] == [
        {"key": "D1", "name": "土右旗", "communities": 2, "managed": 1, "committee": 1,
         "party": 1},
        {"key": "D2", "name": "九原区", "communities": 1, "managed": 1, "committee": 0,
         "party": 0},
    ]
    assert report["total"] == {"communities": 3, "managed": 2, "committee": 1, "party": 1}
    # CC's only term starts next year; CB manages itself with no committee.
    assert codes(report) == {"managed": ["CC"], "committee": ["CB", "CC"],
                             "party": ["CB", "CC"]}
    assert report["missing"]["managed"] == [
        {"code": "CC", "name": "无人管小区", "street": "S3", "street_name": "双龙镇"}]


def test_the_streets_of_a_district_and_the_readers_own_region_by_default(world):
    bureau = services.three_coverages(_db.session, world.users["bureau"], TODAY)
    assert bureau["region"] == "D1"
    assert [(i["key"], i["communities"]) for i in bureau["items"]] == [("S1", 1), ("S3", 1)]
    officer = services.three_coverages(_db.session, world.users["officer"], TODAY)
    assert officer["items"] == [{"key": "S1", "name": "萨拉齐镇", "communities": 1,
                                 "managed": 1, "committee": 1, "party": 0}]
    assert codes(officer) == {"managed": [], "committee": [], "party": ["CA"]}
    # Without a region a sysadmin reads every root region (here the one city).
    everything = services.three_coverages(_db.session, world.users["sysadmin"], TODAY)
    assert everything["region"] is None and [i["key"] for i in everything["items"]] == ["BT"]


def test_the_community_office_reads_only_its_community(world):
    report = services.three_coverages(_db.session, world.users["office_officer"], TODAY)
    assert [(i["key"], i["communities"]) for i in report["items"]] == [("S3", 1)]


def test_on_another_day(world):
    ca, cc = world.communities["CA"], world.communities["CC"]
    interim = OrganizationFactory(kind=OrgKind.owners_committee, community=cc, in_office=False)
    _db.session.add(Committee(community=cc, kind=CommitteeKind.interim,
                              status=CommitteeStatus.expired, organization=interim,
                              term_start=D("2023-01-01"), term_end=D("2026-12-31"),
                              ended_on=D("2024-06-30"),
                              activated_at=datetime(2023, 1, 1, 2, tzinfo=UTC)))
    # A preparation abandoned was never in office.
    _db.session.add(Committee(community=cc, kind=CommitteeKind.owners,
                              status=CommitteeStatus.expired, term_start=D("2024-07-01"),
                              ended_on=D("2024-09-01")))
    _db.session.commit()
    old = services.three_coverages(_db.session, world.users["bureau"], D("2024-06-30"))
    assert [i["committee"] for i in old["items"]] == [1, 1]
    later = services.three_coverages(_db.session, world.users["bureau"], D("2024-07-01"))
    assert codes(later)["committee"] == ["CC"]
    before = services.three_coverages(_db.session, world.users["bureau"], D("2022-12-31"))
    assert codes(before)["committee"] == ["CC"]
    # A year after CC's term starts, it is managed.
    ahead = services.three_coverages(_db.session, world.users["bureau"],
                                     TODAY + timedelta(days=400))
    assert codes(ahead)["managed"] == []
    assert ca.code not in codes(ahead)["committee"]


def test_a_region_outside_the_readers_own_is_not_found(world):
    with pytest.raises(NotFound):
        services.three_coverages(_db.session, world.users["officer"], TODAY, "S2")
    with pytest.raises(NotFound):
        services.three_coverages(_db.session, world.users["bureau"], TODAY, "NOPE")


@pytest.mark.parametrize("login", ["resident_a", "manager_a", "committee_a", "operator_in"])
def test_other_roles_read_no_coverage(world, login):
    with pytest.raises(Forbidden):
        services.three_coverages(_db.session, world.users[login], TODAY)


def test_a_fixed_number_of_statements(world):
    bureau = world.users["bureau"]

    def run():
        _db.session.expire_all()
        with counted_statements() as statements:
            report = services.three_coverages(_db.session, bureau, TODAY)
        return len(statements), report

    few, report = run()
    assert report["total"]["communities"] == 2
    for n in range(12):  # new streets in D1: half managed, a third with a Party branch
        community = CommunityFactory(code=f"Z{n:02d}", street=RegionFactory(
            kind=RegionKind.street, parent=world.streets["S1"].parent))
        if n % 2:
            ManagementTermFactory(community=community, start=D("2024-01-01"))
        if n % 3 == 0:
            OrganizationFactory(kind=OrgKind.party_organization, community=community)
    _db.session.commit()
    many, report = run()
    assert report["total"] == {"communities": 14, "managed": 7, "committee": 1, "party": 4}
    assert len(report["items"]) == 14 and len(report["missing"]["party"]) == 10
    # The reader's user and organisation, its region, the counts, the regions, the gaps.
    assert many == few == 6
