"""The role × route table is complete and true; other people's objects answer 404.

docs/reliability.md#access-table (every rule × method × role, deny by default) and #object-probes
(object probes: a forbidden object looks like a missing one and nothing changes).
"""

from __future__ import annotations

import io
import re
from datetime import timedelta
from fnmatch import fnmatchcase
from urllib.parse import urlencode, urlsplit

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from pmsys.auth.services import issue_token
from pmsys.extensions import db as _db
from pmsys.models.auth import ApiToken
from pmsys.models.places import Community
from tests.access_governance import EXAMPLE_VOTE_IDS, Number, add_governance, vote_ids
from tests.access_surveys import add_surveys
from tests.access_table import (
    IMPLICIT_METHODS,
    LOGIN,
    ROLES,
    SEES_T_A_API,
    SEES_T_B_API,
    TABLE,
    Entry,
    Redirect,
    table_keys,
)
from tests.access_tickets import EXAMPLE_IDS as TICKET_EXAMPLE_IDS
from tests.access_tickets import build_access_ticket_world
from tests.access_tickets import ids as ticket_ids
from tests.bases import world_base
from tests.conftest import csrf_token
from tests.world import VISIBLE

EXAMPLE_IDS = {**TICKET_EXAMPLE_IDS, **EXAMPLE_VOTE_IDS}


pytestmark = pytest.mark.database("access_world")


@pytest.fixture(scope="module")
def access_world(app):
    """tests/world.py's world with the tickets and votes the rows name, built once.

    Tickets and fees of tests/access_tickets.py, votes and committees of
    tests/access_governance.py, surveys of tests/access_surveys.py. Each test starts from it
    as built and is rolled back afterwards (tests/bases.py).
    """

    def build():
        world = build_access_ticket_world()
        add_governance(world)
        add_surveys(world)
        return world

    with world_base(app, build) as base:
        yield base


@pytest.fixture
def world(db, access_world):
    return access_world.world(db.session)


def ids(world) -> dict[str, str]:
    """The values of the table's placeholders in this world."""
    return {**ticket_ids(world), **vote_ids(world)}


def routed_pairs(app) -> set[tuple[str, str]]:
    """Every (rule, method) the application answers, but HEAD and OPTIONS."""
    return {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - IMPLICIT_METHODS
    }


def test_every_route_has_a_row(app):
    """Promise 1 (docs/reliability.md#access-table)."""
    missing = sorted(routed_pairs(app) - table_keys())
    assert not missing, "add these to tests/access_table.py: " + ", ".join(
        f"{method} {rule}" for rule, method in missing
    )


def test_every_row_names_a_route(app):
    gone = sorted(table_keys() - routed_pairs(app))
    assert not gone, "no such route any more: " + ", ".join(f"{m} {r}" for r, m in gone)


@pytest.mark.parametrize("entry", TABLE, ids=lambda entry: entry.label)
def test_each_row_requests_its_own_rule_and_names_every_role(app, entry):
    """A row's URL must reach the row's rule, and no role may be left to a default."""
    adapter = app.url_map.bind("localhost")
    # A page may take its subject in the query string; ids are the placeholders' examples.
    path = urlsplit(entry.url.format_map(EXAMPLE_IDS)).path
    rule, _args = adapter.match(path, method=entry.method, return_rule=True)
    assert rule.rule == entry.rule
    assert tuple(entry.expect) == ROLES


def bearer_headers(user) -> dict:
    """Authorization headers with a fresh token of `user`.

    Issued by the service that POST /auth/token calls after checking the
    password: that route has its own row, and checking a scrypt hash for each
    of the hundreds of requests here would only make the suite slow.
    """
    token, _row = issue_token(_db.session, user, timedelta(hours=1))
    return {"Authorization": f"Bearer {token}"}


