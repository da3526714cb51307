"""Lists agree with object checks, and filters never widen them (RELIABILITY.md §3).

For every login of the fixture world (tests/world.py): the communities in the
API list, the web list and the home page are exactly those whose detail page
and API answer 200, which are exactly the ones the login should see. The
households shown are exactly those permissions.household_clause allows, and
nobody is shown an owner they may not read.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from pmsys.auth.models import Role, User
from pmsys.auth.permissions import household_clause, mask_phone, visible_communities
from pmsys.auth.services import issue_token
from pmsys.extensions import db as _db
from pmsys.places.models import Community, Household
from pmsys.places.services import LIST_MODES
from tests.factories import DEFAULT_PASSWORD
from tests.world import MODES_TODAY, READABLE_HOUSEHOLDS, STREETS, VISIBLE, build_world

LOGINS = sorted(VISIBLE)
AREA_ROLES = {Role.street_officer, Role.bureau_admin, Role.sysadmin}

LIST_TABLE = re.compile(r'<table class="rtable communities">(.*?)</table>', re.S)
COMMUNITY_LINK = re.compile(r'href="/communities/([^"/?]+)["/]')
NEXT_PAGE = re.compile(r'<a href="([^"]+)" rel="next">')
FIRST_STAT = re.compile(r'<span class="stat-value">([^<]*)</span>')
UNIT_SECTION = re.compile(r'<section class="unit">\s*<h4>Unit ([^<]+)</h4>(.*?)</section>', re.S)
HOUSEHOLD_CELL = re.compile(r'<td class="primary" data-label="Household">([^<]+)</td>')
PLACE_CODE = re.compile(r'<h3 class="place-code">([^<]+)</h3>')


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def as_login(client, world, login_as):
    """`as_login(name)` logs `name` in on the client (English pages) and returns API headers."""

    def log_in(name: str) -> dict:
        user = world.users[name]
        login_as(user)
        client.set_cookie("lang", "en")
        token, _row = issue_token(_db.session, user, timedelta(hours=1))
        return {"Authorization": f"Bearer {token}"}

    return log_in


def get(client, url: str, headers: dict | None = None, status: int = 200):
    response = client.get(url, headers=headers or {})
    assert response.status_code == status, (url, response.status_code)
    return response


def api_list(client, headers: dict, query: str = "") -> list[str]:
    """Every code of GET /api/v1/communities, one item a page, so paging is checked too."""
    first = get(client, f"/api/v1/communities?per_page=1{query}", headers).get_json()
    total = first["total"]
    codes = [item["code"] for item in first["items"]]
    for page in range(2, total + 2):
        body = get(client, f"/api/v1/communities?per_page=1&page={page}{query}", headers)
        items = body.get_json()["items"]
        assert body.get_json()["total"] == total
        codes += [item["code"] for item in items]
    assert len(codes) == total, codes  # the page after the last one is empty
    assert codes == sorted(codes), "the list is ordered by code"
    return codes


def web_list(client, query: str = "") -> list[str]:
    """Every code of the web community list, following its pager."""
    codes, url = [], f"/communities?{query}"
    while url:
        html = get(client, url).get_data(as_text=True)
        table = LIST_TABLE.search(html)
        codes += COMMUNITY_LINK.findall(table.group(1)) if table else []
        following = NEXT_PAGE.search(html)
        url = following.group(1).replace("&amp;", "&") if following else None
    return codes


def detail_answers(client, headers: dict, codes) -> dict[str, tuple[int, int]]:
    """(web status, API status) of each community's detail."""
    return {
        code: (client.get(f"/communities/{code}").status_code,
               client.get(f"/api/v1/communities/{code}", headers=headers).status_code)
        for code in codes
    }


