"""Factories and a small region for the assets domain: projects, assets, hand-overs.

`build_region()` makes two districts of one city:

    district D1: street S1 with community CA (owners' committee OC-A),
                 street S3 with community CC (no committee)
    district D2: street S2 with community CB (owners' committee OC-B)

and one login per kind of actor (see `Region.users`). The clock is left to the
caller; the project helpers take explicit dates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import factory

from pmsys.assets import services
from pmsys.extensions import db
from pmsys.models.assets import Asset, AssetMaintainer, Handover, Project, ProjectCommunity
from pmsys.models.auth import Organization, OrgKind, Role, User
from pmsys.models.leaders import BuildingAssignment
from pmsys.models.places import Community, RegionKind, Setting
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
    resident_of,
    staff,
)


class ProjectFactory(_Base):
    class Meta:
        model = Project

    code = factory.Sequence(lambda n: f"PRJ-{n}")
    name = factory.Sequence(lambda n: f"改造项目{n}")
    year = 2021


class AssetFactory(_Base):
    class Meta:
        model = Asset

    code = factory.Sequence(lambda n: f"AS-{n}")
    category = "water_supply"
    community = factory.SubFactory(CommunityFactory)


def project_for(communities: list[Community], accepted_on: date | None = None,
                **kwargs) -> Project:
    """A project covering `communities`, accepted on `accepted_on` (bypassing the rules)."""
    project = ProjectFactory(accepted_on=accepted_on, **kwargs)
    for community in communities:
        project.community_links.append(ProjectCommunity(community=community))
    db.session.flush()
    return project


def stint(asset: Asset, org: Organization, start: date, end: date | None = None,
          handover: Handover | None = None) -> AssetMaintainer:
    """Record `org` as the asset's maintainer from `start` (a pre-existing arrangement)."""
    row = AssetMaintainer(asset=asset, organization=org, start=start, end=end,
                          handover_id=handover.id if handover else None)
    db.session.add(row)
    db.session.flush()
    return row


def setting(key: str, value, scope: str = "") -> Setting:
    """Store a setting, globally ("") or for a region code."""
    row = Setting(scope=scope, key=key, value=value)
    db.session.add(row)
    db.session.flush()
    return row


@dataclass
class Region:
    """The fixture region: places, organisations and one login per kind of actor."""

    places: dict = field(default_factory=dict)
    orgs: dict[str, Organization] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    def __getattr__(self, name):
        for table in ("places", "orgs", "users"):
            values = self.__dict__.get(table, {})
            if name in values:
                return values[name]
        raise AttributeError(name)


