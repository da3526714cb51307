"""The fixture world of the access table and the consistency checks (docs/reliability.md#access).

Two districts of one city. District D1 has streets S1 (community CA) and S3
(community CC, which nobody manages); district D2 has street S2 (community CB).
Every login is named after the role it plays in tests/access_table.py, and every
password is DEFAULT_PASSWORD:

    resident_a           owns CA/1/1/101
    resident_b           owns CB/1/1/101
    manager_a            property company PM-A, term on CA in force today
                         (and a term on CC that starts only next year)
    manager_b            property company PM-B, term on CB in force today;
                         its earlier term on CA has ended
    committee_a          member of CA's owners' committee
    operator_in          utility of region D1: covers CA and CC ("assigned")
    operator_out         utility of region D2: covers CB only ("not assigned")
    officer              street officer of S1 (CA)
    bureau               bureau admin of district D1 (CA, CC)
    sysadmin             everything
    leader_a             building leader (楼栋长) of CA building 1 (a resident volunteer
                         with no home in the world): sees no community, only the tickets
                         of CA building 1
    grid_a               grid worker (网格员) of SO-S1, grid: CA buildings 1 and 2

The register (docs/domain.md#projects, #handovers): project P-CA covers CA, completed on 2025-05-01
and not yet signed off by CA's committee nor accepted; assets CA-WS (water) and CA-DR
(drainage) in CA, CB-WS (water) in CB; hand-over H-CA, a draft from the bureau's
HB-D1 to operator_in's utility W-D1 over CA-WS. CA-DR is in no hand-over, so a
new one may be drafted over it.

and, for the consistency checks only:

    tenant_a             lives in CA/2/1/201 without owning it
    resident_ac          owns CA/1/1/102 (resident_a's neighbour) and CC/1/1/101
    office_officer       street officer of CC's community office
    self_manager         staff of CB's former self-management group (term ended)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from pmsys import clock
from pmsys.extensions import db
from pmsys.models.assets import Asset, Handover, HandoverStatus, Project, ProjectCommunity
from pmsys.models.auth import OrgKind, Role, User
from pmsys.models.governance import ManagementMode
from pmsys.models.leaders import BuildingAssignment
from pmsys.models.places import Community, Household, HouseholdResident, RegionKind
from tests.factories import (
    BuildingFactory,
    CommunityFactory,
    HouseholdFactory,
    ManagementTermFactory,
    OrganizationFactory,
    PersonFactory,
    RegionFactory,
    UnitFactory,
    UserFactory,
    staff,
)

NOW = datetime(2025, 6, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, a Monday

# What each login may see, written out rather than computed, so a permission bug
# that lists and detail pages share still fails the checks.
VISIBLE = {
    "resident_a": {"CA"},
    "resident_b": {"CB"},
    "manager_a": {"CA"},
    "manager_b": {"CB"},
    "committee_a": {"CA"},
    "operator_in": {"CA", "CC"},
    "operator_out": {"CB"},
    "officer": {"CA"},
    "bureau": {"CA", "CC"},
    "sysadmin": {"CA", "CB", "CC"},
    "tenant_a": {"CA"},
    "resident_ac": {"CA", "CC"},
    "office_officer": {"CC"},
    "self_manager": set(),
    "leader_a": set(),
    "grid_a": set(),
}

# Communities by street, and those without a management term in force today.
STREETS = {"S1": {"CA"}, "S2": {"CB"}, "S3": {"CC"}}
MODES_TODAY = {"CA": "professional", "CB": "professional", "CC": "none"}

ALL_HOUSEHOLDS = {
    "CA": {"CA/1/1/101", "CA/1/1/102", "CA/2/1/201"},
    "CB": {"CB/1/1/101"},
    "CC": {"CC/1/1/101"},
}

# The households each login may read, per community it sees (docs/domain.md#visibility: residents
# their own, staff who serve the community all, operators none).
READABLE_HOUSEHOLDS = {
    "resident_a": {"CA": {"CA/1/1/101"}},
    "resident_b": {"CB": {"CB/1/1/101"}},
    "manager_a": {"CA": ALL_HOUSEHOLDS["CA"]},
    "manager_b": {"CB": ALL_HOUSEHOLDS["CB"]},
    "committee_a": {"CA": ALL_HOUSEHOLDS["CA"]},
    "operator_in": {"CA": set(), "CC": set()},
    "operator_out": {"CB": set()},
    "officer": {"CA": ALL_HOUSEHOLDS["CA"]},
    "bureau": {"CA": ALL_HOUSEHOLDS["CA"], "CC": ALL_HOUSEHOLDS["CC"]},
    "sysadmin": ALL_HOUSEHOLDS,
    "tenant_a": {"CA": {"CA/2/1/201"}},
    "resident_ac": {"CA": {"CA/1/1/102"}, "CC": {"CC/1/1/101"}},
    "office_officer": {"CC": ALL_HOUSEHOLDS["CC"]},
    "self_manager": {},
    # the homes of their buildings, offered when filing for a household (no community page)
    "leader_a": {"CA": {"CA/1/1/101", "CA/1/1/102"}},
    "grid_a": {"CA": ALL_HOUSEHOLDS["CA"]},
}


@dataclass
class World:
    """The rows the tests name: communities and households by code, logins by name."""

    communities: dict[str, Community]
    households: dict[str, Household]
    users: dict[str, User]
    streets: dict[str, object]
    assets: dict[str, Asset]
    projects: dict[str, Project]
    handovers: dict[str, Handover]


def build_world() -> World:
    """Create and commit the world in the test's session, and set the clock to NOW.

    Committed because a page that refuses a request rolls its session back, which
    would otherwise take the world with it; the `db` fixture still rolls it all back.
    """
    clock.set_now(NOW)
    today = NOW.date()
    city = RegionFactory(code="BT", name="包头市", kind=RegionKind.city)
    d1 = RegionFactory(code="D1", name="土右旗", kind=RegionKind.district, parent=city)
    d2 = RegionFactory(code="D2", name="九原区", kind=RegionKind.district, parent=city)
    s1 = RegionFactory(code="S1", name="萨拉齐镇", kind=RegionKind.street, parent=d1)
    s3 = RegionFactory(code="S3", name="双龙镇", kind=RegionKind.street, parent=d1)
    s2 = RegionFactory(code="S2", name="沙河街道", kind=RegionKind.street, parent=d2)

    office_c = OrganizationFactory(code="CO-C", kind=OrgKind.community_office, region=s3)
    ca = CommunityFactory(code="CA", name="供销楼小区", street=s1)
    cb = CommunityFactory(code="CB", name="环卫院小区", street=s2)
    cc = CommunityFactory(code="CC", name="无人管小区", street=s3, community_office=office_c)

    owner_a = PersonFactory(code="P-A", name="业主甲", phone="13800000101")
    owner_b = PersonFactory(code="P-B", name="业主乙", phone="13800000201")
    owner_ac = PersonFactory(code="P-AC", name="邻居丙", phone="13800000102")
    owner_a201 = PersonFactory(code="P-A201", name="房东丁", phone="13800000301")
    tenant = PersonFactory(code="P-T", name="租户戊", phone="13800000401")
    volunteer = PersonFactory(code="P-L", name="楼栋长己", phone="13800000501")

    def household(community, building, unit, code, owner, area):
        building_row = _building(community, building)
        unit_row = _unit(building_row, unit)
        return HouseholdFactory(unit=unit_row, code=code, owner=owner, area=Decimal(area))

    households = {
        "CA/1/1/101": household(ca, "1", "1", "101", owner_a, "62.50"),
        "CA/1/1/102": household(ca, "1", "1", "102", owner_ac, "48.25"),
        "CA/2/1/201": household(ca, "2", "1", "201", owner_a201, "70.00"),
        "CB/1/1/101": household(cb, "1", "1", "101", owner_b, "55.00"),
        "CC/1/1/101": household(cc, "1", "1", "101", owner_ac, "80.00"),
    }
    db.session.add(
        HouseholdResident(household_id=households["CA/2/1/201"].id, person_id=tenant.id)
    )

    pm_a = OrganizationFactory(code="PM-A", kind=OrgKind.property_company, name="甲物业")
    pm_b = OrganizationFactory(code="PM-B", kind=OrgKind.property_company, name="乙物业")
    self_b = OrganizationFactory(code="SM-B", kind=OrgKind.self_management, community=cb)
    ManagementTermFactory(community=ca, organization=pm_b, start=date(2019, 1, 1),
                          end=date(2021, 12, 31))
    ManagementTermFactory(community=ca, organization=pm_a, start=date(2022, 1, 1))
    ManagementTermFactory(community=cb, organization=self_b, mode=ManagementMode.self,
                          start=date(2020, 1, 1), end=date(2022, 12, 31))
    ManagementTermFactory(community=cb, organization=pm_b, start=date(2023, 1, 1))
    ManagementTermFactory(community=cc, organization=pm_a,
                          start=today.replace(year=today.year + 1))
    committee = OrganizationFactory(code="OC-A", kind=OrgKind.owners_committee, community=ca)
    utility_in = OrganizationFactory(code="W-D1", kind=OrgKind.utility, region=d1,
                                     categories=["water_supply"])
    utility_out = OrganizationFactory(code="W-D2", kind=OrgKind.utility, region=d2,
                                      categories=["water_supply"])
    street_office = OrganizationFactory(code="SO-S1", kind=OrgKind.street_office, region=s1)
    bureau = OrganizationFactory(code="HB-D1", kind=OrgKind.housing_bureau, region=d1)

    users = {
        "resident_a": UserFactory(role=Role.resident, person=owner_a),
        "resident_b": UserFactory(role=Role.resident, person=owner_b),
        "manager_a": staff(Role.manager, pm_a),
        "manager_b": staff(Role.manager, pm_b),
        "committee_a": staff(Role.committee_member, committee),
        "operator_in": staff(Role.operator, utility_in),
        "operator_out": staff(Role.operator, utility_out),
        "officer": staff(Role.street_officer, street_office),
        "bureau": staff(Role.bureau_admin, bureau),
        "sysadmin": UserFactory(role=Role.sysadmin),
        "tenant_a": UserFactory(role=Role.resident, person=tenant),
        "resident_ac": UserFactory(role=Role.resident, person=owner_ac),
        "office_officer": staff(Role.street_officer, office_c),
        "self_manager": staff(Role.manager, self_b),
        "leader_a": UserFactory(role=Role.building_leader, person=volunteer),
        "grid_a": staff(Role.grid_worker, street_office),
    }
    for name, user in users.items():
        user.username = name
    db.session.flush()
    for name, codes in (("leader_a", ("1",)), ("grid_a", ("1", "2"))):
        for code in codes:
            db.session.add(BuildingAssignment(
                user_id=users[name].id, building_id=_building(ca, code).id,
                start=date(2025, 1, 1), assigned_by_id=users["officer"].id))

    project = Project(code="P-CA", name="供销楼改造", year=2025,
                      completed_on=date(2025, 5, 1))
    project.community_links.append(ProjectCommunity(community=ca))
    assets = {
        "CA-WS": Asset(code="CA-WS", category="water_supply", community=ca, project=project),
        "CA-DR": Asset(code="CA-DR", category="drainage", community=ca, project=project),
        "CB-WS": Asset(code="CB-WS", category="water_supply", community=cb),
    }
    handover = Handover(code="H-CA", from_org=bureau, to_org=utility_in,
                        status=HandoverStatus.draft, assets=[assets["CA-WS"]])
    db.session.add_all([project, *assets.values(), handover])
    db.session.commit()
    return World(
        communities={"CA": ca, "CB": cb, "CC": cc},
        households=households,
        users=users,
        streets={"S1": s1, "S2": s2, "S3": s3},
        assets=assets,
        projects={"P-CA": project},
        handovers={"H-CA": handover},
    )


def _building(community, code):
    for building in community.buildings:
        if building.code == code:
            return building
    return BuildingFactory(community=community, code=code, floors=6)


def _unit(building, code):
    for unit in building.units:
        if unit.code == code:
            return unit
    return UnitFactory(building=building, code=code)
