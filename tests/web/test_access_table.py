"""The role × route table is complete and true; other people's objects answer 404.

RELIABILITY.md §1 (every rule × method × role, deny by default) and §2 (object
probes: a forbidden object looks like a missing one and nothing changes).
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from pmsys.auth.models import ApiToken
from pmsys.auth.services import issue_token
from pmsys.extensions import db as _db
from pmsys.places.models import Community
from tests.access_table import (
    IMPLICIT_METHODS,
    LOGIN,
    ROLES,
    TABLE,
    Entry,
    Redirect,
    table_keys,
)
from tests.conftest import csrf_token
from tests.world import VISIBLE, build_world


@pytest.fixture
def world(db):
    return build_world()


def routed_pairs(app) -> set[tuple[str, str]]:
    """Every (rule, method) the application answers, but HEAD and OPTIONS."""
    return {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - IMPLICIT_METHODS
    }


def test_every_route_has_a_row(app):
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
    path = urlsplit(entry.url).path  # a page may take its subject in the query string
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


def request_as(client, entry: Entry, role: str, world, login_as):
    """Make `entry`'s request as `role`: session login for pages, bearer token for the API."""
    user = world.users.get(role)
    headers = {}
    if entry.is_api:
        if user is not None:
            headers = bearer_headers(user)
    elif user is not None:
        login_as(user)
    form = dict(entry.form or {})
    if not entry.is_api and entry.csrf and entry.method not in ("GET", "HEAD"):
        # The login page shows a token to visitors; everyone else is sent home from it.
        form["csrf_token"] = csrf_token(client, "/" if user else "/login")
    return client.open(
        entry.url,
        method=entry.method,
        headers=headers,
        data=form if entry.form is not None or "csrf_token" in form else None,
        json=entry.json,
    )


def mismatch(response, expected) -> str | None:
    """What is wrong with `response` if `expected` was due, or None."""
    if isinstance(expected, Redirect):
        if response.status_code != 302:
            return f"{response.status_code}, expected {expected}"
        path = urlsplit(response.headers["Location"]).path
        fits = path.startswith("/login") if expected == LOGIN else path == expected.to
        return None if fits else f"302→{path}, expected {expected}"
    if response.status_code != expected:
        return f"{response.status_code}, expected {expected}"
    return None


def cases():
    """A reading row is one test over all roles; a row that may change state, one per role.

    Each test has a fresh world, so a logout, a password change or an import by
    one role can never decide what the next role gets.
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
            problem = mismatch(response, entry.expect[role])
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


# --- object-level probes (RELIABILITY.md §2) -------------------------------------------

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
