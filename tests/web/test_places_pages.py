"""Home pages per role, the community list and the community and building pages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import pytest

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


@dataclass
class World:
    """Two streets of one district (GXL, HXY, WUYE), and a far-away community (FAR)."""

    gxl: object
    hxy: object
    wuye: object
    far: object
    gxl_building: object
    own: object
    neighbour: object
    users: dict


@pytest.fixture
def world(db) -> World:
    clock.set_now(datetime(2024, 6, 1, 4, 0))
    city = RegionFactory(code="BT", name="包头市", kind=RegionKind.city)
    district = RegionFactory(code="TYQ", name="土右旗", kind=RegionKind.district, parent=city)
    salaqi = RegionFactory(code="SLQ", name="萨拉齐镇", kind=RegionKind.street, parent=district)
    shuang = RegionFactory(code="SLZ", name="双龙镇", kind=RegionKind.street, parent=district)
    far_city = RegionFactory(code="HH", name="呼和浩特市", kind=RegionKind.city)
    far_street = RegionFactory(code="XC", name="新城街道", kind=RegionKind.street, parent=far_city)

    office = OrganizationFactory(kind=OrgKind.community_office, name="南街社区居委会",
                                 region=salaqi, phone="0472-8800001")
    gxl = CommunityFactory(code="GXL", name="供销楼小区", street=salaqi, built_year=1995,
                           address="萨拉齐镇南街 12 号", community_office=office)
    hxy = CommunityFactory(code="HXY", name="环卫院小区", street=shuang, built_year=1988)
    wuye = CommunityFactory(code="WUYE", name="无业主楼小区", street=salaqi, built_year=1990)
    far = CommunityFactory(code="FAR", name="远方小区", street=far_street, built_year=2000)

    building = BuildingFactory(community=gxl, code="1", floors=6)
    unit = UnitFactory(building=building, code="1")
    own = HouseholdFactory(unit=unit, code="101", area=Decimal("62.50"),
                           owner=PersonFactory(name="张三丰", phone="13800000001"))
    neighbour = HouseholdFactory(unit=unit, code="102", area=Decimal("48.25"),
                                 owner=PersonFactory(name="李四光", phone="13900000002"))
    second = BuildingFactory(community=gxl, code="2")
    HouseholdFactory(unit=UnitFactory(building=second, code="1"), code="201",
                     area=Decimal("70.00"), owner=PersonFactory(name="王五", phone="13700000003"))
    HouseholdFactory(unit=UnitFactory(building=BuildingFactory(community=hxy, code="1"),
                                      code="1"),
                     code="101", area=Decimal("55.00"), owner=PersonFactory(name="赵六"))
    HouseholdFactory(unit=UnitFactory(building=BuildingFactory(community=far, code="1"),
                                      code="1"),
                     code="101", area=Decimal("80.00"), owner=PersonFactory(name="远方业主"))

    manager_org = OrganizationFactory(kind=OrgKind.property_company, name="鑫源物业",
                                      phone="0472-5551234")
    self_org = OrganizationFactory(kind=OrgKind.self_management, name="环卫院自管会",
                                   community=hxy)
    ManagementTermFactory(community=gxl, organization=manager_org,
                          mode=ManagementMode.professional, start=date(2022, 1, 1),
                          basis="业主大会决议 2021-12")
    # The manager also ran HXY until the end of 2023; that term has ended.
    ManagementTermFactory(community=hxy, organization=manager_org,
                          mode=ManagementMode.professional, start=date(2020, 1, 1),
                          end=date(2023, 12, 31))
    ManagementTermFactory(community=hxy, organization=self_org, mode=ManagementMode.self,
                          start=date(2024, 1, 1))
    ManagementTermFactory(community=far, mode=ManagementMode.community, start=date(2021, 1, 1))
    committee = OrganizationFactory(kind=OrgKind.owners_committee, name="供销楼业委会",
                                    community=gxl)

    bureau = OrganizationFactory(kind=OrgKind.housing_bureau, name="土右旗住建局",
                                 region=district)
    street_office = OrganizationFactory(kind=OrgKind.street_office, name="萨拉齐镇政府",
                                        region=salaqi)
    utility = OrganizationFactory(kind=OrgKind.utility, name="旗水投公司", region=district,
                                  categories=["water_supply", "drainage"])
    far_bureau = OrganizationFactory(kind=OrgKind.housing_bureau, region=far_city)
    users = {
        "bureau": staff(Role.bureau_admin, bureau, username="bureau"),
        "far_bureau": staff(Role.bureau_admin, far_bureau, username="farbureau"),
        "officer": staff(Role.street_officer, street_office, username="officer"),
        "manager": staff(Role.manager, manager_org, username="manager"),
        "self_manager": staff(Role.manager, self_org, username="selfmanager"),
        "committee": staff(Role.committee_member, committee, username="committee"),
        "operator": staff(Role.operator, utility, username="operator"),
        "resident": resident_of(own, username="resident"),
        "sysadmin": UserFactory(role=Role.sysadmin, username="root"),
    }
    return World(gxl, hxy, wuye, far, building, own, neighbour, users)


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def listed_codes(html: str) -> set[str]:
    """The community codes linked from a page (each row or card links to its detail)."""
    return set(re.findall(r'href="/communities/([A-Z0-9]+)"', html))


# ---- Home pages ------------------------------------------------------------


def test_bureau_home_shows_region_totals_coverage_and_communities_without_term(
    client, login_as, world
):
    html = page(login_as(world.users["bureau"]), "/")
    # GXL (3 households), HXY (1) and WUYE (0) are in the district; FAR is not.
    stats = re.findall(r'class="stat-value">([^<]+)<', html)
    assert stats[:4] == ["3", "3", "4", "235.75 m²"]
    assert stats[4] == "66.67 %"
    assert "无业主楼小区" in html and "远方小区" not in html
    assert 'href="/communities/WUYE"' in html
    assert 'href="/communities?mode=professional"' in html


def test_street_officer_home_counts_only_its_street(client, login_as, world):
    html = page(login_as(world.users["officer"]), "/")
    stats = re.findall(r'class="stat-value">([^<]+)<', html)
    assert stats[:4] == ["2", "2", "3", "180.75 m²"]
    assert "50.00 %" in html


def test_manager_home_shows_only_communities_it_manages_today(client, login_as, world):
    html = page(login_as(world.users["manager"]), "/")
    assert listed_codes(html) == {"GXL"}
    assert "供销楼小区" in html and "环卫院小区" not in html
    assert "180.75 m²" in html


def test_committee_member_home_shows_its_community(client, login_as, world):
    html = page(login_as(world.users["committee"]), "/")
    assert listed_codes(html) == {"GXL"}
    assert "供销楼业委会" in html


def test_operator_home_shows_its_organisation_categories_and_area(client, login_as, world):
    operator = world.users["operator"]
    operator.locale = "en"  # category names are asserted in their English source form
    html = page(login_as(operator), "/")
    assert "旗水投公司" in html
    assert "Water supply" in html and "Drainage and septic tanks" in html
    assert "Heating" not in html
    stats = re.findall(r'class="stat-value">([^<]+)<', html)
    assert stats == ["3"]
    assert 'href="/communities"' in html
    assert "张三丰" not in html


def test_resident_home_shows_own_household_and_manager_contact(client, login_as, world):
    html = page(login_as(world.users["resident"]), "/")
    assert "GXL/1/1/101" in html
    assert "62.50 m²" in html
    assert "GXL/1/1/102" not in html and "48.25" not in html
    assert "鑫源物业" in html
    assert 'href="tel:0472-5551234"' in html
    assert "南街社区居委会" in html


def test_tenant_resident_sees_the_household_they_live_in(client, login_as, world, db):
    tenant = PersonFactory(name="房客", phone="13600000009")
    db.session.add(HouseholdResident(household_id=world.neighbour.id, person_id=tenant.id))
    db.session.flush()
    user = UserFactory(role=Role.resident, person=tenant)
    html = page(login_as(user), "/")
    assert "GXL/1/1/102" in html and "GXL/1/1/101" not in html


def test_sysadmin_home_counts_everything(client, login_as, world):
    html = page(login_as(world.users["sysadmin"]), "/")
    stats = re.findall(r'class="stat-value">([^<]+)<', html)
    assert stats[:3] == ["4", "4", "5"]


# ---- The community list ----------------------------------------------------


@pytest.mark.parametrize(
    "who, expected",
    [
        ("bureau", {"GXL", "HXY", "WUYE"}),
        ("far_bureau", {"FAR"}),
        ("officer", {"GXL", "WUYE"}),
        ("manager", {"GXL"}),
        ("self_manager", {"HXY"}),
        ("committee", {"GXL"}),
        ("operator", {"GXL", "HXY", "WUYE"}),
        ("resident", {"GXL"}),
        ("sysadmin", {"GXL", "HXY", "WUYE", "FAR"}),
    ],
)
def test_list_shows_exactly_the_visible_communities(client, login_as, world, who, expected):
    html = page(login_as(world.users[who]), "/communities")
    assert listed_codes(html) == expected


def test_list_rows_carry_counts_mode_manager_and_committee(client, login_as, world):
    html = page(login_as(world.users["bureau"]), "/communities")
    row = re.search(r'<tr>\s*<td class="primary"[^>]*><a href="/communities/GXL">.*?</tr>',
                    html, re.S).group(0)
    cells = re.findall(r'<td[^>]*>(.*?)</td>', row, re.S)
    text = [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]
    assert text[0] == "供销楼小区"
    assert text[1:5] == ["GXL", "2", "3", "180.75 m²"]
    assert "badge-professional" in cells[5]
    assert text[6] == "鑫源物业"
    assert "badge-none" in html  # WUYE has no term


def test_list_filters_by_street_and_mode(client, login_as, world):
    client = login_as(world.users["bureau"])
    assert listed_codes(page(client, "/communities?street=SLQ")) == {"GXL", "WUYE"}
    assert listed_codes(page(client, "/communities?mode=self")) == {"HXY"}
    assert listed_codes(page(client, "/communities?mode=professional")) == {"GXL"}
    assert listed_codes(page(client, "/communities?mode=none")) == {"WUYE"}
    assert listed_codes(page(client, "/communities?street=SLQ&mode=none")) == {"WUYE"}
    assert listed_codes(page(client, "/communities?street=SLZ&mode=professional")) == set()
    # The street filter offers the streets the user sees, not others'.
    html = page(client, "/communities")
    assert 'value="SLQ"' in html and 'value="SLZ"' in html and 'value="XC"' not in html


def test_list_refuses_unknown_filters_with_a_form_message(client, login_as, world):
    client = login_as(world.users["officer"])
    html = page(client, "/communities?mode=bogus", status=400)
    assert 'class="field-error"' in html and listed_codes(html) == set()
    # A street outside the officer's area is refused like an unknown one.
    html = page(client, "/communities?street=SLZ", status=400)
    assert listed_codes(html) == set()


@pytest.mark.parametrize("raw", ["abc", "0", "-3", "99999999999999999999999", "1.5", ""])
def test_list_bad_page_numbers_fall_back_without_error(client, login_as, world, raw):
    html = page(login_as(world.users["bureau"]), f"/communities?page={raw}")
    assert listed_codes(html) == {"GXL", "HXY", "WUYE"}


def test_list_is_paginated_by_fifty(client, login_as, world, db):
    street = world.gxl.street
    for n in range(55):
        CommunityFactory(code=f"PG{n:02d}", name=f"分页小区{n:02d}", street=street)
    client = login_as(world.users["officer"])
    first = listed_codes(page(client, "/communities?street=SLQ"))
    second_html = page(client, "/communities?street=SLQ&page=2")
    second = listed_codes(second_html)
    assert len(first) == 50 and len(second) == 7
    assert first.isdisjoint(second)
    assert 'href="/communities?page=1&amp;street=SLQ"' in second_html
    assert listed_codes(page(client, "/communities?street=SLQ&page=9")) == second


# ---- The community and building pages --------------------------------------


def test_detail_for_bureau_shows_households_owners_and_masked_phones(client, login_as, world):
    html = page(login_as(world.users["bureau"]), "/communities/GXL")
    assert "张三丰" in html and "李四光" in html and "王五" in html
    assert "138****0001" in html and "13800000001" not in html
    assert "62.50 m²" in html
    assert "萨拉齐镇" in html and "1995" in html and "萨拉齐镇南街 12 号" in html
    assert "南街社区居委会" in html and "鑫源物业" in html
    assert "2022-01-01" in html  # term start, as YYYY-MM-DD
    assert html.count('<details class="building"') == 2


def test_detail_for_the_current_manager_shows_full_phones(client, login_as, world):
    html = page(login_as(world.users["manager"]), "/communities/GXL")
    assert 'href="tel:13800000001"' in html and "13900000002" in html


def test_detail_for_a_resident_shows_only_their_own_household(client, login_as, world):
    html = page(login_as(world.users["resident"]), "/communities/GXL")
    assert "张三丰" in html and "62.50 m²" in html
    assert "李四光" not in html and "13900000002" not in html and "139****0002" not in html
    assert "王五" not in html and ">102<" not in html


def test_detail_for_an_operator_shows_no_households(client, login_as, world):
    html = page(login_as(world.users["operator"]), "/communities/GXL")
    assert "供销楼小区" in html
    for secret in ("张三丰", "李四光", "138****0001", ">101<"):
        assert secret not in html


def test_detail_shows_term_history_with_open_and_ended_terms(client, login_as, world):
    html = page(login_as(world.users["bureau"]), "/communities/HXY")
    terms = re.search(r'id="terms">(.*?)</section>', html, re.S).group(1)
    assert "2020-01-01" in terms and "2023-12-31" in terms and "2024-01-01" in terms
    assert terms.index("2024-01-01") < terms.index("2020-01-01")  # newest first
    assert "环卫院自管会" in terms and "鑫源物业" in terms


@pytest.mark.parametrize("who", ["bureau", "officer", "manager", "resident", "committee",
                                 "operator"])
def test_community_outside_the_users_reach_is_404(client, login_as, world, who):
    client = login_as(world.users[who])
    forbidden = page(client, "/communities/FAR", status=404)
    missing = page(client, "/communities/NOSUCH", status=404)
    assert "远方小区" not in forbidden
    strip = re.compile(r'name="csrf-token" content="[^"]+"|name="csrf_token" value="[^"]+"'
                       r'|name="next" value="[^"]+"')
    assert strip.sub("", forbidden) == strip.sub("", missing)
    page(client, "/communities/FAR/buildings/1", status=404)


def test_manager_loses_a_community_when_its_term_ends(client, login_as, world):
    client = login_as(world.users["manager"])
    page(client, "/communities/HXY", status=404)
    assert "HXY" not in listed_codes(page(client, "/communities"))


def test_officer_cannot_open_the_other_streets_community(client, login_as, world):
    page(login_as(world.users["officer"]), "/communities/HXY", status=404)


def test_building_page_lists_units_and_households(client, login_as, world):
    client = login_as(world.users["bureau"])
    html = page(client, "/communities/GXL/buildings/1")
    assert "张三丰" in html and "李四光" in html and "王五" not in html
    assert "110.75 m²" in html
    page(client, "/communities/GXL/buildings/99", status=404)


def test_building_page_for_a_resident_hides_neighbours(client, login_as, world):
    client = login_as(world.users["resident"])
    html = page(client, "/communities/GXL/buildings/1")
    assert "张三丰" in html and "李四光" not in html
    other = page(client, "/communities/GXL/buildings/2")
    assert "王五" not in other and "70.00 m²" in other  # the building's total, not a row


@pytest.mark.parametrize("url", ["/", "/communities", "/communities/GXL",
                                 "/communities/GXL/buildings/1", "/account"])
def test_anonymous_users_are_sent_to_login(client, world, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert response.headers["Location"].endswith(url.replace("/", "%2F"))