def build_region() -> Region:
    """Create the fixture region described in the module docstring."""
    city = RegionFactory(kind=RegionKind.city)
    d1 = RegionFactory(kind=RegionKind.district, parent=city)
    d2 = RegionFactory(kind=RegionKind.district, parent=city)
    s1 = RegionFactory(kind=RegionKind.street, parent=d1)
    s3 = RegionFactory(kind=RegionKind.street, parent=d1)
    s2 = RegionFactory(kind=RegionKind.street, parent=d2)
    ca = CommunityFactory(code="CA", street=s1)
    cc = CommunityFactory(code="CC", street=s3)
    cb = CommunityFactory(code="CB", street=s2)
    places = {"city": city, "d1": d1, "d2": d2, "s1": s1, "s2": s2, "s3": s3,
              "ca": ca, "cb": cb, "cc": cc}
    for name, community in (("ca", ca), ("cb", cb), ("cc", cc)):
        places[f"{name}_b1"] = BuildingFactory(community=community, code="1")
        places[f"{name}_b1_u1"] = UnitFactory(building=places[f"{name}_b1"], code="1")
    places["ca_b2"] = BuildingFactory(community=ca, code="2")
    places["ca_b2_u1"] = UnitFactory(building=places["ca_b2"], code="1")
    home = HouseholdFactory(unit=places["ca_b1_u1"], code="101")
    home_b = HouseholdFactory(unit=places["cb_b1_u1"], code="101")

    org = OrganizationFactory
    orgs = {
        "hb1": org(code="HB1", kind=OrgKind.housing_bureau, region=d1),
        "hb2": org(code="HB2", kind=OrgKind.housing_bureau, region=d2),
        "so1": org(code="SO1", kind=OrgKind.street_office, region=s1),
        "so2": org(code="SO2", kind=OrgKind.street_office, region=s2),
        "water": org(code="WATER", kind=OrgKind.utility, region=d1,
                     categories=["water_supply", "drainage"]),
        "water_b": org(code="WATER-B", kind=OrgKind.utility, region=d2,
                       categories=["water_supply"]),
        "heat": org(code="HEAT", kind=OrgKind.utility, region=d1, categories=["heating"]),
        "unicom": org(code="UNICOM", kind=OrgKind.utility, region=d1, categories=["telecom"]),
        "mobile": org(code="MOBILE", kind=OrgKind.utility, region=d1, categories=["telecom"]),
        "builder": org(code="BUILDER", kind=OrgKind.contractor, region=d1),
        "builder_b": org(code="BUILDER-B", kind=OrgKind.contractor, region=d2),
        "unit": org(code="OU", kind=OrgKind.original_unit, region=d1),
        "oc_a": org(code="OC-A", kind=OrgKind.owners_committee, community=ca),
        "oc_b": org(code="OC-B", kind=OrgKind.owners_committee, community=cb),
        "pm_a": org(code="PM-A", kind=OrgKind.property_company, region=d1),
    }
    ManagementTermFactory(community=ca, organization=orgs["pm_a"], start=date(2020, 1, 1))
    users = {
        "bureau": staff(Role.bureau_admin, orgs["hb1"], username="bureau"),
        "bureau_b": staff(Role.bureau_admin, orgs["hb2"], username="bureau_b"),
        "officer": staff(Role.street_officer, orgs["so1"], username="officer"),
        "officer_b": staff(Role.street_officer, orgs["so2"], username="officer_b"),
        "water": staff(Role.operator, orgs["water"], username="water"),
        "water2": staff(Role.operator, orgs["water"], username="water2"),
        "water_b": staff(Role.operator, orgs["water_b"], username="water_b"),
        "heat": staff(Role.operator, orgs["heat"], username="heat"),
        "builder": staff(Role.operator, orgs["builder"], username="builder"),
        "builder_b": staff(Role.operator, orgs["builder_b"], username="builder_b"),
        "unit_staff": staff(Role.manager, orgs["unit"], username="unit_staff"),
        "committee_a": staff(Role.committee_member, orgs["oc_a"], username="committee_a"),
        "committee_a2": staff(Role.committee_member, orgs["oc_a"], username="committee_a2"),
        "committee_b": staff(Role.committee_member, orgs["oc_b"], username="committee_b"),
        "manager_a": staff(Role.manager, orgs["pm_a"], username="manager_a"),
        "resident_a": resident_of(home, username="resident_a"),
        "resident_b": resident_of(home_b, username="resident_b"),
        "sysadmin": UserFactory(role=Role.sysadmin, username="sysadmin"),
        # A building leader and a grid worker of CA's first building: they see tickets of
        # their building, never a community's register (docs/domain.md#building-leaders).
        "leader": UserFactory(role=Role.building_leader, username="leader",
                              person=PersonFactory(code="P-LEADER")),
        "grid": staff(Role.grid_worker, orgs["so1"], username="grid"),
    }
    db.session.flush()
    for who in ("leader", "grid"):
        db.session.add(BuildingAssignment(user=users[who], building=home.unit.building,
                                          start=date(2020, 1, 1),
                                          assigned_by_id=users["officer"].id))
    # CB and CC have no term: their long-term management is a recorded plan (acceptance
    # needs one or the other).
    for community in (cb, cc):
        ManagementPlanFactory(community=community, recorded_by=users["bureau"])
    return Region(places=places, orgs=orgs, users=users)


def asset(region: Region, code: str, category: str, community: str = "ca",
          project: Project | None = None, **kwargs) -> Asset:
    """An asset row in one of the region's communities (bypassing the register rules)."""
    return AssetFactory(code=code, category=category, community=region.places[community],
                        project=project, **kwargs)


def inspected(region: Region, code: str, assets: list[str], *, frm: str = "HB1",
              to: str = "WATER", defects: list[str] | None = None,
              inspected_on: date | None = None) -> Handover:
    """A hand-over drafted by the bureau, submitted by the transferor, inspected by the receiver."""
    session = db.session
    handover = services.create_handover(session, region.users["bureau"], code=code,
                                        from_org=frm, to_org=to, assets=assets)
    transferor = party_user(region, handover.from_org)
    receiver = party_user(region, handover.to_org)
    services.take_action(session, transferor, handover, "submit")
    services.take_action(session, receiver, handover, "inspect", defects=defects or [],
                         inspected_on=inspected_on, note="both parties")
    return handover


def party_user(region: Region, org: Organization) -> User:
    """The first login of the region that is staff of `org`."""
    return next(u for u in region.users.values() if u.organization_id == org.id)


def make_effective(region: Region, handover: Handover, effective_on: date | None = None,
                   committee: str | None = None) -> Handover:
    """Sign an inspected hand-over by every party it needs, on `effective_on`."""
    session = db.session
    services.take_action(session, party_user(region, handover.to_org), handover, "sign",
                         effective_on=effective_on)
    services.take_action(session, party_user(region, handover.from_org), handover, "sign")
    if committee is not None:
        services.take_action(session, region.users[committee], handover, "sign")
    return handover
