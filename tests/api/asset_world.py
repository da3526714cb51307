"""Factories for projects, assets and hand-overs, and the small world the asset API tests use.

    city BT ─ district D1 ─ street S1: community CA (owners' committee OC-A, manager PM)
            │             └ street S2: community CB (no committee)
            └ district D2 ─ street S9: community CX

Project P2021 (contractor BUILDER) covers CA and CB and was accepted on
2021-11-20; P2025 covers CA and is completed but not yet accepted. Assets:
CA-WS (water), CA-DR (drainage), CA-PW (power), CA-ROOF (roof of building 1),
CB-WS (water), all renewed by P2021, and CX-WS (water, no project). Logins,
each with DEFAULT_PASSWORD:

    bureau      bureau_admin of HB (district D1: CA, CB)
    bureau_out  bureau_admin of HB2 (district D2: CX)
    officer     street_officer of SO (street S1: CA)
    water       operator of WATER (utility of D1: water_supply, drainage)
    power       operator of POWER (utility of D1: power)
    water_out   operator of WATER2 (utility of D2: water_supply)
    builder     operator of BUILDER (the contractor, no region)
    committee   committee_member of OC-A (CA)
    manager     manager of PM (CA's manager today)
    ou_staff    manager of OU (an original unit that manages nothing)
    resident    owner of CA/1/1/101
    sysadmin
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import factory
from hypothesis import strategies as st

from pmsys import clock
from pmsys.auth.services import issue_token
from pmsys.extensions import db
from pmsys.models.assets import (
    Asset,
    AssetMaintainer,
    Handover,
    HandoverStatus,
    ItemClass,
    Project,
    ProjectCommunity,
    ProjectItem,
)
from pmsys.models.auth import Organization, OrgKind, Role, User
from pmsys.models.places import Community, RegionKind
from tests.factories import (
    BuildingFactory,
    CommunityFactory,
    HouseholdFactory,
    ManagementPlanFactory,
    ManagementTermFactory,
    OrganizationFactory,
    PersonFactory,
    RegionFactory,
    UnitFactory,
    UserFactory,
    _Base,
    staff,
)

NOW = datetime(2025, 6, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
TODAY = date(2025, 6, 2)
ACCEPTED = date(2021, 11, 20)


class ProjectFactory(_Base):
    class Meta:
        model = Project

    code = factory.Sequence(lambda n: f"PRJ{n}")
    name = factory.Sequence(lambda n: f"改造项目{n}")
    year = 2021

    @factory.post_generation
    def communities(self, create, extracted, **kwargs):
        for community in extracted or ():
            self.community_links.append(ProjectCommunity(community=community))
        if extracted:
            db.session.flush()


class ProjectItemFactory(_Base):
    class Meta:
        model = ProjectItem

    project = factory.SubFactory(ProjectFactory)
    kind = "water_pipes"
    item_class = ItemClass.basic


class AssetFactory(_Base):
    class Meta:
        model = Asset

    code = factory.Sequence(lambda n: f"AS{n}")
    category = "water_supply"
    community = factory.SubFactory(CommunityFactory)


class AssetMaintainerFactory(_Base):
    class Meta:
        model = AssetMaintainer

    asset = factory.SubFactory(AssetFactory)
    organization = factory.SubFactory(OrganizationFactory, kind=OrgKind.utility)
    start = date(2022, 1, 1)


class HandoverFactory(_Base):
    class Meta:
        model = Handover

    code = factory.Sequence(lambda n: f"H{n}")
    from_org = factory.SubFactory(OrganizationFactory, kind=OrgKind.housing_bureau)
    to_org = factory.SubFactory(OrganizationFactory, kind=OrgKind.utility)
    status = HandoverStatus.draft


@dataclass
class AssetWorld:
    """What the tests name: communities, organisations, projects and assets by code; logins."""

    communities: dict[str, Community]
    orgs: dict[str, Organization]
    projects: dict[str, Project]
    assets: dict[str, Asset]
    users: dict[str, User]


def build_asset_world() -> AssetWorld:
    """Create the world in the test's session and set the clock to NOW."""
    clock.set_now(NOW)
    city = RegionFactory(code="BT", kind=RegionKind.city)
    d1 = RegionFactory(code="D1", kind=RegionKind.district, parent=city)
    d2 = RegionFactory(code="D2", kind=RegionKind.district, parent=city)
    s1 = RegionFactory(code="S1", kind=RegionKind.street, parent=d1)
    s2 = RegionFactory(code="S2", kind=RegionKind.street, parent=d1)
    s9 = RegionFactory(code="S9", kind=RegionKind.street, parent=d2)
    ca = CommunityFactory(code="CA", name="供销楼", street=s1)
    cb = CommunityFactory(code="CB", name="环卫院", street=s2)
    cx = CommunityFactory(code="CX", name="远方小区", street=s9)
    building = BuildingFactory(community=ca, code="1")
    owner = PersonFactory(code="P-A", name="业主甲")
    HouseholdFactory(unit=UnitFactory(building=building, code="1"), code="101", owner=owner)

    def org(code, kind, **kwargs):
        return OrganizationFactory(code=code, name=f"{code} 单位", kind=kind, **kwargs)

    orgs = {
        "HB": org("HB", OrgKind.housing_bureau, region=d1),
        "HB2": org("HB2", OrgKind.housing_bureau, region=d2),
        "SO": org("SO", OrgKind.street_office, region=s1),
        "WATER": org("WATER", OrgKind.utility, region=d1,
                     categories=["water_supply", "drainage"]),
        "POWER": org("POWER", OrgKind.utility, region=d1, categories=["power"]),
        "WATER2": org("WATER2", OrgKind.utility, region=d2, categories=["water_supply"]),
        "BUILDER": org("BUILDER", OrgKind.contractor),
        "OC-A": org("OC-A", OrgKind.owners_committee, community=ca),
        "PM": org("PM", OrgKind.property_company),
        "OU": org("OU", OrgKind.original_unit),
    }
    ManagementTermFactory(community=ca, organization=orgs["PM"], start=date(2022, 1, 1))

    p2021 = ProjectFactory(code="P2021", name="2021年老旧小区改造", year=2021,
                           contractor=orgs["BUILDER"], completed_on=date(2021, 10, 30),
                           accepted_on=ACCEPTED, satisfaction_rate=Decimal("0.9500"),
                           communities=[ca, cb])
    for kind, klass in (("water_pipes", ItemClass.basic), ("power_lines", ItemClass.basic),
                        ("roof_waterproofing", ItemClass.complete)):
        ProjectItemFactory(project=p2021, kind=kind, item_class=klass, community=ca,
                           description=f"{kind} in CA")
    p2025 = ProjectFactory(code="P2025", name="2025年提升", year=2025,
                           contractor=orgs["BUILDER"], completed_on=date(2025, 5, 1),
                           communities=[ca, cb])

    def asset(code, category, community, **kwargs):
        return AssetFactory(code=code, name=code, category=category, community=community,
                            **kwargs)

    renewed = {"project": p2021, "warranty_contractor": orgs["BUILDER"]}
    assets = {
        "CA-WS": asset("CA-WS", "water_supply", ca, warranty_until=date(2023, 11, 20),
                       **renewed),
        "CA-DR": asset("CA-DR", "drainage", ca, warranty_until=date(2023, 11, 20), **renewed),
        "CA-PW": asset("CA-PW", "power", ca, warranty_until=date(2023, 11, 20), **renewed),
        "CA-ROOF": asset("CA-ROOF", "roof_leak", ca, building=building,
                         warranty_until=date(2026, 11, 20), **renewed),
        "CB-WS": asset("CB-WS", "water_supply", cb, warranty_until=date(2023, 11, 20),
                       **renewed),
        "CX-WS": asset("CX-WS", "water_supply", cx),
    }

    users = {
        "bureau": staff(Role.bureau_admin, orgs["HB"]),
        "bureau_out": staff(Role.bureau_admin, orgs["HB2"]),
        "officer": staff(Role.street_officer, orgs["SO"]),
        "water": staff(Role.operator, orgs["WATER"]),
        "power": staff(Role.operator, orgs["POWER"]),
        "water_out": staff(Role.operator, orgs["WATER2"]),
        "builder": staff(Role.operator, orgs["BUILDER"]),
        "committee": staff(Role.committee_member, orgs["OC-A"]),
        "manager": staff(Role.manager, orgs["PM"]),
        "ou_staff": staff(Role.manager, orgs["OU"]),
        "resident": UserFactory(role=Role.resident, person=owner),
        "sysadmin": UserFactory(role=Role.sysadmin),
    }
    for name, user in users.items():
        user.username = name
    # CB and CX have no term: a recorded plan is their long-term management arrangement.
    for community in (cb, cx):
        ManagementPlanFactory(community=community, recorded_by=users["bureau"])
    db.session.flush()
    return AssetWorld(
        communities={"CA": ca, "CB": cb, "CX": cx},
        orgs=orgs,
        projects={"P2021": p2021, "P2025": p2025},
        assets=assets,
        users=users,
    )


