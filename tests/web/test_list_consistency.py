"""Lists agree with object checks, and filters never widen them
(docs/reliability.md#list-consistency).

For every login of the fixture world (tests/world.py): the communities in the
API list, the web list and the home page are exactly those whose detail page
and API answer 200, which are exactly the ones the login should see. The
households shown are exactly those permissions.household_clause allows, and
nobody is shown an owner they may not read. The bills listed by the API and on
a resident's /bills page are exactly those the login may read.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from pmsys.auth.permissions import household_clause, mask_phone, visible_communities
from pmsys.auth.services import issue_token
from pmsys.extensions import db as _db
from pmsys.models.auth import Role, User
from pmsys.models.places import Community, Household
from pmsys.places.services import LIST_MODES
from tests.access_fees import PERIODS
from tests.factories import DEFAULT_PASSWORD
from tests.world import (
    ALL_HOUSEHOLDS,
    MODES_TODAY,
    READABLE_HOUSEHOLDS,
    STREETS,
    VISIBLE,
    build_world,
)

LOGINS = sorted(VISIBLE)
AREA_ROLES = {Role.street_officer, Role.bureau_admin, Role.sysadmin}

LIST_TABLE = re.compile(r'<table class="rtable communities">(.*?)</table>', re.S)
COMMUNITY_LINK = re.compile(r'href="/communities/([^"/?]+)["/]')
NEXT_PAGE = re.compile(r'<a href="([^"]+)" rel="next">')
FIRST_STAT = re.compile(r'<span class="stat-value">([^<]*)</span>')
UNIT_SECTION = re.compile(r'<section class="unit">\s*<h4>Unit ([^<]+)</h4>(.*?)</section>', re.S)
HOUSEHOLD_CELL = re.compile(r'<td class="primary" data-label="Household">([^<]+)</td>')
PLACE_CODE = re.compile(r'<article class="card household-card" data-place="([^"]+)">')


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


# --- Repair tickets (docs/domain.md#routing, #tickets) --------------------------------------------
# The tickets of tests/access_tickets.py (with_more=True; its docstring says who filed each
# and where it went). What each login may see is written out here, not computed from
# permissions.ticket_clause, so a bug that the lists and the detail pages share still fails.

CA_TICKETS = {"T_A", "T_GAS", "T_HOT", "T_RF", "T_ILL", "T_TEL", "T_MOVED"}
TICKETS_VISIBLE = {
    # residents: what they reported (T_HOT's caller has no login)
    "resident_a": {"T_A", "T_RF", "T_MOVED"},
    "resident_b": {"T_B"},
    "tenant_a": {"T_GAS"},
    "resident_ac": {"T_CC", "T_TEL"},
    # managers: every ticket of the communities they manage today (PM-A's term on CC
    # starts next year; SM-B's on CB has ended)
    "manager_a": CA_TICKETS,
    "manager_b": {"T_B", "T_OUT"},
    "self_manager": set(),
    # the committee, the street offices and the bureau: the communities they see
    "committee_a": CA_TICKETS,
    "officer": CA_TICKETS,
    "office_officer": {"T_CC"},
    "officer_s3": {"T_CC"},
    "bureau": CA_TICKETS | {"T_CC"},
    # utilities and contractors: what is assigned to them now, and what they entered
    # (T_MOVED left W-D1 when the officer reassigned it; T-2's line is not T-1's)
    "operator_in": {"T_A"},
    "operator_out": {"T_OUT"},
    "gas_staff": {"T_GAS"},
    "contractor": {"T_RF"},
    "carrier": set(),
    "authority": {"T_ILL"},
    "sysadmin": CA_TICKETS | {"T_B", "T_CC", "T_OUT"},
    # building leaders and grid workers: the tickets that name their buildings (CA building 1
    # for both; grid_a's building 2 has none)
    "leader_a": {"T_RF", "T_TEL"},
    "grid_a": {"T_RF", "T_TEL"},
}
# The open queue on /tickets: the open tickets assigned to the login's organisation.
TICKET_QUEUES = {
    "manager_a": {"T_HOT", "T_MOVED"},
    "manager_b": {"T_B", "T_OUT"},
    "operator_in": {"T_A"},
    "officer_s3": {"T_CC"},
    "gas_staff": {"T_GAS"},
    "contractor": {"T_RF"},
    "authority": {"T_ILL"},
}
TICKET_COMMUNITY = {name: "CA" for name in CA_TICKETS} | {
    "T_B": "CB", "T_OUT": "CB", "T_CC": "CC"}
TICKET_ASSIGNEE = {
    "T_A": "W-D1", "T_B": "PM-B", "T_CC": "SO-S3", "T_GAS": "G-D1", "T_HOT": "PM-A",
    "T_RF": "K-1", "T_ILL": "CG-BT", "T_TEL": "T-2", "T_MOVED": "PM-A", "T_OUT": "PM-B",
}
TICKET_LOGINS = sorted(TICKETS_VISIBLE)
# The communities the ticket world's extra logins see (the web list's filter offers those).
COMMUNITIES_SEEN = VISIBLE | {
    "gas_staff": {"CA", "CC"},  # a utility of district D1
    "carrier": {"CA", "CC"},
    "authority": {"CA", "CB", "CC"},  # an authority of the city
    "contractor": set(),  # a contractor has no region: only its tickets
    "officer_s3": {"CC"},
}

TICKET_TABLE = re.compile(r'<table class="rtable tickets (all|queue)">(.*?)</table>', re.S)
TICKET_LINK = re.compile(r'href="/tickets/(\d+)"')


@pytest.fixture
def ticket_world(db):
    from tests.access_tickets import build_access_ticket_world

    return build_access_ticket_world(with_more=True)


@pytest.fixture
def ticket_login(client, ticket_world, login_as):
    """`ticket_login(name)` logs `name` in (English pages) and returns (API headers, key)."""

    def log_in(name: str) -> tuple[dict, str]:
        user = ticket_world.users[name]
        login_as(user)
        client.set_cookie("lang", "en")
        token, _row = issue_token(_db.session, user, timedelta(hours=1))
        return {"Authorization": f"Bearer {token}"}, token

    return log_in


def api_ticket_ids(client, headers: dict, query: str = "") -> list[int]:
    """Every id of GET /api/v1/tickets, one item a page, so paging is checked too."""
    first = get(client, f"/api/v1/tickets?per_page=1{query}", headers).get_json()
    total = first["total"]
    ids = [item["id"] for item in first["items"]]
    for page in range(2, total + 2):
        body = get(client, f"/api/v1/tickets?per_page=1&page={page}{query}", headers)
        assert body.get_json()["total"] == total
        ids += [item["id"] for item in body.get_json()["items"]]
    assert len(ids) == total, ids  # the page after the last one is empty
    return ids


def web_ticket_ids(client, query: str = "") -> tuple[list[int], set[int]]:
    """(ids of the "all you may see" table, following its pager; ids of the queue)."""
    ids, queue, url = [], set(), f"/tickets?{query}"
    while url:
        html = get(client, url).get_data(as_text=True)
        for kind, table in TICKET_TABLE.findall(html):
            found = [int(i) for i in TICKET_LINK.findall(table)]
            if kind == "all":
                ids += found
            else:
                queue |= set(found)
        following = NEXT_PAGE.search(html)
        url = following.group(1).replace("&amp;", "&") if following else None
    return ids, queue


def names_of(world, ids) -> set[str]:
    by_id = {ticket.id: name for name, ticket in world.tickets.items()}
    return {by_id[i] for i in ids}


@pytest.mark.parametrize("name", TICKET_LOGINS)
def test_ticket_lists_and_detail_pages_agree(client, ticket_world, ticket_login, name):
    headers, key = ticket_login(name)
    api_ids = api_ticket_ids(client, headers)
    web_ids, queue = web_ticket_ids(client)
    open311 = get(client, f"/open311/v2/requests.json?api_key={key}").get_json()
    answers = {
        ticket_name: (client.get(f"/tickets/{ticket.id}").status_code,
                      client.get(f"/api/v1/tickets/{ticket.id}", headers=headers).status_code,
                      client.get(f"/open311/v2/requests/{ticket.number}.json?api_key={key}")
                      .status_code)
        for ticket_name, ticket in ticket_world.tickets.items()
    }
    assert set(answers.values()) <= {(200, 200, 200), (404, 404, 404)}, answers
    open_details = {t for t, statuses in answers.items() if statuses == (200, 200, 200)}

    assert len(api_ids) == len(set(api_ids)) and len(web_ids) == len(set(web_ids))
    assert names_of(ticket_world, api_ids) == TICKETS_VISIBLE[name]
    assert names_of(ticket_world, web_ids) == TICKETS_VISIBLE[name]
    assert open_details == TICKETS_VISIBLE[name]
    numbers = {ticket.number: t for t, ticket in ticket_world.tickets.items()}
    assert {numbers[r["service_request_id"]] for r in open311} == TICKETS_VISIBLE[name]
    assert names_of(ticket_world, queue) == TICKET_QUEUES.get(name, set())


@pytest.mark.parametrize("name", TICKET_LOGINS)
def test_ticket_filters_only_narrow_the_list(client, ticket_world, ticket_login, name):
    """A community or organisation outside the caller's view never adds a ticket."""
    headers, _key = ticket_login(name)
    visible = TICKETS_VISIBLE[name]
    for community in ("CA", "CB", "CC", "NONE"):
        expected = {t for t in visible if TICKET_COMMUNITY[t] == community}
        got = api_ticket_ids(client, headers, f"&community={community}")
        assert names_of(ticket_world, got) == expected, community
    for org in sorted(set(TICKET_ASSIGNEE.values()) | {"HB-D1", "NONE"}):
        expected = {t for t in visible if TICKET_ASSIGNEE[t] == org}
        got = api_ticket_ids(client, headers, f"&assignee={org}")
        assert names_of(ticket_world, got) == expected, org
    for community in sorted(COMMUNITIES_SEEN[name]):
        web_ids, _queue = web_ticket_ids(client, f"community={community}")
        assert names_of(ticket_world, web_ids) == {
            t for t in visible if TICKET_COMMUNITY[t] == community}


