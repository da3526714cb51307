"""Security headers, error pages without tracebacks, production cookies
(docs/reliability.md#cookies, #headers)."""

from __future__ import annotations

import re

import pytest

from pmsys import create_app
from pmsys.config import ProductionConfig, TestConfig
from pmsys.errors import NotFound
from tests.conftest import CSRF_META
from tests.factories import UserFactory

PAGES = ["/", "/account"]  # logged in; /login is checked anonymous
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|<[^>]+\sstyle\s*=", re.IGNORECASE)
LEAKY = ("Traceback", 'File "', "werkzeug", "sqlalchemy", "hunter2")


def csp_directives(response) -> dict[str, list[str]]:
    policy = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def assert_security_headers(response):
    csp = csp_directives(response)
    policy = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    assert "*" not in policy
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in {
        "same-origin", "strict-origin", "strict-origin-when-cross-origin", "no-referrer"
    }
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.fixture
def admin(db):
    return UserFactory(username="root")


@pytest.fixture
def logged_in(login_as, admin):
    client = login_as(admin)
    client.set_cookie("lang", "en")
    return client


# --- headers ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_pages_carry_the_security_headers(logged_in, path):
    response = logged_in.get(path)

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert_security_headers(response)


def test_anonymous_pages_and_redirects_carry_the_security_headers(client, db):
    login_page = client.get("/login")
    redirect = client.get("/")

    assert login_page.status_code == 200
    assert redirect.status_code == 302
    assert_security_headers(login_page)
    assert_security_headers(redirect)
    html = login_page.get_data(as_text=True)
    assert not INLINE_SCRIPT.search(html)
    assert not EVENT_HANDLER.search(html)
    assert not INLINE_STYLE.search(html)


@pytest.mark.parametrize("path", PAGES)
def test_pages_need_no_inline_script_or_style(logged_in, path):
    # The policy forbids inline code, so a page that relied on it would break.
    html = logged_in.get(path).get_data(as_text=True)

    assert not INLINE_SCRIPT.search(html)
    assert not EVENT_HANDLER.search(html)
    assert not INLINE_STYLE.search(html)


def test_api_responses_carry_the_security_headers(client, admin, api_token):
    headers = api_token(admin)

    for response in (
        client.get("/api/v1/me", headers=headers),
        client.get("/api/v1/openapi.json"),
        client.get("/api/v1/me"),  # refused: 401 envelope
    ):
        assert response.mimetype == "application/json"
        assert_security_headers(response)


@pytest.mark.parametrize("path", PAGES)
def test_personal_pages_are_not_stored_by_any_cache(logged_in, path):
    assert logged_in.get(path).headers.get("Cache-Control") == "no-store"


def test_personal_json_is_not_stored_but_public_answers_may_be(client, admin, api_token):
    headers = api_token(admin)
    assert client.get("/api/v1/me", headers=headers).headers.get("Cache-Control") == "no-store"
    assert client.get("/api/v1/tickets", headers=headers).headers.get(
        "Cache-Control") == "no-store"
    # Not personal: the API's description, the login page, a static file.
    assert "Cache-Control" not in client.get("/api/v1/openapi.json").headers
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")
    static = client.get("/static/css/pmsys.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")
    static.close()


def test_static_files_are_served_with_nosniff(client, db):
    response = client.get("/static/css/pmsys.css")

    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()


# --- error pages --------------------------------------------------------------------------


def assert_no_leak(response):
    body = response.get_data(as_text=True)
    for word in LEAKY:
        assert word not in body, word


def test_404_page_is_html_without_traceback(client, db):
    client.set_cookie("lang", "en")

    response = client.get("/no/such/page")

    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "There is nothing here, or you may not see it." in response.get_data(as_text=True)
    assert_security_headers(response)
    assert_no_leak(response)


def test_404_under_the_api_is_the_json_envelope(client, db):
    response = client.get("/api/v1/no/such/thing")

    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert response.get_json()["error"]["code"] == "not_found"
    assert set(response.get_json()) == {"error"}
    assert_security_headers(response)


