"""The fixture world of the project, asset and hand-over pages.

One city with two districts. District TYQ has streets SLQ (communities GXL, with
an owners' committee in office, and HXY, without one) and SLZ (community LJY);
district JY has street SH (community FAR). Logins, all with DEFAULT_PASSWORD:

    bureau        bureau admin of TYQ: keeps the register of GXL, HXY, LJY
    bureau_far    bureau admin of JY: sees FAR only
    committee     member of GXL's owners' committee
    water         operator of the TYQ water company (the receiver in the story)
    power         operator of the TYQ power company: sees GXL, party to nothing
    water_far     operator of JY's water company
    builder       operator of the contractor that renovated the communities
    officer       street officer of SLQ (GXL, HXY)
    manager       staff of GXL's property company
    resident      owns GXL/1/1/101
    resident_far  owns FAR/1/1/101
    sysadmin      everything

The clock reads NOW (a Monday); the world holds no project, asset or hand-over:
the tests make them through the pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from pmsys import clock
from pmsys.extensions import db
from pmsys.models.auth import OrgKind, Role, User
from pmsys.models.places import Community, RegionKind
from tests.factories import (
    BuildingFactory,
    CommunityFactory,
    HouseholdFactory,
    ManagementPlanFactory,
    ManagementTermFactory,
    OrganizationFactory,
    RegionFactory,
    UnitFactory,
    UserFactory,
    staff,
)

NOW = datetime(2025, 6, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@dataclass
class AssetWorld:
    communities: dict[str, Community]
    orgs: dict[str, object]
    users: dict[str, User]


def build_asset_world() -> AssetWorld:
    """Create the world in the test's session and set the clock to NOW."""
    clock.set_now(NOW)
    city = RegionFactory(code="BT", name="包头市", kind=RegionKind.city)
    tyq = RegionFactory(code="TYQ", name="土右旗", kind=RegionKind.district, parent=city)
    jy = RegionFactory(code="JY", name="九原区", kind=RegionKind.district, parent=city)
    slq = RegionFactory(code="SLQ", name="萨拉齐镇", kind=RegionKind.street, parent=tyq)
    slz = RegionFactory(code="SLZ", name="双龙镇", kind=RegionKind.street, parent=tyq)
    sh = RegionFactory(code="SH", name="沙河街道", kind=RegionKind.street, parent=jy)

    communities = {
        "GXL": CommunityFactory(code="GXL", name="供销楼小区", street=slq),
        "HXY": CommunityFactory(code="HXY", name="环卫院小区", street=slq),
        "LJY": CommunityFactory(code="LJY", name="粮局院小区", street=slz),
        "FAR": CommunityFactory(code="FAR", name="远方小区", street=sh),
    }
    owners = {}
    for code, community in communities.items():
        for building_code in ("1", "2"):
            building = BuildingFactory(community=community, code=building_code, floors=6)
            unit = UnitFactory(building=building, code="1")
            household = HouseholdFactory(unit=unit, code=f"{building_code}01")
            owners.setdefault(code, household.owner)

    orgs = {
        "HB-TYQ": OrganizationFactory(code="HB-TYQ", name="土右旗住建局",
                                      kind=OrgKind.housing_bureau, region=tyq),
        "HB-JY": OrganizationFactory(code="HB-JY", name="九原区住建局",
                                     kind=OrgKind.housing_bureau, region=jy),
        "BUILDER": OrganizationFactory(code="BUILDER", name="包头建工集团",
                                       kind=OrgKind.contractor, region=city),
        "WATER": OrganizationFactory(code="WATER", name="旗水投公司", kind=OrgKind.utility,
                                     region=tyq, categories=["water_supply", "drainage"]),
        "POWER": OrganizationFactory(code="POWER", name="土右供电分局", kind=OrgKind.utility,
                                     region=tyq, categories=["power"]),
        "WATER-JY": OrganizationFactory(code="WATER-JY", name="九原水务", kind=OrgKind.utility,
                                        region=jy, categories=["water_supply"]),
        "SO-SLQ": OrganizationFactory(code="SO-SLQ", name="萨拉齐镇人民政府",
                                      kind=OrgKind.street_office, region=slq),
        "OC-GXL": OrganizationFactory(code="OC-GXL", name="供销楼业主委员会",
                                      kind=OrgKind.owners_committee,
                                      community=communities["GXL"]),
        "PM-GXL": OrganizationFactory(code="PM-GXL", name="鑫源物业",
                                      kind=OrgKind.property_company),
    }
    ManagementTermFactory(community=communities["GXL"], organization=orgs["PM-GXL"],
                          start=date(2022, 1, 1))

    users = {
        "bureau": staff(Role.bureau_admin, orgs["HB-TYQ"]),
        "bureau_far": staff(Role.bureau_admin, orgs["HB-JY"]),
        "committee": staff(Role.committee_member, orgs["OC-GXL"]),
        "water": staff(Role.operator, orgs["WATER"]),
        "power": staff(Role.operator, orgs["POWER"]),
        "water_far": staff(Role.operator, orgs["WATER-JY"]),
        "builder": staff(Role.operator, orgs["BUILDER"]),
        "officer": staff(Role.street_officer, orgs["SO-SLQ"]),
        "manager": staff(Role.manager, orgs["PM-GXL"]),
        "resident": UserFactory(role=Role.resident, person=owners["GXL"]),
        "resident_far": UserFactory(role=Role.resident, person=owners["FAR"]),
        "sysadmin": UserFactory(role=Role.sysadmin),
    }
    for name, user in users.items():
        user.username = name
    # Only GXL has a term: the others' long-term management is a recorded plan.
    for code, community in communities.items():
        if code != "GXL":
            ManagementPlanFactory(community=community, recorded_by=users["bureau"])
    db.session.flush()
    return AssetWorld(communities=communities, orgs=orgs, users=users)
