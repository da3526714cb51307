"""Region bundles for the import tests: a small valid one, and ways to count rows."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import func, select

from pmsys.audit import AuditRecord
from pmsys.imports.services import BundleInvalid, import_bundle
from pmsys.models.assets import (
    Asset,
    AssetMaintainer,
    Handover,
    HandoverAsset,
    HandoverEvent,
    Project,
    ProjectCommunity,
    ProjectItem,
)
from pmsys.models.auth import Organization, OrganizationCategory, User
from pmsys.models.governance import ManagementTerm
from pmsys.models.places import (
    Building,
    Community,
    Household,
    HouseholdResident,
    Person,
    Region,
    Setting,
    Unit,
)

PASSWORDS = {
    "zhang": "lives at 101 since 1995",
    "water1": "pipes and valves 2022",
    "bureau": "tuyouqi housing office",
}

_SMALL = {
    "version": 1,
    "settings": {
        "heating_season": {"start": "10-15", "end": "04-15"},
        "handover_overdue_days": 60,
        "acceptance_min_satisfaction": "0.85",
    },
    "regions": [
        {"code": "BT", "name": "包头市", "name_en": "Baotou", "kind": "city"},
        {"code": "TYQ", "name": "土默特右旗", "kind": "district", "parent": "BT"},
        {"code": "SLQ", "name": "萨拉齐镇", "kind": "street", "parent": "TYQ"},
    ],
    "organizations": [
        {"code": "TYQ-HB", "name": "旗住建局", "kind": "housing_bureau", "region": "TYQ"},
        {"code": "SLQ-SO", "name": "萨拉齐镇人民政府", "kind": "street_office", "region": "SLQ"},
        {"code": "WATER", "name": "旗水投公司", "kind": "utility", "region": "TYQ",
         "categories": ["water_supply", "drainage"], "phone": "0472-8812345"},
        {"code": "PM1", "name": "物业一公司", "kind": "property_company", "region": "TYQ"},
        {"code": "GXL-OC", "name": "供销楼业主委员会", "kind": "owners_committee",
         "community": "GXL"},
        {"code": "DH-CO", "name": "东河社区居委会", "kind": "community_office", "region": "SLQ"},
        {"code": "BUILDER", "name": "安泰建筑公司", "kind": "contractor", "region": "TYQ"},
    ],
    "people": [
        {"code": "P1", "name": "张三", "phone": "13800000001"},
        {"code": "P2", "name": "李四"},
        {"code": "P3", "name": "王五", "phone": "13800000003"},
    ],
    "communities": [
        {"code": "GXL", "name": "供销楼", "street": "SLQ", "built_year": 1995,
         "address": "萨拉齐镇东河路 12 号", "community_office": "DH-CO",
         "buildings": [
             {"code": "1", "floors": 6, "units": [
                 {"code": "1", "households": [
                     {"code": "101", "area": "62.50", "owner": "P1", "residents": ["P3"]},
                     {"code": "102", "area": 48.3, "owner": "P2"},
                 ]},
                 {"code": "2", "households": [
                     {"code": "201", "area": 70, "owner": "P1"},
                 ]},
             ]},
         ]},
    ],
    "users": [
        {"username": "zhang", "password": PASSWORDS["zhang"], "role": "resident", "person": "P1"},
        {"username": "water1", "password": PASSWORDS["water1"], "role": "operator",
         "org": "WATER"},
        {"username": "bureau", "password": PASSWORDS["bureau"], "role": "bureau_admin",
         "org": "TYQ-HB"},
    ],
    "projects": [
        {"code": "2021-01", "name": "供销楼改造", "year": 2021, "contractor": "BUILDER",
         "communities": ["GXL"], "completed_on": "2021-10-31", "accepted_on": "2021-11-20",
         "satisfaction_rate": "0.9370",
         "items": [
             {"kind": "water_pipes", "class": "basic"},
             {"kind": "drainage_pipes", "class": "basic", "community": "GXL"},
             {"kind": "heating_pipes", "class": "basic", "community": "GXL"},
             {"kind": "roof_waterproofing", "class": "basic", "community": "GXL",
              "contractor": "BUILDER", "description": "1号楼屋面防水"},
         ]},
    ],
    "assets": [
        {"code": "GXL-WS", "category": "water_supply", "community": "GXL", "building": None,
         "unit": None, "project": "2021-01", "warranty_contractor": "BUILDER",
         "warranty_until": None},
        {"code": "GXL-DR", "name": "供销楼排水管网", "category": "drainage", "community": "GXL",
         "project": "2021-01"},
        {"code": "GXL-HT", "category": "heating", "community": "GXL", "project": "2021-01"},
        {"code": "GXL-1-ROOF", "category": "roof_leak", "community": "GXL", "building": "1",
         "project": "2021-01", "warranty_until": "2028-12-31"},
        {"code": "GXL-1-2-DOOR", "category": "access_security", "community": "GXL",
         "building": "1", "unit": "2"},
    ],
    "handovers": [
        {"code": "H-1", "from": "TYQ-HB", "to": "WATER", "assets": ["GXL-WS", "GXL-DR"],
         "effective_on": "2022-03-01"},
    ],
    "management_terms": [
        {"community": "GXL", "mode": "community", "org": "DH-CO", "start": "2021-01-01",
         "end": "2021-12-31", "basis": "街道托管"},
        {"community": "GXL", "mode": "professional", "org": "PM1", "start": "2022-01-01",
         "end": None},
    ],
}


def small_bundle() -> dict:
    """A fresh copy of a small bundle that uses every supported section."""
    return copy.deepcopy(_SMALL)


COUNTED = (
    Region, Organization, OrganizationCategory, Person, Community, Building, Unit, Household,
    HouseholdResident, User, ManagementTerm, Setting, Project, ProjectCommunity, ProjectItem,
    Asset, AssetMaintainer, Handover, HandoverAsset, HandoverEvent,
)


def row_counts(session) -> dict[str, int]:
    """The number of rows of every table an import writes, and of import audit records."""
    counts = {
        model.__tablename__: session.scalar(select(func.count()).select_from(model))
        for model in COUNTED
    }
    for action in ("bundle_imported", "handover_imported"):
        counts[action] = session.scalar(
            select(func.count()).select_from(AuditRecord).where(AuditRecord.action == action)
        )
    return counts


def snapshot(session) -> dict[str, list[tuple]]:
    """Every column of every row an import writes, to prove that nothing changed."""
    result = {}
    for model in COUNTED:
        columns = list(model.__table__.columns)
        rows = session.execute(select(*columns).order_by(*model.__table__.primary_key.columns))
        result[model.__tablename__] = [tuple(row) for row in rows]
    return result


def sized_bundle(
    households: int, per_unit: int = 12, per_building: int = 3, community: str = "BIG"
) -> dict:
    """The small bundle plus a community of `households` households, each with its own owner.

    The community is renovated by one project; each building has a roof and each unit a
    power line, and each building's power lines are handed over to the water company (a
    utility like any other here) in a hand-over of their own.
    """
    bundle = small_bundle()
    units, buildings = [], []
    for number in range(households):
        if number % per_unit == 0:
            units.append({"code": str(len(units) % per_building + 1), "households": []})
            if len(units) % per_building == 1:
                buildings.append({"code": str(len(buildings) + 1), "floors": 6, "units": []})
            buildings[-1]["units"].append(units[-1])
        person = f"BIG-{number}"
        bundle["people"].append({"code": person, "name": f"业主{number}"})
        units[-1]["households"].append(
            {"code": str(101 + number % per_unit), "area": f"{50 + number % 40}.25",
             "owner": person}
        )
    bundle["communities"].append(
        {"code": community, "name": "大众苑小区", "street": "SLQ", "buildings": buildings}
    )
    project = f"{community}-2021"
    bundle["projects"].append({
        "code": project, "year": 2021, "contractor": "BUILDER", "communities": [community],
        "completed_on": "2021-10-31", "accepted_on": "2021-11-20",
        "items": [
            {"kind": "roof_waterproofing", "class": "basic", "community": community,
             "description": f"{building['code']}号楼"}
            for building in buildings
        ] + [{"kind": "power_lines", "class": "basic"}],
    })
    for building in buildings:
        place = f"{community}-{building['code']}"
        bundle["assets"].append({"code": f"{place}-ROOF", "category": "roof_leak",
                                 "community": community, "building": building["code"],
                                 "project": project})
        lines = []
        for unit in building["units"]:
            lines.append(f"{place}-{unit['code']}-PW")
            bundle["assets"].append({"code": lines[-1], "category": "power",
                                     "community": community, "building": building["code"],
                                     "unit": unit["code"], "project": project})
        bundle["handovers"].append({"code": f"{place}-H", "from": "TYQ-HB", "to": "WATER",
                                    "assets": lines, "effective_on": "2022-05-01"})
    return bundle


def refused_unchanged(db, bundle, counted, actor="cli") -> list[str]:
    """Import `bundle`, expecting it refused with `counted(db)` unchanged; return the errors."""
    before = counted(db)
    with pytest.raises(BundleInvalid) as caught:
        import_bundle(db.session, bundle, actor=actor)
    assert counted(db) == before
    return caught.value.errors