class Caller:
    """Requests to /api/v1 as one login after another, each with its own bearer token."""

    def __init__(self, client, world: AssetWorld):
        self.client = client
        self.world = world
        self._headers: dict[str, dict] = {}

    def headers(self, who: str | None) -> dict:
        if who is None:
            return {}
        if who not in self._headers:
            # Issued directly: logging in through the API would verify a password each time.
            token, _row = issue_token(db.session, self.world.users[who], timedelta(days=30))
            self._headers[who] = {"Authorization": "Bearer " + token}
        return self._headers[who]

    def get(self, who: str | None, path: str):
        return self.client.get("/api/v1" + path, headers=self.headers(who))

    def post(self, who: str | None, path: str, body=None, **kwargs):
        return self.client.post("/api/v1" + path, headers=self.headers(who), json=body, **kwargs)


def conforms_to_document(client, responses) -> None:
    """Assert each (documented path, method, response) has a documented status and shape."""
    from tests.api.test_openapi import conforms, response_schema

    doc = client.get("/api/v1/openapi.json").get_json()
    for path, method, response in responses:
        status = str(response.status_code)
        where = f"{method.upper()} {path} → {status}"
        assert status in doc["paths"][path][method]["responses"], where
        conforms(doc, response.get_json(), response_schema(doc, path, method, status), where)


# Any JSON value, small: the raw material of the "never a 500" fuzz tests.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=12), children, max_size=3),
    max_leaves=8,
)


def bodies(**fields):
    """JSON objects with any subset of `fields` (name → strategy), or any JSON value at all."""
    return st.fixed_dictionaries({}, optional={
        name: strategy | json_values for name, strategy in fields.items()
    }) | json_values
