"""Web login, logout, sessions and password changes (docs/reliability.md#sessions), CSRF on."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from pmsys import clock
from pmsys.audit import AuditRecord
from pmsys.auth import services
from pmsys.auth.passwords import verify_password
from pmsys.models.auth import Role
from pmsys.web.auth.views import safe_next
from tests.conftest import csrf_token
from tests.factories import DEFAULT_PASSWORD, UserFactory

NEW_PASSWORD = "seven bridges over the yellow river"
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def english(client):
    """Have `client` read the English interface, so messages can be asserted."""
    client.set_cookie("lang", "en")
    return client


@pytest.fixture
def web(client):
    return english(client)


@pytest.fixture
def other_client(app, db):
    """A second browser, with its own cookies."""
    return english(app.test_client())


def post_login(client, username, password=DEFAULT_PASSWORD, *, remember=False, next=None):
    data = {"csrf_token": csrf_token(client), "username": username, "password": password}
    if remember:
        data["remember"] = "y"
    query = {"next": next} if next is not None else None
    return client.post("/login", data=data, query_string=query)


def logged_in(client) -> bool:
    """Whether `client`'s cookies carry a live login (the account page needs one)."""
    response = client.get("/account")
    if response.status_code == 200:
        return True
    assert response.status_code == 302
    assert response.location.startswith("/login")
    return False


def audit_rows(db, action):
    return list(
        db.session.scalars(
            select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.id)
        )
    )


def without_tokens(html: str, *names: str) -> str:
    """The page with its per-request CSRF values and the given names blanked out."""
    html = re.sub(r'(name="csrf-token" content=|name="csrf_token" type="hidden" value=|'
                  r'id="csrf_token" name="csrf_token" type="hidden" value=)"[^"]*"', r"\1", html)
    html = re.sub(r'value="[^"]*"', 'value=""', html)
    for name in names:
        html = html.replace(name, "NAME")
    return html


def set_cookies(response) -> dict[str, str]:
    """The response's Set-Cookie headers by cookie name."""
    cookies = {}
    for header in response.headers.getlist("Set-Cookie"):
        cookies[header.split("=", 1)[0]] = header
    return cookies


# --- logging in -----------------------------------------------------------------------


def test_right_credentials_redirect_home_with_a_session(web, db):
    user = UserFactory(username="wang")

    response = post_login(web, "wang")

    assert response.status_code == 302
    assert response.location == "/"
    assert logged_in(web)
    (record,) = audit_rows(db, "login")
    assert (record.actor_id, record.object_key, record.client) == (user.id, "wang", "127.0.0.1")
    assert record.data == {"channel": "web"}
    # Logged in, the login page sends the user on instead of asking again.
    assert web.get("/login").location == "/"


def test_wrong_password_answers_401_with_a_message_and_no_session(web, db):
    UserFactory(username="wang")

    response = post_login(web, "wang", "not the password at all")

    assert response.status_code == 401
    assert "Wrong username or password." in response.get_data(as_text=True)
    assert not logged_in(web)
    (record,) = audit_rows(db, "login_failed")
    assert (record.object_key, record.client, record.actor_id) == ("wang", "127.0.0.1", None)


def test_login_page_says_nothing_about_whether_the_user_exists(web, db):
    UserFactory(username="wang")
    UserFactory(username="gone", active=False)

    pages = {}
    for name, password in (
        ("wang", "not the password at all"),
        ("nobody", "not the password at all"),
        ("gone", DEFAULT_PASSWORD),
    ):
        response = post_login(web, name, password)
        assert response.status_code == 401
        pages[name] = without_tokens(response.get_data(as_text=True), name)

    assert pages["wang"] == pages["nobody"] == pages["gone"]


def test_disabled_user_cannot_log_in(web, db):
    UserFactory(username="gone", active=False)

    response = post_login(web, "gone")

    assert response.status_code == 401
    assert not logged_in(web)
    assert audit_rows(db, "login") == []
    assert len(audit_rows(db, "login_failed")) == 1


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_login_without_a_valid_csrf_token_is_refused(web, db, token):
    UserFactory(username="wang")
    data = {"username": "wang", "password": DEFAULT_PASSWORD}
    if token is not None:
        data["csrf_token"] = token

    response = web.post("/login", data=data)

    assert response.status_code == 400
    assert not logged_in(web)
    assert audit_rows(db, "login") == [] and audit_rows(db, "login_failed") == []


def test_csrf_token_of_another_browser_is_refused(web, other_client, db):
    UserFactory(username="wang")
    foreign = csrf_token(other_client)

    response = web.post(
        "/login", data={"csrf_token": foreign, "username": "wang", "password": DEFAULT_PASSWORD}
    )

    assert response.status_code == 400
    assert not logged_in(web)


