"""A community to hold assembly votes in (docs/domain.md#votes), shared by the vote tests.

City VT, district VD1 with streets VS1 (community VA) and VS2 (community VX).
VA's exclusive parts, 500.00 m² in all, and their owners of record:

    VA/1/1/101  V-O1   80.00   V-O1 owns two parts: one owner, 120.00 m²
    VA/1/1/102  V-O1   40.00
    VA/1/1/201  V-O2   60.00
    VA/1/1/202  V-O3   60.00
    VA/2/1/101  V-O4   70.00
    VA/2/1/102  V-DEV  50.00   the developer's unsold parts: one owner, 100.00 m²
    VA/2/1/201  V-DEV  50.00
    VA/2/1/202  V-O5   90.00   V-T rents it (a tenant: no vote)

so the roll counts 6 owners. VX/1/1/101 (75.00 m²) belongs to V-X1. V-B owns
nothing yet (a buyer for ownership changes). Every person has a resident login
(`residents`, by person code); staff logins are in `users`: manager (PM of
VA), operator (utility of VD1), bureau (housing bureau of VD1), sysadmin,
other_officer (street office of VS2). `officer` is the street officer of VS1
and `committee` a member login of VA's owners' committee in office.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from pmsys import clock
from pmsys.extensions import db
from pmsys.models.auth import Organization, OrgKind, Role, User
from pmsys.models.places import Community, Household, HouseholdResident, Person, RegionKind
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

NOW = datetime(2025, 9, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, a Monday

# (place, owner code, area) of community VA, then VX.
PARTS = (
    ("VA/1/1/101", "V-O1", "80.00"),
    ("VA/1/1/102", "V-O1", "40.00"),
    ("VA/1/1/201", "V-O2", "60.00"),
    ("VA/1/1/202", "V-O3", "60.00"),
    ("VA/2/1/101", "V-O4", "70.00"),
    ("VA/2/1/102", "V-DEV", "50.00"),
    ("VA/2/1/201", "V-DEV", "50.00"),
    ("VA/2/1/202", "V-O5", "90.00"),
    ("VX/1/1/101", "V-X1", "75.00"),
)
PERSONS = ("V-O1", "V-O2", "V-O3", "V-O4", "V-O5", "V-DEV", "V-T", "V-B", "V-X1")
OWNERS_ON_ROLL = 6
TOTAL_AREA = Decimal("500.00")


@dataclass
class VoteWorld:
    """The rows the vote tests name."""

    community: Community
    other_community: Community
    officer: User
    committee: User
    committee_org: Organization
    residents: dict[str, User]
    persons: dict[str, Person]
    households: dict[str, Household]
    users: dict[str, User]


def build_vote_world() -> VoteWorld:
    """Create and commit the vote world in the test's session, and set the clock to NOW."""
    clock.set_now(NOW)
    city = RegionFactory(code="VT", name="投票市", kind=RegionKind.city)
    district = RegionFactory(code="VD1", name="投票区", kind=RegionKind.district, parent=city)
    street_1 = RegionFactory(code="VS1", name="一号街道", kind=RegionKind.street, parent=district)
    street_2 = RegionFactory(code="VS2", name="二号街道", kind=RegionKind.street, parent=district)
    va = CommunityFactory(code="VA", name="表决小区", street=street_1)
    vx = CommunityFactory(code="VX", name="别处小区", street=street_2)

    persons = {code: PersonFactory(code=code, name=f"业主{code}") for code in PERSONS}
    persons["V-DEV"].is_developer = True
    persons["V-DEV"].name = "开发商"
    communities = {"VA": va, "VX": vx}
    households = {}
    for place, owner, area in PARTS:
        community_code, building_code, unit_code, code = place.split("/")
        building = _building(communities[community_code], building_code)
        unit = _unit(building, unit_code)
        households[place] = HouseholdFactory(unit=unit, code=code, owner=persons[owner],
                                             area=Decimal(area))
    db.session.add(HouseholdResident(household_id=households["VA/2/1/202"].id,
                                     person_id=persons["V-T"].id))

    office_1 = OrganizationFactory(code="VSO-1", kind=OrgKind.street_office, region=street_1)
    office_2 = OrganizationFactory(code="VSO-2", kind=OrgKind.street_office, region=street_2)
    bureau = OrganizationFactory(code="VHB", kind=OrgKind.housing_bureau, region=district)
    manager = OrganizationFactory(code="VPM", kind=OrgKind.property_company, name="表决物业")
    utility = OrganizationFactory(code="VW", kind=OrgKind.utility, region=district,
                                  categories=["water_supply"])
    committee_org = OrganizationFactory(code="VA-YWH", kind=OrgKind.owners_committee,
                                        community=va, name="表决小区业主委员会")
    ManagementTermFactory(community=va, organization=manager)

    residents = {code: UserFactory(role=Role.resident, person=person, username=f"v_{code}")
                 for code, person in persons.items()}
    users = {
        "officer": staff(Role.street_officer, office_1, username="v_officer"),
        "other_officer": staff(Role.street_officer, office_2, username="v_other_officer"),
        "committee": staff(Role.committee_member, committee_org, username="v_committee"),
        "manager": staff(Role.manager, manager, username="v_manager"),
        "operator": staff(Role.operator, utility, username="v_operator"),
        "bureau": staff(Role.bureau_admin, bureau, username="v_bureau"),
        "sysadmin": UserFactory(role=Role.sysadmin, username="v_sysadmin"),
    }
    db.session.commit()
    return VoteWorld(
        community=va, other_community=vx, officer=users["officer"],
        committee=users["committee"], committee_org=committee_org, residents=residents,
        persons=persons, households=households, users=users,
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