def test_405_page_is_html_and_api_405_is_the_envelope(client, db):
    page = client.get("/logout")
    api = client.get("/api/v1/auth/token")

    assert page.status_code == 405
    assert page.mimetype == "text/html"
    assert_no_leak(page)
    assert api.status_code == 405
    assert api.get_json()["error"]["code"] == "method_not_allowed"
    assert_security_headers(page)
    assert_security_headers(api)


def test_csrf_failure_is_a_plain_400_page(client, db):
    response = client.post("/login", data={"username": "x", "password": "y"})

    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert_no_leak(response)
    assert_security_headers(response)


def _boom(*_args, **_kwargs):
    raise RuntimeError('connection to db failed: password "hunter2" File "/srv/pmsys/db.py"')


def _endpoint(app, path: str) -> str:
    return app.url_map.bind("localhost").match(path)[0]


def test_unexpected_error_on_a_page_is_a_500_page_without_traceback(app, client, db, monkeypatch):
    monkeypatch.setitem(app.view_functions, _endpoint(app, "/login"), _boom)
    client.set_cookie("lang", "en")

    response = client.get("/login")

    assert response.status_code == 500
    assert response.mimetype == "text/html"
    assert "Something went wrong. The error has been logged." in response.get_data(as_text=True)
    assert_no_leak(response)
    assert_security_headers(response)


def test_unexpected_error_in_the_api_is_the_500_envelope(app, client, db, monkeypatch):
    monkeypatch.setitem(app.view_functions, _endpoint(app, "/api/v1/openapi.json"), _boom)

    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 500
    assert response.get_json() == {"error": {"code": "internal_error", "message": "internal error"}}
    assert_no_leak(response)
    assert_security_headers(response)


def test_domain_error_on_a_page_answers_its_status_as_html(app, client, db, monkeypatch):
    def refuse():
        raise NotFound("no community X9")

    monkeypatch.setitem(app.view_functions, _endpoint(app, "/login"), refuse)

    response = client.get("/login")

    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert_no_leak(response)


def test_unexpected_error_on_a_fresh_app_route(database_url, tmp_path):
    fresh = create_app(
        TestConfig,
        overrides={"SQLALCHEMY_DATABASE_URI": database_url, "UPLOAD_FOLDER": str(tmp_path)},
    )
    fresh.add_url_rule("/test-boom", "test_boom", _boom)
    fresh.add_url_rule("/api/v1/test-boom", "api_test_boom", _boom)
    client = fresh.test_client()

    page = client.get("/test-boom")
    api = client.get("/api/v1/test-boom")

    assert page.status_code == api.status_code == 500
    assert page.mimetype == "text/html"
    assert api.get_json()["error"]["code"] == "internal_error"
    assert_no_leak(page)
    assert_no_leak(api)


# --- production cookies -------------------------------------------------------------------


@pytest.fixture
def production_app(monkeypatch, tmp_path):
    for name in ("PMSYS_DEBUG", "FLASK_DEBUG", "SESSION_COOKIE_SECURE", "PMSYS_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", "p" * 48)
    monkeypatch.setenv("DATABASE_URL", "sqlite:///" + str(tmp_path / "production.db"))
    monkeypatch.setenv("UPLOAD_FOLDER", str(tmp_path / "uploads"))
    return create_app(ProductionConfig)


HTTPS = "https://pmsys.example"


def test_production_cookies_are_secure_httponly_and_lax(production_app):
    client = production_app.test_client()

    response = client.get("/login", base_url=HTTPS)

    assert response.status_code == 200
    (session,) = [
        header for header in response.headers.getlist("Set-Cookie")
        if header.startswith("session=")
    ]
    assert "Secure" in session
    assert "HttpOnly" in session
    assert "SameSite=Lax" in session
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert_security_headers(response)
    assert production_app.config["REMEMBER_COOKIE_SECURE"] is True


def test_production_language_cookie_is_secure_too(production_app):
    client = production_app.test_client()
    page = client.get("/login", base_url=HTTPS).get_data(as_text=True)
    token = CSRF_META.search(page).group(1)

    response = client.post(
        "/language/en",
        base_url=HTTPS,
        data={"csrf_token": token, "next": "/login"},
        headers={"Referer": HTTPS + "/login"},
    )

    assert response.status_code == 302
    (lang,) = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("lang=")]
    assert "Secure" in lang and "HttpOnly" in lang and "SameSite=Lax" in lang