@pytest.mark.parametrize("username", ["wa\x00ng", "x" * 64 + "y"])
def test_unstorable_usernames_fail_like_any_wrong_login(web, db, username):
    # PostgreSQL refuses NUL bytes: such a name must be a 401, never a 500.
    UserFactory(username="wang")

    response = post_login(web, username)

    assert response.status_code in (400, 401)
    assert not logged_in(web)


def test_incomplete_form_answers_400_without_an_attempt(web, db):
    UserFactory(username="wang")

    response = web.post("/login", data={"csrf_token": csrf_token(web), "username": "wang"})

    assert response.status_code == 400
    assert audit_rows(db, "login_failed") == []


# --- where to go after logging in --------------------------------------------------------

OFF_SITE = [
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https://evil.example",
    "http://evil.example/communities",
    "HTTPS://evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "/%2F%2Fevil.example",
    "/%2f%2fevil.example",
    "%2F%2Fevil.example",
    "/%252F%252Fevil.example",
    "/%5Cevil.example",
    "/%5cevil.example",
    "/\t/evil.example",
    "/%09/evil.example",
    "/\n/evil.example",
    "evil.example",
    "",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_safe_next_refuses_everything_off_site(target):
    """Promise 8 (docs/reliability.md#next)."""
    assert safe_next(target) is None


@pytest.mark.parametrize(
    "target",
    ["/", "/communities", "/communities/C1?tab=terms", "/communities?q=%E5%B0%8F%E5%8C%BA",
     "/search?q=a%2Fb"],
)
def test_safe_next_keeps_paths_on_this_site(target):
    assert safe_next(target) == target


def test_safe_next_refuses_none():
    assert safe_next(None) is None


def test_login_follows_next_on_this_site(web, db):
    UserFactory(username="wang")

    response = post_login(web, "wang", next="/communities")

    assert response.status_code == 302
    assert response.location == "/communities"


@pytest.mark.parametrize("target", OFF_SITE)
def test_login_never_follows_next_off_site(web, db, target):
    UserFactory(username="wang")

    response = post_login(web, "wang", next=target)

    assert response.status_code == 302
    assert response.location == "/"


def test_logged_in_user_visiting_login_with_evil_next_goes_home(web, db):
    UserFactory(username="wang")
    post_login(web, "wang")

    assert web.get("/login", query_string={"next": "//evil.example"}).location == "/"
    assert web.get("/login", query_string={"next": "/communities"}).location == "/communities"


def test_language_switch_never_redirects_off_site(web, db):
    token = csrf_token(web)

    evil = web.post("/language/en", data={"csrf_token": token, "next": "/%2F%2Fevil.example"})
    home = web.post("/language/en", data={"csrf_token": token, "next": "/login"})

    assert evil.status_code == home.status_code == 302
    assert evil.location == "/"
    assert home.location == "/login"


# --- throttling ---------------------------------------------------------------------------


def test_account_is_throttled_after_five_failures_and_free_again_after_the_window(web, db):
    user = UserFactory(username="li")
    clock.set_now(T0)
    for _ in range(5):
        assert post_login(web, "li", "guess guess guess").status_code == 401

    clock.set_now(T0 + timedelta(minutes=10))
    throttled = post_login(web, "li")  # the right password, and still refused
    assert throttled.status_code == 429
    assert "Too many failed attempts. Please wait 15 minutes" in throttled.get_data(as_text=True)
    assert int(throttled.headers["Retry-After"]) == 5 * 60 + 1  # the first failure was at T0
    assert not logged_in(web)

    clock.set_now(T0 + timedelta(minutes=15, seconds=1))
    response = post_login(web, "li")
    assert response.status_code == 302
    assert logged_in(web)

    assert len(audit_rows(db, "login_failed")) == 5
    assert len(audit_rows(db, "login_throttled")) == 1
    assert [r.actor_id for r in audit_rows(db, "login")] == [user.id]


def test_client_is_throttled_after_thirty_failures_across_usernames(web, other_client, db):
    UserFactory(username="sun")
    clock.set_now(T0)
    for number in range(30):
        assert post_login(web, f"guess{number}", "guess guess guess").status_code == 401

    assert post_login(web, "sun").status_code == 429
    assert not logged_in(web)
    # The account itself has no failures: from another address it logs in.
    other_client.environ_base["REMOTE_ADDR"] = "10.0.0.2"
    assert post_login(other_client, "sun").status_code == 302
    failures = audit_rows(db, "login_failed")
    assert len(failures) == 30
    assert {record.client for record in failures} == {"127.0.0.1"}


# --- the audit trail --------------------------------------------------------------------


def test_login_audit_records_never_hold_the_password(web, db):
    UserFactory(username="wang")
    wrong = "my-typo-password-8812"
    post_login(web, "wang", wrong)
    post_login(web, "wang")

    records = list(db.session.scalars(select(AuditRecord)))
    assert {r.action for r in records} >= {"login", "login_failed"}
    for record in records:
        text = repr(record.data) + record.object_key + record.actor
        assert wrong not in text and DEFAULT_PASSWORD not in text


# --- logging out ------------------------------------------------------------------------


def test_logout_is_post_only(web, db):
    UserFactory(username="wang")
    post_login(web, "wang")

    assert web.get("/logout").status_code == 405
    assert logged_in(web)


def test_logout_without_csrf_token_is_refused(web, db):
    UserFactory(username="wang")
    post_login(web, "wang")

    assert web.post("/logout").status_code == 400
    assert web.post("/logout", data={"csrf_token": "forged"}).status_code == 400
    assert logged_in(web)
    assert audit_rows(db, "logout") == []


def test_logout_ends_the_session(web, db):
    """Promise 6 (docs/reliability.md#session-end)."""
    user = UserFactory(username="wang")
    post_login(web, "wang")

    response = web.post("/logout", data={"csrf_token": csrf_token(web, "/account")})

    assert response.status_code == 302
    assert response.location == "/login"
    home = web.get("/")
    assert home.status_code == 302
    assert home.location.startswith("/login")
    assert [r.actor_id for r in audit_rows(db, "logout")] == [user.id]


def test_web_logout_ends_the_api_tokens_too(web, other_client, db):
    UserFactory(username="wang")
    token = other_client.post("/api/v1/auth/token", json={
        "username": "wang", "password": DEFAULT_PASSWORD}).get_json()["token"]
    bearer = {"Authorization": "Bearer " + token}
    assert other_client.get("/api/v1/me", headers=bearer).status_code == 200
    post_login(web, "wang")

    web.post("/logout", data={"csrf_token": csrf_token(web, "/account")})

    assert other_client.get("/api/v1/me", headers=bearer).status_code == 401


def test_copies_of_the_cookies_stop_working_after_logout(web, other_client, db):
    # Session cookies are signed, not stored: a copy taken before logout (a shared
    # computer, a stolen cookie) must not outlive it (ASVS 7.4.1).
    UserFactory(username="wang")
    post_login(web, "wang", remember=True)
    session_copy = web.get_cookie("session").value
    remember_copy = web.get_cookie("remember_token").value

    web.post("/logout", data={"csrf_token": csrf_token(web, "/account")})

    other_client.set_cookie("session", session_copy)
    assert not logged_in(other_client)
    other_client.delete_cookie("session")
    other_client.set_cookie("remember_token", remember_copy)
    assert not logged_in(other_client)


# --- cookies ----------------------------------------------------------------------------


def test_session_cookie_is_httponly_and_samesite_lax(web, db):
    """Promise 5 (docs/reliability.md#cookies)."""
    UserFactory(username="wang")

    cookies = set_cookies(post_login(web, "wang"))

    session = cookies["session"]
    assert "HttpOnly" in session
    assert "SameSite=Lax" in session
    # Not asked for: no remember cookie is set (at most a stale one is cleared).
    assert "Max-Age=0" in cookies.get("remember_token", "Max-Age=0")


def test_remember_cookie_lasts_fourteen_days_and_is_httponly_and_lax(web, db):
    UserFactory(username="wang")
    before = datetime.now(UTC)

    cookies = set_cookies(post_login(web, "wang", remember=True))

    remember = cookies["remember_token"]
    assert "HttpOnly" in remember
    assert "SameSite=Lax" in remember
    expires = re.search(r"Expires=([^;]+)", remember).group(1)
    expiry = datetime.strptime(expires, "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=UTC)
    assert before + timedelta(days=14) - timedelta(minutes=1) <= expiry
    assert expiry <= datetime.now(UTC) + timedelta(days=14, minutes=1)


def test_remember_cookie_alone_logs_the_browser_back_in(web, other_client, db):
    UserFactory(username="wang")
    post_login(web, "wang", remember=True)

    other_client.set_cookie("remember_token", web.get_cookie("remember_token").value)

    assert logged_in(other_client)


# --- changing the password ------------------------------------------------------------


def change_password(client, current, new, confirm=None):
    return client.post(
        "/account",
        data={
            "csrf_token": csrf_token(client, "/account"),
            "current_password": current,
            "new_password": new,
            "confirm": new if confirm is None else confirm,
        },
    )


def test_account_page_needs_a_login(web, db):
    response = web.get("/account")

    assert response.status_code == 302
    assert response.location.startswith("/login")


def test_wrong_current_password_is_a_form_error_and_changes_nothing(web, db, api_token):
    user = UserFactory(username="wang")
    headers = api_token(user)
    post_login(web, "wang")
    old_hash, old_generation = user.password_hash, user.session_token

    response = change_password(web, "not my password", NEW_PASSWORD)

    assert response.status_code == 400
    assert "The current password is wrong." in response.get_data(as_text=True)
    db.session.refresh(user)
    assert (user.password_hash, user.session_token) == (old_hash, old_generation)
    assert verify_password(user.password_hash, DEFAULT_PASSWORD)
    assert logged_in(web)
    assert web.get("/api/v1/me", headers=headers).status_code == 200
    assert [r.data for r in audit_rows(db, "password_change_refused")] == [
        {"reason": "bad_current_password"}
    ]


@pytest.mark.parametrize(
    ("weak", "message"),
    [
        ("password123", "This password is too common."),
        ("wang-is-my-name-1", "The password must not contain the username."),
    ],
)
def test_weak_new_password_is_refused_with_its_reason(web, db, weak, message):
    user = UserFactory(username="wang")
    post_login(web, "wang")
    old_hash = user.password_hash

    response = change_password(web, DEFAULT_PASSWORD, weak)

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.password_hash == old_hash


def test_short_or_mismatched_new_password_is_a_form_error(web, db):
    user = UserFactory(username="wang")
    post_login(web, "wang")
    old_hash = user.password_hash

    assert change_password(web, DEFAULT_PASSWORD, "short").status_code == 400
    mismatch = change_password(web, DEFAULT_PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "!")
    assert mismatch.status_code == 400
    assert "The passwords differ." in mismatch.get_data(as_text=True)
    db.session.refresh(user)
    assert user.password_hash == old_hash


def test_password_change_without_csrf_token_is_refused(web, db):
    user = UserFactory(username="wang")
    post_login(web, "wang")
    old_hash = user.password_hash

    response = web.post(
        "/account",
        data={"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD,
              "confirm": NEW_PASSWORD},
    )

    assert response.status_code == 400
    db.session.refresh(user)
    assert user.password_hash == old_hash


def test_password_change_ends_other_sessions_and_tokens_but_not_this_one(
    web, other_client, db, api_token
):
    user = UserFactory(username="wang")
    post_login(other_client, "wang", remember=True)
    post_login(web, "wang")
    headers = api_token(user)
    assert web.get("/api/v1/me", headers=headers).status_code == 200

    response = change_password(web, DEFAULT_PASSWORD, NEW_PASSWORD)

    assert response.status_code == 302
    assert response.location == "/account"
    page = web.get("/account")
    assert page.status_code == 200  # this session continues
    assert "Other sessions have been logged out." in page.get_data(as_text=True)
    assert not logged_in(other_client)  # the other browser, remember cookie and all
    assert web.get("/api/v1/me", headers=headers).status_code == 401
    db.session.refresh(user)
    assert verify_password(user.password_hash, NEW_PASSWORD)
    assert len(audit_rows(db, "password_changed")) == 1

    fresh = english(other_client.application.test_client())
    assert post_login(fresh, "wang", DEFAULT_PASSWORD).status_code == 401
    assert post_login(fresh, "wang", NEW_PASSWORD).status_code == 302


def test_password_change_keeps_keep_me_logged_in_for_this_browser(web, other_client, db):
    UserFactory(username="wang")
    post_login(web, "wang", remember=True)

    response = change_password(web, DEFAULT_PASSWORD, NEW_PASSWORD)

    renewed = set_cookies(response).get("remember_token", "")
    assert renewed and "Expires=" in renewed
    # The renewed cookie is a valid login of the new generation.
    other_client.set_cookie("remember_token", web.get_cookie("remember_token").value)
    assert logged_in(other_client)


# --- disabling an account --------------------------------------------------------------


def test_disabling_a_user_ends_their_sessions(web, other_client, db, api_token):
    admin = UserFactory(role=Role.sysadmin, username="root")
    user = UserFactory(username="wang")
    post_login(web, "wang")
    post_login(other_client, "wang", remember=True)
    headers = api_token(user)

    services.set_active(db.session, admin, user, False)
    db.session.commit()

    assert not logged_in(web)
    assert not logged_in(other_client)
    assert web.get("/api/v1/me", headers=headers).status_code == 401