def filled(value, values: dict[str, str]):
    """`value` with the world's ids in place of its placeholders; bytes become a file."""
    if isinstance(value, Number):
        return int(value.format_map(values))
    if isinstance(value, str):
        return value.format_map(values)
    if isinstance(value, bytes):
        # An .xlsx file is a zip archive.
        name = "payments.xlsx" if value.startswith(b"PK") else "photo.png"
        return (io.BytesIO(value), name)
    if isinstance(value, dict):
        return {key: filled(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [filled(item, values) for item in value]
    return value


def request_as(client, entry: Entry, role: str, world, login_as):
    """Make `entry`'s request as `role`.

    A session login for pages, a bearer token for the API, the token as
    `api_key` for Open311 (in the query of a GET, in the body of a POST).
    """
    values = ids(world)
    user = world.users.get(role) if entry.token else None
    headers, url = {}, entry.url.format_map(values)
    form = filled(entry.form, values) if entry.form is not None else None
    body = filled(entry.json, values) if entry.json is not None else None
    if entry.is_api:
        if user is not None:
            headers = bearer_headers(user)
    elif entry.is_open311:
        if user is not None:
            key = bearer_headers(user)["Authorization"].removeprefix("Bearer ")
            if entry.method == "GET":
                url += ("&" if "?" in url else "?") + urlencode({"api_key": key})
            elif body is not None:
                body["api_key"] = key
            else:
                form = {**(form or {}), "api_key": key}
    elif user is not None:
        login_as(user)
    if (not entry.is_api and not entry.is_open311 and entry.csrf
            and entry.method not in ("GET", "HEAD")):
        # The login page shows a token to visitors; everyone else is sent home from it.
        form = {**(form or {}), "csrf_token": csrf_token(client, "/" if user else "/login")}
    return client.open(url, method=entry.method, headers=headers, data=form, json=body)


def mismatch(response, expected, values: dict[str, str]) -> str | None:
    """What is wrong with `response` if `expected` was due, or None."""
    if isinstance(expected, Redirect):
        if response.status_code != 302:
            return f"{response.status_code}, expected {expected}"
        path = urlsplit(response.headers["Location"]).path
        target = expected.to.format_map(values)
        if expected == LOGIN:
            fits = path.startswith("/login")
        elif "*" in target:
            fits = fnmatchcase(path, target)
        else:
            fits = path == target
        return None if fits else f"302→{path}, expected {target}"
    if response.status_code != expected:
        return f"{response.status_code}, expected {expected}"
    return None


def cases():
    """A reading row is one test over all roles; a row that may change state, one per role.

    Each test starts from the world as built (its changes are rolled back), so a
    logout, a password change or an import by one role can never decide what
    the next role gets.
    """
    for entry in TABLE:
        if entry.method == "GET":
            yield pytest.param(entry, ROLES, id=entry.label)
        else:
            for role in ROLES:
                yield pytest.param(entry, (role,), id=f"{entry.label} as {role}")


@pytest.mark.parametrize(("entry", "roles"), list(cases()))
def test_route_answers_as_the_table_says(client, world, login_as, entry, roles):
    wrong = []
    for role in roles:
        with client.session_transaction() as session:
            session.clear()  # the previous role's login
        response = request_as(client, entry, role, world, login_as)
        try:
            problem = mismatch(response, entry.expect[role], ids(world))
        finally:
            response.close()  # a static file's answer holds the file open
        if problem:
            wrong.append(f"{role}: {problem}")
    assert not wrong, f"{entry.label}: " + "; ".join(wrong)


def test_the_api_ignores_a_web_session(client, world, login_as):
    """Only bearer tokens authenticate the API, which is why it can be exempt from CSRF."""
    login_as(world.users["sysadmin"])
    assert client.get("/").status_code == 200
    for url in ("/api/v1/me", "/api/v1/communities", "/api/v1/communities/CA"):
        response = client.get(url)
        assert response.status_code == 401, url
        assert response.get_json()["error"]["code"] == "unauthenticated"


# --- object-level probes (docs/reliability.md#object-probes) --------------------------------------

def snapshot(session) -> dict[str, list[tuple]]:
    """Every row of every table, except what reading itself writes.

    The audit trail is append-only and may record a denial; a token's
    last_used_at is bookkeeping of the request that carried it.
    """
    rows = {}
    for table in _db.metadata.sorted_tables:
        if table.name == "audit_records":
            continue
        columns = [c for c in table.columns
                   if not (table.name == ApiToken.__tablename__ and c.name == "last_used_at")]
        ordered = sorted(session.execute(select(*columns)).all(), key=repr)
        rows[table.name] = ordered
    return rows


# The token in the page's meta tag and in each form (logout, language switch).
CSRF_VALUE = re.compile(r'name="csrf[-_]token" (?:content|value)="[^"]+"')


def page_text(response, code: str) -> str:
    """The page without its per-request CSRF token, with the asked-for code as NONE."""
    return CSRF_VALUE.sub("", response.get_data(as_text=True)).replace(code, "NONE")


PROBES = [
    ("/communities/{code}", "page"),
    ("/communities/{code}/buildings/1", "page"),
    ("/api/v1/communities/{code}", "api"),
]


@pytest.mark.parametrize("role", [role for role in ROLES if role != "anonymous"])
def test_other_communities_answer_like_missing_ones_and_change_nothing(
    db, client, world, login_as, api_token, role
):
    """Promise 2 (docs/reliability.md#object-probes)."""
    user = world.users[role]
    headers = api_token(user)
    login_as(user)
    client.set_cookie("lang", "en")
    codes = set(db.session.scalars(select(Community.code)))
    hidden = sorted(codes - VISIBLE[role])
    assert hidden or role == "sysadmin"
    before = snapshot(db.session)

    for template, kind in PROBES:
        missing = client.get(template.format(code="NONE"), headers=headers)
        assert missing.status_code == 404
        for code in hidden:
            url = template.format(code=code)
            response = client.get(url, headers=headers)
            assert response.status_code == 404, (role, url)
            if kind == "api":
                # The same envelope as a code that exists nowhere, but for the code itself.
                assert response.get_json()["error"]["code"] == (
                    missing.get_json()["error"]["code"]
                )
                assert response.get_json()["error"]["message"].replace(code, "NONE") == (
                    missing.get_json()["error"]["message"]
                )
            else:
                assert page_text(response, code) == page_text(missing, "NONE"), (role, url)
        db.session.expire_all()
    assert snapshot(db.session) == before


# Every route that takes a ticket's or a photo's id, as (template, kind). MISSING is an id
# that exists nowhere.
SEES_API_OF = {"T_A": SEES_T_A_API, "T_B": SEES_T_B_API}
TICKET_PROBES = [
    ("/tickets/{ticket}", "page"),
    ("/tickets/{ticket}/photos/{photo}", "page"),
    ("/api/v1/tickets/{ticket}", "api"),
    ("/api/v1/tickets/{ticket}/photos/{photo}", "api"),
    ("/api/v1/tickets/{ticket}/visits", "api"),
    ("/open311/v2/requests/{ticket}.json", "open311"),
]
TICKET_ACTION_PROBES = [
    ("/tickets/{ticket}/actions", "page", {"action": "accept"}),
    ("/tickets/{ticket}/photos", "page", {"purpose": "report"}),
    ("/api/v1/tickets/{ticket}/actions", "api", {"action": "accept"}),
    ("/tickets/{ticket}/visits", "page", {"visited_on": "2025-06-02", "outcome": "not_home"}),
    ("/api/v1/tickets/{ticket}/visits", "api", {"outcome": "not_home"}),
]


def without(text: str, url: str) -> str:
    """A page's text without its CSRF tokens and its own URL (the language form's `next`)."""
    return CSRF_VALUE.sub("", text).replace(url, "URL")


@pytest.mark.parametrize("role", [role for role in ROLES if role != "anonymous"])
def test_other_peoples_tickets_answer_like_missing_ones_and_change_nothing(
    db, client, world, login_as, role
):
    """docs/reliability.md#object-probes for tickets: reading or acting on a hidden ticket is a
    404."""
    user = world.users[role]
    token, _row = issue_token(_db.session, user, timedelta(hours=1))
    headers = {"Authorization": f"Bearer {token}"}
    login_as(user)
    client.set_cookie("lang", "en")
    values = ids(world)
    hidden = [name for name in ("T_A", "T_B") if SEES_API_OF[name][role] == 404]
    assert hidden or role == "sysadmin"
    photo = values["P_A"]
    before = snapshot(db.session)

    def answer(template, kind, ticket, method="GET", form=None):
        url = template.format(ticket=ticket, photo=photo)
        if kind == "open311":
            return url, client.get(url, query_string={"api_key": token})
        if kind == "api":
            return url, client.open(url, method=method, headers=headers, json=form)
        if method == "POST":
            form = {**form, "csrf_token": csrf_token(client, "/")}
        return url, client.open(url, method=method, data=form)

    for name in hidden:
        ticket = values[name]
        for template, kind in TICKET_PROBES:
            missing_url, missing = answer(template, kind, values["MISSING"])
            url, response = answer(template, kind, ticket)
            assert missing.status_code == response.status_code == 404, (role, url)
            if kind == "page":
                assert without(response.get_data(as_text=True), url) == without(
                    missing.get_data(as_text=True), missing_url), (role, url)
            else:
                assert json_without(response, ticket) == json_without(
                    missing, values["MISSING"]), (role, url)
        for template, kind, form in TICKET_ACTION_PROBES:
            _url, missing = answer(template, kind, values["MISSING"], "POST", form)
            url, response = answer(template, kind, ticket, "POST", form)
            assert missing.status_code == response.status_code == 404, (role, url)
        db.session.expire_all()
    assert snapshot(db.session) == before


def json_without(response, ticket: str):
    """An error answer (envelope or Open311 list) with the asked-for id as NONE in its texts."""
    word = re.compile(rf"\b{ticket}\b")

    def clean(value):
        if isinstance(value, str):
            return word.sub("NONE", value)
        if isinstance(value, list):
            return [clean(item) for item in value]
        if isinstance(value, dict):
            return {key: clean(item) for key, item in value.items()}
        return value

    return clean(response.get_json())


# The bills each role reads, written out (bill_clause's rule, not the clause itself):
# residents their own households', the fee readers those of the communities they see.
READS_BILLS = {
    "resident_a": {"B_A"},
    "resident_b": {"B_B"},
    "manager_a": {"B_A", "B_N"},
    "manager_b": {"B_B"},
    "committee_a": {"B_A", "B_N"},
    "operator_in": set(),
    "operator_out": set(),
    "officer": {"B_A", "B_N"},
    "bureau": {"B_A", "B_N"},
    "sysadmin": {"B_A", "B_N", "B_B"},
    "leader_a": set(),
    "grid_a": set(),
}
BILL_PROBES = [
    ("/bills/{bill}/adjustments", "page"),
    ("/api/v1/bills/{bill}/adjustments", "api"),
]


@pytest.mark.parametrize("role", [role for role in ROLES if role != "anonymous"])
def test_other_peoples_bills_answer_like_missing_ones_and_change_nothing(
    db, client, world, login_as, role
):
    """docs/reliability.md#object-probes for bills: adjusting a bill one may not read is a 404, as
    for none."""
    user = world.users[role]
    token, _row = issue_token(_db.session, user, timedelta(hours=1))
    headers = {"Authorization": f"Bearer {token}"}
    login_as(user)
    client.set_cookie("lang", "en")
    values = ids(world)
    hidden = sorted({"B_A", "B_N", "B_B"} - READS_BILLS[role])
    assert hidden or role == "sysadmin"
    body = {"kind": "waiver", "amount": "-5.00", "reason": "low-income household"}
    before = snapshot(db.session)

    def answer(template, kind, bill):
        url = template.format(bill=bill)
        if kind == "api":
            return url, client.post(url, headers=headers, json=body)
        return url, client.post(url, data={**body, "csrf_token": csrf_token(client, "/")})

    for name in hidden:
        bill = values[name]
        for template, kind in BILL_PROBES:
            missing_url, missing = answer(template, kind, values["MISSING"])
            url, response = answer(template, kind, bill)
            assert missing.status_code == response.status_code == 404, (role, url)
            if kind == "page":
                assert without(response.get_data(as_text=True), url) == without(
                    missing.get_data(as_text=True), missing_url), (role, url)
            else:
                assert json_without(response, bill) == json_without(
                    missing, values["MISSING"]), (role, url)
        db.session.expire_all()
    assert snapshot(db.session) == before


@pytest.mark.parametrize("role", [role for role in ROLES if role != "anonymous"])
def test_the_bills_api_lists_what_the_role_reads(client, world, role):
    """GET /api/v1/bills of 2025-06 holds exactly the named bills the role reads."""
    headers = bearer_headers(world.users[role])
    values = ids(world)
    named = {values[name]: name for name in ("B_A", "B_N", "B_B")}
    response = client.get("/api/v1/bills?period=2025-06&per_page=100", headers=headers)
    assert response.status_code == 200
    listed = {str(item["id"]) for item in response.get_json()["items"]}
    assert {named[i] for i in listed if i in named} == READS_BILLS[role]


def test_an_import_row_of_a_household_one_may_not_read_reads_like_an_unknown_one(
    db, client, world
):
    """manager_b's file with CA's household and a made-up one: both rows alike, nothing posted."""
    book = Workbook()
    book.active.append(["receipt_no", "household", "amount", "paid_on", "method"])
    book.active.append(["R-X-1", "CA/1/1/102", "24.13", "2025-06-01", "cash"])
    book.active.append(["R-X-2", "CA/9/9/999", "24.13", "2025-06-01", "cash"])
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    headers = bearer_headers(world.users["manager_b"])  # its token is not the import's doing
    before = snapshot(db.session)
    response = client.post("/api/v1/payments/import", headers=headers,
                           data={"file": (data, "payments.xlsx")})
    assert response.status_code == 200
    report = response.get_json()
    assert (report["posted"], report["unchanged"], report["refused"]) == (0, 0, 2)
    known, unknown = report["rows"]
    assert known["code"] == unknown["code"] == "household_not_found"
    assert known["reason"].replace("CA/1/1/102", "X") == unknown["reason"].replace(
        "CA/9/9/999", "X")
    db.session.expire_all()
    assert snapshot(db.session) == before