@pytest.mark.parametrize("name", LOGINS)
def test_lists_home_and_detail_pages_agree(db, client, world, as_login, name):
    headers = as_login(name)
    user = world.users[name]
    everything = sorted(db.session.scalars(select(Community.code)))

    api_codes = api_list(client, headers)
    web_codes = web_list(client)
    answers = detail_answers(client, headers, everything)
    assert set(answers.values()) <= {(200, 200), (404, 404)}, answers
    open_details = {code for code, statuses in answers.items() if statuses == (200, 200)}
    checked = {c.code for c in db.session.scalars(visible_communities(user))}

    assert len(api_codes) == len(set(api_codes)) and len(web_codes) == len(set(web_codes))
    assert set(api_codes) == set(web_codes) == open_details == checked == VISIBLE[name]

    home = get(client, "/").get_data(as_text=True)
    linked = set(COMMUNITY_LINK.findall(home))
    stats = FIRST_STAT.findall(home)
    if user.role in AREA_ROLES:
        # The overview counts the area and links the communities without a term.
        assert stats[0] == str(len(VISIBLE[name]))
        assert linked == {c for c in VISIBLE[name] if MODES_TODAY[c] == "none"}
    elif user.role is Role.operator:
        assert stats[0] == str(len(VISIBLE[name]))
        assert linked == set()
    else:
        assert linked == VISIBLE[name]


def households_by_clause(session, user: User, community: Community) -> set[str]:
    rows = session.scalars(select(Household).where(household_clause(user, community)))
    return {household.place_code for household in rows}


def api_households(detail: dict) -> set[str]:
    return {
        household["place"]
        for building in detail["buildings"]
        for unit in building["units"]
        for household in unit["households"]
    }


def web_households(client, community: Community) -> set[str]:
    """The households listed on each building page of `community`, as place codes."""
    places = set()
    for building in community.buildings:
        html = get(client, f"/communities/{community.code}/buildings/{building.code}")
        for unit, section in UNIT_SECTION.findall(html.get_data(as_text=True)):
            places |= {f"{community.code}/{building.code}/{unit}/{code}"
                       for code in HOUSEHOLD_CELL.findall(section)}
    return places


@pytest.mark.parametrize("name", LOGINS)
def test_households_shown_are_those_the_check_allows(db, client, world, as_login, name):
    headers = as_login(name)
    user = world.users[name]
    for code in VISIBLE[name]:
        community = world.communities[code]
        detail = get(client, f"/api/v1/communities/{code}", headers).get_json()
        allowed = households_by_clause(db.session, user, community)
        assert api_households(detail) == allowed == READABLE_HOUSEHOLDS[name][code], code
        assert web_households(client, community) == allowed, code
    for code in set(world.communities) - VISIBLE[name]:
        assert households_by_clause(db.session, user, world.communities[code]) == set()
    if user.role is Role.resident:
        html = get(client, "/").get_data(as_text=True)
        own = set().union(*READABLE_HOUSEHOLDS[name].values())
        assert set(PLACE_CODE.findall(html)) == own


@pytest.mark.parametrize("name", LOGINS)
def test_nobody_is_shown_a_household_or_owner_they_may_not_read(db, client, world, as_login,
                                                                  name):
    """Probe every answer of the login for the places, names and phones it must not see."""
    headers = as_login(name)
    readable = set().union(*READABLE_HOUSEHOLDS[name].values())
    hidden = [h for place, h in world.households.items() if place not in readable]
    own_person = world.users[name].person_id
    allowed_people = {world.households[place].owner_id for place in readable} | {own_person}
    secrets = {place for place, h in world.households.items() if place not in readable}
    for household in hidden:
        owner = household.owner
        if owner.id not in allowed_people:
            secrets |= {owner.name, owner.phone, mask_phone(owner.phone)}

    answers = [json.dumps(get(client, "/api/v1/communities", headers).get_json(),
                          ensure_ascii=False)]
    pages = ["/", "/communities"]
    for code in VISIBLE[name]:
        community = world.communities[code]
        answers.append(json.dumps(
            get(client, f"/api/v1/communities/{code}", headers).get_json(), ensure_ascii=False
        ))
        pages.append(f"/communities/{code}")
        pages += [f"/communities/{code}/buildings/{b.code}" for b in community.buildings]
    answers += [get(client, url).get_data(as_text=True) for url in pages]

    leaks = sorted({secret for secret in secrets for text in answers if secret in text})
    assert not leaks, f"{name} is shown {leaks}"


