"""Management coverage (docs/domain.md#coverage): communities with a term in force on a date."""

from __future__ import annotations

from datetime import date

import pytest

from pmsys.errors import Forbidden, InvalidInput
from pmsys.extensions import db as _db
from pmsys.governance.services import coverage
from pmsys.models.auth import OrgKind, Role
from pmsys.models.governance import ManagementMode
from pmsys.models.places import RegionKind
from tests.factories import (
    CommunityFactory,
    ManagementTermFactory,
    OrganizationFactory,
    RegionFactory,
    staff,
)
from tests.statements import not_the_fixtures, statements_sent
from tests.world import build_world

D = date.fromisoformat
TODAY = D("2025-06-02")
ZERO = {"professional": 0, "self": 0, "community": 0, "original_unit": 0}


@pytest.fixture
def world(db):
    return build_world()


def by_key(report):
    return {item["key"]: item for item in report["items"]}


def test_by_street_for_the_sysadmin(world):
    report = coverage.coverage(_db.session, world.users["sysadmin"], TODAY)
    assert report["on"] == "2025-06-02" and report["level"] == "street"
    assert report["items"] == [
        {"key": "S1", "name": "萨拉齐镇", "communities": 1, "covered": 1, "rate": "1.0000",
         "by_mode": {**ZERO, "professional": 1}},
        {"key": "S2", "name": "沙河街道", "communities": 1, "covered": 1, "rate": "1.0000",
         "by_mode": {**ZERO, "professional": 1}},
        {"key": "S3", "name": "双龙镇", "communities": 1, "covered": 0, "rate": "0.0000",
         "by_mode": ZERO},
    ]
    assert report["total"] == {"communities": 3, "covered": 2, "rate": "0.6667",
                               "by_mode": {**ZERO, "professional": 2}}
    # CC's only term starts next year: it never had one end.
    assert report["uncovered"] == [
        {"code": "CC", "name": "无人管小区", "street": "S3", "street_name": "双龙镇",
         "district": "D1", "last_term_end": None}]


def test_by_district_and_on_another_day(world):
    report = coverage.coverage(_db.session, world.users["sysadmin"], TODAY, level="district")
    items = by_key(report)
    assert list(items) == ["D1", "D2"]
    assert (items["D1"]["name"], items["D1"]["communities"], items["D1"]["covered"],
            items["D1"]["rate"]) == ("土右旗", 2, 1, "0.5000")
    assert items["D2"]["rate"] == "1.0000"
    # In 2021 CB managed itself and CA had PM-B.
    old = coverage.coverage(_db.session, world.users["sysadmin"], D("2021-06-01"),
                            level="district")
    assert by_key(old)["D2"]["by_mode"] == {**ZERO, "self": 1}
    assert old["total"]["by_mode"] == {**ZERO, "self": 1, "professional": 1}
    assert old["on"] == "2021-06-01"


def test_communities_without_a_term_are_listed_with_their_last_term(world):
    s1 = world.streets["S1"]
    ended = CommunityFactory(code="CD", name="旧小区", street=s1)
    ManagementTermFactory(community=ended, start=D("2015-01-01"), end=D("2020-12-31"))
    ManagementTermFactory(community=ended, start=D("2021-01-01"), end=D("2024-12-31"),
                          mode=ManagementMode.community,
                          organization=OrganizationFactory(kind=OrgKind.street_office))
    CommunityFactory(code="CE", name="新小区", street=s1)
    report = coverage.coverage(_db.session, world.users["officer"], TODAY)
    assert report["items"] == [{"key": "S1", "name": "萨拉齐镇", "communities": 3,
                                "covered": 1, "rate": "0.3333",
                                "by_mode": {**ZERO, "professional": 1}}]
    assert [(u["code"], u["last_term_end"]) for u in report["uncovered"]] == [
        ("CD", "2024-12-31"), ("CE", None)]
    # On a day inside its last term, CD counts as covered in community mode.
    back = coverage.coverage(_db.session, world.users["officer"], D("2024-12-31"))
    assert back["total"]["by_mode"] == {**ZERO, "professional": 1, "community": 1}
    assert [u["code"] for u in back["uncovered"]] == ["CE"]


def test_each_reader_sees_its_own_communities(world):
    officer = coverage.coverage(_db.session, world.users["officer"], TODAY)
    assert [i["key"] for i in officer["items"]] == ["S1"]
    assert officer["total"]["communities"] == 1 and officer["uncovered"] == []
    bureau = coverage.coverage(_db.session, world.users["bureau"], TODAY)
    assert [i["key"] for i in bureau["items"]] == ["S1", "S3"]
    assert [u["code"] for u in bureau["uncovered"]] == ["CC"]
    office = coverage.coverage(_db.session, world.users["office_officer"], TODAY)
    assert [i["key"] for i in office["items"]] == ["S3"]
    empty_office = OrganizationFactory(kind=OrgKind.street_office,
                                       region=RegionFactory(kind=RegionKind.street))
    nothing = coverage.coverage(_db.session, staff(Role.street_officer, empty_office), TODAY)
    assert nothing["items"] == [] and nothing["uncovered"] == []
    assert nothing["total"] == {"communities": 0, "covered": 0, "rate": "0.0000",
                                "by_mode": ZERO}


@pytest.mark.parametrize("login", ["resident_a", "manager_a", "committee_a", "operator_in",
                                   "tenant_a"])
def test_other_roles_read_no_coverage(world, login):
    with pytest.raises(Forbidden):
        coverage.coverage(_db.session, world.users[login], TODAY)


@pytest.mark.parametrize("level", ["city", "community", "", None])
def test_unknown_level(world, level):
    with pytest.raises(InvalidInput) as refused:
        coverage.coverage(_db.session, world.users["sysadmin"], TODAY, level=level)
    assert set(refused.value.fields) == {"level"}


def test_rates_round_half_up():
    assert coverage.rate(1, 32) == "0.0313"  # 0.03125
    assert coverage.rate(2, 3) == "0.6667"
    assert coverage.rate(1, 3) == "0.3333"
    assert coverage.rate(0, 0) == "0.0000"
    assert coverage.rate(5, 5) == "1.0000"


def counted_statements():
    """The statements of the block, the test fixture's own savepoints left out."""
    return statements_sent(_db.engine, not_the_fixtures)


def statements_for(actor, level):
    _db.session.expire_all()
    with counted_statements() as statements:
        report = coverage.coverage(_db.session, actor, TODAY, level=level)
    return len(statements), report


@pytest.mark.parametrize("level", ["street", "district"])
def test_a_fixed_number_of_statements(world, level):
    bureau = world.users["bureau"]
    few, report = statements_for(bureau, level)
    assert report["total"]["communities"] == 2
    for n in range(12):  # new streets in D1, half of them with a term
        community = CommunityFactory(code=f"Z{n:02d}", street=RegionFactory(
            kind=RegionKind.street, parent=world.streets["S1"].parent))
        if n % 2:
            ManagementTermFactory(community=community, start=D("2024-01-01"))
        else:
            ManagementTermFactory(community=community, start=D("2020-01-01"),
                                  end=D("2023-12-31"))
    _db.session.commit()
    many, report = statements_for(bureau, level)
    assert report["total"]["communities"] == 14 and report["total"]["covered"] == 7
    assert len(report["uncovered"]) == 7
    # The two report statements, and the reader's user and organisation loaded again.
    assert many == few == 4