HOME_QUEUE = re.compile(r'id="ticket-queue">\s*<h2>[^<]*<span class="count">(\d+)</span>')


@pytest.mark.parametrize("name", TICKET_LOGINS)
def test_home_ticket_panels_agree_with_the_lists(client, ticket_world, ticket_login, name):
    """A resident's home lists their open tickets; staff see their queue's size, no more."""
    ticket_login(name)
    html = get(client, "/").get_data(as_text=True)
    linked = names_of(ticket_world, {int(i) for i in TICKET_LINK.findall(html)})
    queue = HOME_QUEUE.search(html)
    if ticket_world.users[name].role is Role.resident:
        # Every ticket of the world is still open, so the panel lists all a resident sees.
        assert linked == TICKETS_VISIBLE[name]
        assert queue is None
    else:
        assert linked <= TICKETS_VISIBLE[name]
        if name in TICKET_QUEUES:
            assert queue is not None and int(queue.group(1)) == len(TICKET_QUEUES[name])


FORGED = {"status": "closed", "assignee": "PM-B", "assignee_id": 1, "reporter_id": 1,
          "filed_by_id": 1, "escalation_level": 3, "rating": 5, "channel": "hotline",
          "number": "FORGED-1", "routing_reason": "duty"}


def test_a_filing_cannot_choose_its_status_assignee_or_reporter(
    db, client, ticket_world, ticket_login, csrf
):
    """Promise 3 (docs/reliability.md#list-consistency): fields the filer may not set are
    ignored, on the API and the page."""
    from pmsys.models.tickets import Ticket

    headers, _key = ticket_login("resident_a")
    body = {"category": "water_supply", "community": "CA", "description": "漏水", **FORGED}
    response = client.post("/api/v1/tickets", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    created = [db.session.get(Ticket, response.get_json()["id"])]
    form = {"category": "water_supply", "community": "CA", "description": "漏水",
            "csrf_token": csrf("/tickets/new"), **FORGED}
    page = client.post("/tickets/new", data=form)
    assert page.status_code == 302, page.get_data(as_text=True)
    created.append(db.session.get(Ticket, int(page.headers["Location"].rsplit("/", 1)[1])))
    resident = ticket_world.users["resident_a"]
    for ticket in created:
        assert ticket.status.value == "assigned"
        assert ticket.assignee.code == "W-D1" and ticket.routing_reason == "maintainer"
        assert ticket.reporter_id == ticket.filed_by_id == resident.id
        assert (ticket.escalation_level, ticket.rating) == (0, None)
        assert ticket.channel.value in ("api", "web") and ticket.number != "FORGED-1"


# --- Property fees (docs/domain.md#fees) ----------------------------------------------------------
# The bills of tests/access_fees.py (every household of CA, CB and CC for each of its
# PERIODS) in the ticket world. Whose bills each login reads is written out here, not
# computed from permissions.bill_clause: residents those of the households they own or
# live in; the manager, the committee, street officers and the bureau those of the
# communities they see; sysadmins all; everybody else none.

CA_HOUSEHOLDS = {"CA/1/1/101", "CA/1/1/102", "CA/2/1/201"}
BILLED_HOUSEHOLDS = {
    "resident_a": {"CA/1/1/101"},
    "resident_b": {"CB/1/1/101"},
    "tenant_a": {"CA/2/1/201"},  # lives there without owning it
    "resident_ac": {"CA/1/1/102", "CC/1/1/101"},
    "manager_a": CA_HOUSEHOLDS,  # PM-A's term on CC starts next year
    "manager_b": {"CB/1/1/101"},
    "self_manager": set(),  # SM-B's term on CB has ended
    "committee_a": CA_HOUSEHOLDS,
    "officer": CA_HOUSEHOLDS,
    "office_officer": {"CC/1/1/101"},
    "officer_s3": {"CC/1/1/101"},
    "bureau": CA_HOUSEHOLDS | {"CC/1/1/101"},
    "operator_in": set(),
    "operator_out": set(),
    "gas_staff": set(),
    "carrier": set(),
    "authority": set(),
    "contractor": set(),
    "sysadmin": CA_HOUSEHOLDS | {"CB/1/1/101", "CC/1/1/101"},
}
BILL_LOGINS = sorted(BILLED_HOUSEHOLDS)
RESIDENTS = ("resident_a", "resident_b", "tenant_a", "resident_ac")
MY_BILLS_HOUSEHOLD = re.compile(
    r'<section class="card household-bills"[^>]*data-place="([^"]+)">(.*?)</section>', re.S)
MY_BILLS_MONTH = re.compile(r'<td class="primary" data-label="Month">(\d{4}-\d{2})')


def expected_bills(name: str) -> set[tuple[str, str]]:
    return {(place, month) for place in BILLED_HOUSEHOLDS[name] for month in PERIODS}


def api_bills(client, headers: dict, query: str = "") -> list[tuple[str, str]]:
    """Every (household, period) of GET /api/v1/bills, one item a page, so paging is checked."""
    first = get(client, f"/api/v1/bills?per_page=1{query}", headers).get_json()
    total = first["total"]
    items = first["items"]
    for page in range(2, total + 2):
        body = get(client, f"/api/v1/bills?per_page=1&page={page}{query}", headers).get_json()
        assert body["total"] == total
        items += body["items"]
    assert len(items) == total, items  # the page after the last one is empty
    for item in items:
        assert item["community"] == item["household"].split("/")[0], item
    return [(item["household"], item["period"]) for item in items]


@pytest.mark.parametrize("name", BILL_LOGINS)
def test_the_bills_listed_are_exactly_those_the_login_may_read(client, ticket_world,
                                                               ticket_login, name):
    headers, _key = ticket_login(name)
    listed = api_bills(client, headers)
    assert len(listed) == len(set(listed)), "a bill listed twice"
    assert set(listed) == expected_bills(name)
    periods = [period for _place, period in listed]
    assert periods == sorted(periods, reverse=True), "the latest month first"


@pytest.mark.parametrize("name", BILL_LOGINS)
def test_bill_filters_only_narrow_the_list(client, ticket_world, ticket_login, name):
    """Each filter keeps what it names of the login's bills, and never shows another's."""
    headers, _key = ticket_login(name)
    allowed = expected_bills(name)
    for code in ("CA", "CB", "CC", "NONE"):
        got = set(api_bills(client, headers, f"&community={code}"))
        assert got == {bill for bill in allowed if bill[0].startswith(f"{code}/")}, code
    for place in sorted(ALL_HOUSEHOLDS["CA"] | {"CB/1/1/101", "CC/1/1/101"}):
        got = set(api_bills(client, headers, f"&household={place}"))
        assert got == {bill for bill in allowed if bill[0] == place}, place
    for month in ("2025-05", "2025-06", "2025-07"):
        got = set(api_bills(client, headers, f"&period={month}"))
        assert got == {bill for bill in allowed if bill[1] == month}, month
    open_bills = set(api_bills(client, headers, "&status=open"))
    paid_bills = set(api_bills(client, headers, "&status=paid"))
    assert not open_bills & paid_bills
    assert open_bills | paid_bills == allowed


@pytest.mark.parametrize("name", BILL_LOGINS)
def test_a_residents_bills_page_shows_exactly_their_households(client, ticket_world,
                                                               ticket_login, name):
    ticket_login(name)
    if name not in RESIDENTS:
        get(client, "/bills", status=404)
        return
    html = get(client, "/bills").get_data(as_text=True)
    shown = {(place, month) for place, section in MY_BILLS_HOUSEHOLD.findall(html)
             for month in MY_BILLS_MONTH.findall(section)}
    assert {place for place, _month in shown} == BILLED_HOUSEHOLDS[name]
    assert shown == expected_bills(name)
