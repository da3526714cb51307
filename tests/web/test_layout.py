"""The base layout: language switch, navigation, CSRF, no inline code, error pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pmsys import PROJECT_ROOT
from pmsys.models.auth import OrgKind, Role, User
from tests.factories import (
    HouseholdFactory,
    OrganizationFactory,
    UserFactory,
    resident_of,
    staff,
)


def html_lang(response) -> str:
    match = re.search(r'<html lang="([^"]+)">', response.get_data(as_text=True))
    assert match, response.status_code
    return match.group(1)


def test_pages_are_chinese_by_default(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert html_lang(response) == "zh-CN"


def test_switching_to_english_lasts_the_browser_session_and_is_not_stored(client, login_as,
                                                                           csrf, db):
    user = UserFactory(role=Role.sysadmin)
    login_as(user)
    assert html_lang(client.get("/")) == "zh-CN"
    response = client.post("/language/en", data={"csrf_token": csrf("/"), "next": "/communities"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/communities"
    cookie = response.headers["Set-Cookie"]
    # A session cookie: it ends with the browser, and the account keeps no language.
    assert "lang=en" in cookie and "Expires" not in cookie and "Max-Age" not in cookie
    assert db.session.get(User, user.id).locale is None
    for path in ("/", "/communities", "/account"):
        assert html_lang(client.get(path)) == "en"
    # Back to Chinese the same way.
    client.post("/language/zh_CN", data={"csrf_token": csrf("/")})
    assert html_lang(client.get("/")) == "zh-CN"
    assert db.session.get(User, user.id).locale is None


def test_after_logging_out_the_next_login_follows_the_browser_again(client, login_as, csrf,
                                                                    db):
    user = UserFactory(role=Role.sysadmin)
    login_as(user)
    client.post("/language/en", data={"csrf_token": csrf("/")})
    assert html_lang(client.get("/")) == "en"
    response = client.post("/logout", data={"csrf_token": csrf("/")})
    assert any(h.startswith("lang=;") for h in response.headers.getlist("Set-Cookie"))
    assert client.get_cookie("lang") is None
    login_as(db.session.get(User, user.id))
    assert html_lang(client.get("/")) == "zh-CN"
    assert html_lang(client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})) == "en"


@pytest.mark.parametrize("accept, lang", [
    ("en-US,en;q=0.9", "en"),
    ("en", "en"),
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
    ("zh", "zh-CN"),
    ("fr-FR,fr;q=0.9", "zh-CN"),
    ("de;q=0.9,en;q=0.5,zh;q=0.7", "zh-CN"),
])
def test_without_a_choice_the_language_follows_the_browser(client, accept, lang):
    response = client.get("/login", headers={"Accept-Language": accept})
    assert html_lang(response) == lang
    assert {"Accept-Language", "Cookie"} <= set(response.vary)


def test_the_account_page_keeps_a_chosen_language_for_every_login(client, login_as, csrf,
                                                                  db):
    user = UserFactory(role=Role.sysadmin)
    login_as(user)
    client.post("/language/zh_CN", data={"csrf_token": csrf("/")})
    response = client.post("/account/language",
                           data={"csrf_token": csrf("/account"), "language": "en"})
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    # The choice shows at once: the switch of this browser session is dropped.
    assert client.get_cookie("lang") is None
    assert db.session.get(User, user.id).locale == "en"
    assert html_lang(client.get("/", headers={"Accept-Language": "zh-CN"})) == "en"
    page = client.get("/account").get_data(as_text=True)
    assert re.search(r'<option selected value="en">|<option value="en" selected>', page)
    # Back to following the browser.
    client.post("/account/language", data={"csrf_token": csrf("/account"), "language": ""})
    assert db.session.get(User, user.id).locale is None
    assert html_lang(client.get("/")) == "zh-CN"
    assert html_lang(client.get("/", headers={"Accept-Language": "en"})) == "en"


def test_the_account_language_refuses_unknown_languages_and_missing_tokens(client, login_as,
                                                                           csrf, db):
    user = UserFactory(role=Role.sysadmin)
    login_as(user)
    assert client.post("/account/language",
                       data={"csrf_token": csrf("/account"), "language": "fr"}).status_code == 400
    assert client.post("/account/language", data={"language": "en"}).status_code == 400
    assert db.session.get(User, user.id).locale is None


def test_the_stored_choice_applies_without_the_cookie(client, login_as, db):
    # A new browser has no "lang" cookie: the account's choice decides.
    login_as(UserFactory(role=Role.sysadmin, locale="en"))
    assert client.get_cookie("lang") is None
    assert html_lang(client.get("/")) == "en"


def test_anonymous_visitor_can_switch_language_with_a_cookie(client, csrf):
    response = client.post("/language/en", data={"csrf_token": csrf("/login"), "next": "/login"})
    assert response.status_code == 302
    assert html_lang(client.get("/login")) == "en"


def test_language_switch_without_csrf_token_is_refused(client, login_as, db):
    user = UserFactory(role=Role.sysadmin)
    login_as(user)
    response = client.post("/language/en", data={"next": "/"})
    assert response.status_code == 400
    assert "Set-Cookie" not in response.headers or "lang=" not in response.headers["Set-Cookie"]
    assert db.session.get(User, user.id).locale is None
    assert html_lang(client.get("/")) == "zh-CN"


def test_logout_needs_post_with_csrf(client, login_as, csrf, db):
    login_as(UserFactory(role=Role.sysadmin))
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200
    response = client.post("/logout", data={"csrf_token": csrf("/")})
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_layout_for_a_logged_in_user(client, login_as, db):
    org = OrganizationFactory(kind=OrgKind.housing_bureau, name="测试住建局")
    login_as(staff(Role.bureau_admin, org, username="layout-bureau"))
    html = client.get("/").get_data(as_text=True)
    assert re.search(r'<meta name="csrf-token" content="[^"]+">', html)
    for target in ('href="/"', 'href="/communities"', 'href="/account"',
                   'action="/logout"', 'action="/language/en"'):
        assert target in html, target
    assert 'aria-current="page">' in html
    assert "layout-bureau" in html and "测试住建局" in html
    assert '<link rel="stylesheet" href="/static/css/pmsys.css">' in html


def test_login_page_has_no_member_navigation(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'action="/language/en"' in html
    assert 'href="/communities"' not in html and 'action="/logout"' not in html


INLINE_STYLE = re.compile(r"\sstyle\s*=|<style[\s>]", re.I)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I)
REMOTE_ASSET = re.compile(r'(?:src|href)="(?:https?:)?//', re.I)


@pytest.mark.parametrize("who", ["anonymous", "resident", "bureau"])
def test_pages_have_no_inline_code_and_no_remote_assets(client, login_as, db, who):
    household = HouseholdFactory()
    paths = ["/login"]
    if who != "anonymous":
        user = resident_of(household) if who == "resident" else staff(
            Role.bureau_admin, OrganizationFactory(kind=OrgKind.housing_bureau,
                                                   region=household.unit.building.community
                                                   .street)
        )
        login_as(user)
        community = household.unit.building.community
        building = household.unit.building
        paths = ["/", "/communities", f"/communities/{community.code}",
                 f"/communities/{community.code}/buildings/{building.code}", "/account",
                 "/communities/NOSUCH"]
    for path in paths:
        response = client.get(path)
        assert response.status_code in (200, 404), path
        html = response.get_data(as_text=True)
        assert not INLINE_STYLE.search(html), path
        assert not INLINE_SCRIPT.search(html), path
        assert not REMOTE_ASSET.search(html), path
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_stylesheet_is_vendored_and_loads_nothing_remote(client):
    response = client.get("/static/css/pmsys.css")
    assert response.status_code == 200
    css = response.get_data(as_text=True)
    response.close()
    assert "@media (min-width" in css
    assert not re.search(r"@import|url\(\s*['\"]?(?:https?:)?//", css)
    assert not re.search(r"@font-face", css)


def test_templates_carry_no_inline_style_or_script():
    for path in (PROJECT_ROOT / "templates").rglob("*.html"):
        text = Path(path).read_text(encoding="utf-8")
        assert not INLINE_STYLE.search(text), path
        assert not INLINE_SCRIPT.search(text), path


def test_error_pages_never_show_a_traceback(client, login_as, db, monkeypatch):
    user = UserFactory(role=Role.sysadmin)
    # The 500 handler rolls the request's work back; the user existed before it.
    db.session.commit()
    login_as(user)
    missing = client.get("/no/such/page")
    assert missing.status_code == 404
    assert html_lang(missing) == "zh-CN"

    def explode(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("pmsys.places.services.totals", explode)
    response = client.get("/")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Traceback" not in html and "secret internals" not in html
    assert "RuntimeError" not in html
    assert 'class="error-status">500<' in html
