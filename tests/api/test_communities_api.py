"""GET /api/v1/communities and /communities/{code}: visibility per role, filters, shapes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import event

from pmsys import clock
from pmsys.models.auth import OrgKind, Role
from pmsys.models.governance import ManagementMode
from pmsys.models.places import HouseholdResident, RegionKind
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
    resident_of,
    staff,
)

TODAY = datetime(2025, 6, 1, 4, 0, tzinfo=UTC)


@dataclass
class World:
    """Two districts; communities A, B (street S1), C (S2), E (S3, other district)."""

    district: object
    s1: object
    s2: object
    s3: object
    a: object
    b: object
    c: object
    e: object
    pm: object
    committee: object
    owner1: object
    owner2: object
    h101: object
    h102: object


@pytest.fixture
def world(db) -> World:
    clock.set_now(TODAY)
    city = RegionFactory(kind=RegionKind.city)
    district = RegionFactory(kind=RegionKind.district, parent=city)
    s1 = RegionFactory(code="S1", kind=RegionKind.street, parent=district)
    s2 = RegionFactory(code="S2", kind=RegionKind.street, parent=district)
    other = RegionFactory(kind=RegionKind.district, parent=city)
    s3 = RegionFactory(code="S3", kind=RegionKind.street, parent=other)
    a = CommunityFactory(code="A", name="供销楼", street=s1, built_year=1995)
    b = CommunityFactory(code="B", street=s1, built_year=None)
    c = CommunityFactory(code="C", street=s2)
    e = CommunityFactory(code="E", street=s3)

    building = BuildingFactory(community=a, code="1", name="一号楼", floors=6)
    unit = UnitFactory(building=building, code="1")
    owner1 = PersonFactory(name="张三", phone="13800000001")
    owner2 = PersonFactory(name="李四", phone="13900000002")
    h101 = HouseholdFactory(unit=unit, code="101", area=Decimal("62.50"), owner=owner1)
    h102 = HouseholdFactory(unit=unit, code="102", area=Decimal("70.25"), owner=owner2)
    BuildingFactory(community=a, code="2", floors=None)  # empty building
    HouseholdFactory(unit=UnitFactory(building=BuildingFactory(community=c, code="1")))

    pm = OrganizationFactory(code="PM1", name="好物业", kind=OrgKind.property_company)
    ManagementTermFactory(
        community=a, organization=pm, mode=ManagementMode.professional,
        start=date(2022, 1, 1), end=None, basis="业主大会决议 2021-12",
    )
    old_manager = OrganizationFactory(kind=OrgKind.self_management, community=b)
    ManagementTermFactory(
        community=b, organization=old_manager, mode=ManagementMode.self,
        start=date(2019, 1, 1), end=date(2021, 12, 31),
    )
    office = OrganizationFactory(kind=OrgKind.community_office)
    ManagementTermFactory(
        community=e, organization=office, mode=ManagementMode.community, start=date(2023, 3, 1)
    )
    committee = OrganizationFactory(kind=OrgKind.owners_committee, community=a)
    return World(district, s1, s2, s3, a, b, c, e, pm, committee, owner1, owner2, h101, h102)


def codes(client, headers, query: str = "") -> list[str]:
    response = client.get("/api/v1/communities" + query, headers=headers)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["total"] >= len(body["items"])
    return [item["code"] for item in body["items"]]


def detail(client, headers, code: str) -> dict:
    response = client.get(f"/api/v1/communities/{code}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def households(body: dict) -> dict[str, dict]:
    return {
        h["place"]: h
        for building in body["buildings"]
        for unit in building["units"]
        for h in unit["households"]
    }


# --- visibility per role ---------------------------------------------------------------------


def test_sysadmin_sees_all(client, api_token, world):
    headers = api_token(UserFactory(role=Role.sysadmin))
    assert codes(client, headers) == ["A", "B", "C", "E"]


def test_bureau_admin_sees_its_region_subtree(client, api_token, world):
    bureau = OrganizationFactory(kind=OrgKind.housing_bureau, region=world.district)
    headers = api_token(staff(Role.bureau_admin, bureau))
    assert codes(client, headers) == ["A", "B", "C"]
    assert client.get("/api/v1/communities/E", headers=headers).status_code == 404


def test_street_officer_sees_its_street(client, api_token, world):
    office = OrganizationFactory(kind=OrgKind.street_office, region=world.s1)
    headers = api_token(staff(Role.street_officer, office))
    assert codes(client, headers) == ["A", "B"]
    assert client.get("/api/v1/communities/C", headers=headers).status_code == 404


def test_manager_sees_only_communities_it_manages_today(client, api_token, world):
    headers = api_token(staff(Role.manager, world.pm))
    assert codes(client, headers) == ["A"]
    clock.set_now(datetime(2021, 12, 31, 4, 0, tzinfo=UTC))  # before its term began
    assert codes(client, headers) == []
    assert client.get("/api/v1/communities/A", headers=headers).status_code == 404


def test_manager_whose_term_ended_sees_nothing(client, api_token, world):
    org = OrganizationFactory(kind=OrgKind.property_company)
    ManagementTermFactory(
        community=world.c, organization=org, start=date(2015, 1, 1), end=date(2018, 12, 31)
    )
    headers = api_token(staff(Role.manager, org))
    assert codes(client, headers) == []
    assert client.get("/api/v1/communities/C", headers=headers).status_code == 404


def test_committee_member_sees_its_community(client, api_token, world):
    headers = api_token(staff(Role.committee_member, world.committee))
    assert codes(client, headers) == ["A"]


def test_operator_sees_its_region(client, api_token, world):
    water = OrganizationFactory(kind=OrgKind.utility, region=world.district)
    headers = api_token(staff(Role.operator, water))
    assert codes(client, headers) == ["A", "B", "C"]


def test_resident_sees_where_they_own_or_live(client, api_token, world, db):
    owner = resident_of(world.h101)
    assert codes(client, api_token(owner)) == ["A"]

    tenant = PersonFactory()
    db.session.add(HouseholdResident(household_id=world.h102.id, person_id=tenant.id))
    db.session.flush()
    assert codes(client, api_token(UserFactory(role=Role.resident, person=tenant))) == ["A"]

    stranger = UserFactory(role=Role.resident, person=PersonFactory())
    assert codes(client, api_token(stranger)) == []


def test_missing_and_invisible_communities_answer_alike(client, api_token, world):
    office = OrganizationFactory(kind=OrgKind.street_office, region=world.s1)
    headers = api_token(staff(Role.street_officer, office))
    invisible = client.get("/api/v1/communities/E", headers=headers)
    missing = client.get("/api/v1/communities/NOPE", headers=headers)
    assert invisible.status_code == missing.status_code == 404
    assert invisible.get_json()["error"]["code"] == missing.get_json()["error"]["code"]
    assert set(invisible.get_json()["error"]) == set(missing.get_json()["error"])


def test_anonymous_is_401(client, world):
    for path in ("/api/v1/communities", "/api/v1/communities/A"):
        response = client.get(path)
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "unauthenticated"


# --- the list: shape, filters, paging ------------------------------------------------------


def test_list_item_shape(client, api_token, world):
    headers = api_token(UserFactory(role=Role.sysadmin))
    items = {i["code"]: i for i in client.get("/api/v1/communities", headers=headers).json["items"]}
    assert items["A"] == {
        "code": "A",
        "name": "供销楼",
        "street": "S1",
        "built_year": 1995,
        "buildings": 2,
        "households": 2,
        "area": "132.75",
        "management": {
            "mode": "professional",
            "org": {"org": "PM1", "name": "好物业"},
            "start": "2022-01-01",
            "end": None,
        },
        "committee_status": "active",
    }
    assert items["B"]["management"] is None  # its only term ended in 2021
    assert items["B"]["built_year"] is None
    assert items["B"]["area"] == "0.00"
    assert items["B"]["committee_status"] == "none"
    assert items["C"]["households"] == 1
    assert items["E"]["management"]["mode"] == "community"


@pytest.mark.parametrize(
    "query, expected",
    [
        ("?street=S1", ["A", "B"]),
        ("?street=S3", ["E"]),
        ("?street=NOWHERE", []),
        ("?street=", ["A", "B", "C", "E"]),
        ("?mode=professional", ["A"]),
        ("?mode=community", ["E"]),
        ("?mode=self", []),
        ("?mode=original_unit", []),
        ("?mode=none", ["B", "C"]),
        ("?street=S1&mode=none", ["B"]),
        ("?street=S2&mode=professional", []),
    ],
)
def test_list_filters(client, api_token, world, query, expected):
    headers = api_token(UserFactory(role=Role.sysadmin))
    response = client.get("/api/v1/communities" + query, headers=headers)
    assert [i["code"] for i in response.json["items"]] == expected
    assert response.json["total"] == len(expected)


def test_mode_filter_follows_the_clock(client, api_token, world):
    headers = api_token(UserFactory(role=Role.sysadmin))
    clock.set_now(datetime(2020, 6, 1, tzinfo=UTC))
    assert codes(client, headers, "?mode=self") == ["B"]
    assert codes(client, headers, "?mode=none") == ["A", "C", "E"]


def test_filters_never_widen_visibility(client, api_token, world):
    office = OrganizationFactory(kind=OrgKind.street_office, region=world.s1)
    headers = api_token(staff(Role.street_officer, office))
    assert codes(client, headers, "?street=S3") == []
    assert codes(client, headers, "?mode=community") == []


@pytest.mark.parametrize("mode", ["bogus", "PROFESSIONAL", "none ", "0"])
def test_unknown_mode_is_400(client, api_token, world, mode):
    headers = api_token(UserFactory(role=Role.sysadmin))
    response = client.get("/api/v1/communities", query_string={"mode": mode}, headers=headers)
    assert response.status_code == 400
    assert "mode" in response.json["error"]["fields"]


def test_paging(client, api_token, world):
    headers = api_token(UserFactory(role=Role.sysadmin))
    pages = [
        client.get(f"/api/v1/communities?per_page=3&page={n}", headers=headers).json
        for n in (1, 2, 3)
    ]
    assert [[i["code"] for i in p["items"]] for p in pages] == [["A", "B", "C"], ["E"], []]
    assert {p["total"] for p in pages} == {4}
    last = client.get("/api/v1/communities?per_page=200&page=1000000", headers=headers).json
    assert last == {"items": [], "total": 4}


def test_list_costs_the_same_queries_for_one_row_or_many(app, client, api_token, world, db):
    headers = api_token(UserFactory(role=Role.sysadmin))
    for n in range(12):  # each on its own street, each with a building and a term
        community = CommunityFactory(code=f"Z{n:02d}")
        HouseholdFactory(unit=UnitFactory(building=BuildingFactory(community=community)))
        ManagementTermFactory(community=community)
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    connection = db.session.connection()
    client.get("/api/v1/communities?per_page=1", headers=headers)  # warm the identity map
    event.listen(connection, "before_cursor_execute", count)
    try:
        client.get("/api/v1/communities?per_page=1", headers=headers)
        one = len(statements)
        statements.clear()
        body = client.get("/api/v1/communities?per_page=200", headers=headers).json
        many = len(statements)
    finally:
        event.remove(connection, "before_cursor_execute", count)
    assert len(body["items"]) == 16
    assert many == one


# --- the detail --------------------------------------------------------------------------------


def test_detail_shape_for_sysadmin(client, api_token, world):
    body = detail(client, api_token(UserFactory(role=Role.sysadmin)), "A")
    assert body["code"] == "A"
    assert body["street"] == "S1"
    assert body["households"] == 2
    assert body["area"] == "132.75"
    assert body["assets"] == []
    assert body["management"]["org"] == {"org": "PM1", "name": "好物业"}
    assert body["management_terms"] == [
        {
            "mode": "professional",
            "org": {"org": "PM1", "name": "好物业"},
            "start": "2022-01-01",
            "end": None,
            "basis": "业主大会决议 2021-12",
        }
    ]
    first, second = body["buildings"]
    assert first == {
        "code": "1",
        "name": "一号楼",
        "floors": 6,
        "households": 2,
        "area": "132.75",
        "units": [
            {
                "code": "1",
                "households": [
                    {
                        "code": "101",
                        "place": "A/1/1/101",
                        "area": "62.50",
                        "owner": {"name": "张三", "phone": "13800000001"},
                    },
                    {
                        "code": "102",
                        "place": "A/1/1/102",
                        "area": "70.25",
                        "owner": {"name": "李四", "phone": "13900000002"},
                    },
                ],
            }
        ],
    }
    assert second == {
        "code": "2", "name": None, "floors": None, "households": 0, "area": "0.00", "units": [],
    }


def test_manager_reads_full_phones(client, api_token, world):
    body = detail(client, api_token(staff(Role.manager, world.pm)), "A")
    assert households(body)["A/1/1/101"]["owner"] == {"name": "张三", "phone": "13800000001"}


@pytest.mark.parametrize("who", ["bureau", "street", "committee"])
def test_other_staff_read_masked_phones(client, api_token, world, who):
    if who == "bureau":
        org = OrganizationFactory(kind=OrgKind.housing_bureau, region=world.district)
        user = staff(Role.bureau_admin, org)
    elif who == "street":
        user = staff(
            Role.street_officer, OrganizationFactory(kind=OrgKind.street_office, region=world.s1)
        )
    else:
        user = staff(Role.committee_member, world.committee)
    shown = households(detail(client, api_token(user), "A"))
    assert set(shown) == {"A/1/1/101", "A/1/1/102"}
    assert shown["A/1/1/101"]["owner"] == {"name": "张三", "phone": "138****0001"}
    assert shown["A/1/1/102"]["owner"]["phone"] == "139****0002"


def test_operator_sees_no_households(client, api_token, world):
    water = OrganizationFactory(kind=OrgKind.utility, region=world.district)
    body = detail(client, api_token(staff(Role.operator, water)), "A")
    assert households(body) == {}
    building = body["buildings"][0]
    assert [u["code"] for u in building["units"]] == ["1"]
    assert building["households"] == 2  # counts stay; the people behind them do not
    assert "13800000001" not in str(body) and "张三" not in str(body)


def test_resident_sees_only_their_own_household(client, api_token, world):
    body = detail(client, api_token(resident_of(world.h101)), "A")
    shown = households(body)
    assert list(shown) == ["A/1/1/101"]
    assert shown["A/1/1/101"]["owner"]["name"] == "张三"
    assert "李四" not in str(body) and "13900000002" not in str(body)


def test_tenant_sees_their_household_without_its_owner(client, api_token, world, db):
    tenant = PersonFactory()
    db.session.add(HouseholdResident(household_id=world.h102.id, person_id=tenant.id))
    db.session.flush()
    body = detail(client, api_token(UserFactory(role=Role.resident, person=tenant)), "A")
    assert households(body) == {
        "A/1/1/102": {"code": "102", "place": "A/1/1/102", "area": "70.25", "owner": None}
    }


@pytest.mark.parametrize(
    "code", ["a", "A ", "%20", "x" * 5000, "A%2F1", "' OR 1=1 --", "供销楼", "%ED%A0%80"]
)
def test_odd_codes_are_404_not_500(client, api_token, world, code):
    headers = api_token(UserFactory(role=Role.sysadmin))
    response = client.get(f"/api/v1/communities/{code}", headers=headers)
    assert response.status_code == 404
    assert response.json["error"]["code"]