def expected_list(name: str, street: str | None = None, mode: str | None = None) -> list[str]:
    codes = VISIBLE[name]
    if street is not None:
        codes = codes & STREETS.get(street, set())
    if mode is not None:
        codes = {code for code in codes if MODES_TODAY[code] == mode}
    return sorted(codes)


@pytest.mark.parametrize("name", LOGINS)
def test_filters_only_narrow_the_list(client, world, as_login, name):
    """A street or mode outside the caller's area never adds a community."""
    headers = as_login(name)
    own_streets = {street for street, codes in STREETS.items() if codes & VISIBLE[name]}
    for street in [*STREETS, "D1", "BT", "NOPE"]:
        query = f"&street={street}"
        assert api_list(client, headers, query) == expected_list(name, street=street)
        if street in own_streets:
            assert web_list(client, query[1:]) == expected_list(name, street=street)
        else:
            # The form offers only the caller's streets; any other is refused.
            get(client, f"/communities?street={street}", status=400)
    for mode in LIST_MODES:
        assert api_list(client, headers, f"&mode={mode}") == expected_list(name, mode=mode)
        assert web_list(client, f"mode={mode}") == expected_list(name, mode=mode)
    # A repeated parameter is read once, never as "either street".
    for first, second in (("S1", "S2"), ("S2", "S1")):
        query = f"&street={first}&street={second}"
        assert api_list(client, headers, query) == expected_list(name, street=first)


def test_a_token_request_cannot_choose_its_role(client, world):
    """Fields the caller may not set are ignored: the token is the resident's own."""
    response = client.post(
        "/api/v1/auth/token",
        json={"username": "resident_a", "password": DEFAULT_PASSWORD, "role": "sysadmin",
              "organization": "HB-D1", "person": "P-B", "user_id": world.users["sysadmin"].id},
    )
    assert response.status_code == 201
    headers = {"Authorization": f"Bearer {response.get_json()['token']}"}
    me = get(client, "/api/v1/me", headers).get_json()
    assert (me["username"], me["role"], me["organization"]) == ("resident_a", "resident", None)
    assert me["person"]["code"] == "P-A"
    assert api_list(client, headers) == sorted(VISIBLE["resident_a"])


# A region bundle names users with their roles and passwords, and communities
# anywhere: a bureau admin's import is confined to the bureau's district and
# kept from accounts of its rank or above (pmsys/imports/scope.py).

def test_a_bureau_import_cannot_make_or_take_over_accounts(db, client, world, as_login):
    headers = as_login("bureau")
    sysadmin_hash = world.users["sysadmin"].password_hash
    bundle = {"version": 1, "users": [
        {"username": "intruder", "password": "a long enough passphrase", "role": "sysadmin"},
        {"username": "sysadmin", "password": "a long enough passphrase", "role": "sysadmin"},
    ]}
    response = client.post("/api/v1/imports", json=bundle, headers=headers)
    db.session.expire_all()
    assert response.status_code in (400, 403, 404)
    assert db.session.scalar(select(User).where(User.username == "intruder")) is None
    assert world.users["sysadmin"].password_hash == sysadmin_hash


def test_a_bureau_import_cannot_change_a_community_outside_its_district(
    db, client, world, as_login
):
    headers = as_login("bureau")
    bundle = {"version": 1, "communities": [{"code": "CB", "name": "renamed", "street": "S2"}]}
    response = client.post("/api/v1/imports", json=bundle, headers=headers)
    db.session.expire_all()
    assert response.status_code in (400, 403, 404)
    assert world.communities["CB"].name == "环卫院小区"
