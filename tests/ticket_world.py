"""The fixture world of the ticket tests: tests/world.py plus what routing needs.

On top of build_world() (see its docstring for CA, CB, CC and the logins):

    CA-WS   water supply of CA, handed over to W-D1 (operator_in) on 2024-03-01
    CA-RF   roof of CA building 1, under warranty of contractor K-1 until 2027-05-31
    CA-LT   lighting of CA, warranty ended 2024-12-31, never handed over
    CA-TEL-1, CA-TEL-2   telecom lines of carriers T-1 and T-2 on CA building 1
    G-D1    gas utility serving gas in district D1          (login gas_staff)
    CG-BT   urban-management authority serving illegal_building in the city
    K-1     the roof contractor                              (login contractor)
    T-1     a telecom carrier                                (login carrier)

Routing in CA on NOW's date (2025-06-02): water → W-D1 (maintainer), roof of
building 1 → K-1 (warranty), lighting → PM-A (manager), gas → G-D1
(gas_emergency), illegal_building → CG-BT (duty), water inside CA/1/1/101 →
PM-A (owner_side), telecom on building 1 → asks which carrier; anything in CC →
CC has no manager today: its street office SO-S3 (no_manager).
"""

from __future__ import annotations

from datetime import date

from pmsys.extensions import db
from pmsys.models.assets import Asset, AssetMaintainer
from pmsys.models.auth import OrgKind, Role
from pmsys.models.places import RegionKind
from pmsys.tickets.services import file_ticket
from tests.factories import OrganizationFactory, staff
from tests.world import NOW, World, build_world

__all__ = ["NOW", "build_ticket_world", "file_as"]


def build_ticket_world() -> World:
    """Build (and commit) the access world plus the ticket extras; the clock reads NOW.

    The extra organisations are in `world.orgs` by code.
    """
    world = build_world()
    ca, cc = world.communities["CA"], world.communities["CC"]
    d1 = world.streets["S1"].parent
    city = d1.parent
    s3 = world.streets["S3"]
    orgs = {
        "W-D1": world.users["operator_in"].organization,
        "PM-A": world.users["manager_a"].organization,
        "SO-S1": world.users["officer"].organization,
        "HB-D1": world.users["bureau"].organization,
        "G-D1": OrganizationFactory(code="G-D1", name="燃气公司", kind=OrgKind.utility,
                                    region=d1, categories=["gas"]),
        "CG-BT": OrganizationFactory(code="CG-BT", name="城管执法局", kind=OrgKind.authority,
                                     region=city, categories=["illegal_building"]),
        "K-1": OrganizationFactory(code="K-1", name="屋面施工队", kind=OrgKind.contractor),
        "T-1": OrganizationFactory(code="T-1", name="电信", kind=OrgKind.utility, region=d1,
                                   categories=["telecom"]),
        "T-2": OrganizationFactory(code="T-2", name="移动", kind=OrgKind.utility, region=d1,
                                   categories=["telecom"]),
        "SO-S3": OrganizationFactory(code="SO-S3", name="双龙镇政府",
                                     kind=OrgKind.street_office, region=s3),
    }
    assert s3.kind is RegionKind.street and cc.street_id == s3.id
    building_1 = next(b for b in ca.buildings if b.code == "1")
    water = world.assets["CA-WS"]
    water.name = "供水管网"
    db.session.add(AssetMaintainer(asset=water, organization=orgs["W-D1"],
                                   start=date(2024, 3, 1)))
    extra = {
        "CA-RF": Asset(code="CA-RF", name="1号楼屋面", category="roof_leak", community=ca,
                       building=building_1, warranty_contractor=orgs["K-1"],
                       warranty_until=date(2027, 5, 31)),
        "CA-LT": Asset(code="CA-LT", name="路灯", category="lighting", community=ca,
                       warranty_contractor=orgs["K-1"], warranty_until=date(2024, 12, 31)),
        "CA-TEL-1": Asset(code="CA-TEL-1", name="电信线路", category="telecom", community=ca,
                          building=building_1),
        "CA-TEL-2": Asset(code="CA-TEL-2", name="移动线路", category="telecom", community=ca,
                          building=building_1),
    }
    db.session.add_all(extra.values())
    db.session.flush()
    db.session.add(AssetMaintainer(asset=extra["CA-TEL-1"], organization=orgs["T-1"],
                                   start=date(2023, 1, 1)))
    db.session.add(AssetMaintainer(asset=extra["CA-TEL-2"], organization=orgs["T-2"],
                                   start=date(2023, 1, 1)))
    world.assets.update(extra)
    users = {
        "gas_staff": staff(Role.operator, orgs["G-D1"]),
        "contractor": staff(Role.operator, orgs["K-1"]),
        "carrier": staff(Role.operator, orgs["T-1"]),
        "authority": staff(Role.operator, orgs["CG-BT"]),
        "officer_s3": staff(Role.street_officer, orgs["SO-S3"]),
    }
    for name, user in users.items():
        user.username = name
    world.users.update(users)
    world.orgs = orgs
    db.session.commit()
    return world


def file_as(world: World, login: str, **fields):
    """File a ticket as `login` (committed), defaulting to a water leak in CA."""
    fields.setdefault("category", "water_supply")
    fields.setdefault("community", "CA")
    fields.setdefault("description", "楼道水管漏水")
    ticket = file_ticket(db.session, world.users[login], **fields)
    db.session.commit()
    return ticket
