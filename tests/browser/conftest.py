"""The real-browser walks: Debian's chromium driven by playwright, against a live server.

Every test here is marked `browser`. What the fixtures give (use them for new walks):

- `live` (module): `Live(url, app, ids)` — the app served by a threaded werkzeug server on
  a free port of 127.0.0.1, over a database of its own (tests/live.py: a SQLite file, or a
  PostgreSQL schema on the PostgreSQL run) holding the ticket world of
  tests/ticket_world.py, committed. `live.url("/path")` is the absolute address;
  `live.session()` a context manager yielding a database session in the live app (read
  what a walk did; commit what a test sets up). Logins are the world's
  (tests/world.py), password `tests.conftest.DEFAULT_PASSWORD`.
- `phone` (function): a fresh browser page the size of a phone, 390 × 844 CSS pixels,
  touch, Chinese (zh-CN) like most users; no cookies carried over between tests.
- `walk` (function): `Walk(phone)` — the page's actions that a user does by hand
  (`tap`, `fill`, `choose`, `upload`), each counted in `walk.interactions`. What counts
  as one interaction: one tap or click, one field filled (typing a whole text, whatever
  its length), one choice made in a list. Opening an address — scanning a QR code — is
  not one; nor is the browser following a redirect.
- `login(walk, username)`: logs in through the login page (3 interactions).
- `assert_no_horizontal_scroll(page)`: nothing makes the page wider than the screen.
- `assert_no_untranslated(page)`: no English source string of the catalogue shows on a
  Chinese page (visible text and the title).
- `check_page(page)`: both; with PMSYS_BROWSER_SHOTS=<folder> it also saves a screenshot.

The clock reads tests/world.NOW during each walk (the world's terms and deadlines are
set around it). Chromium is /usr/bin/chromium (.ci/run installs it with Chinese fonts
where missing); without it, or without playwright, the walks skip and say why — except
under CI (CI=true), where a missing browser fails the run instead of hiding the walks.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from pmsys import clock
from pmsys.extensions import db as _db
from tests.conftest import DEFAULT_PASSWORD
from tests.live import live_database, serving
from tests.ticket_world import NOW, build_ticket_world

CHROMIUM = "/usr/bin/chromium"
PHONE_SIZE = {"width": 390, "height": 844}
CATALOGUE = (Path(__file__).resolve().parents[2] / "pmsys" / "translations" / "zh_CN"
             / "LC_MESSAGES" / "messages.po")


def _why_no_browser() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (make install puts it in the dev extra)"
    if not os.access(CHROMIUM, os.X_OK):
        return f"no {CHROMIUM}: apt-get install chromium fonts-wqy-zenhei (.ci/run does)"
    return None


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    walks = [item for item in items if here in Path(str(item.fspath)).parents]
    for item in walks:
        item.add_marker(pytest.mark.browser)
    why = _why_no_browser() if walks else None
    if why is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        raise pytest.UsageError(f"the browser walks cannot run under CI: {why}")
    for item in walks:
        item.add_marker(pytest.mark.skip(reason=f"browser walks skipped: {why}"))


# --- the live server ------------------------------------------------------------------


@dataclass
class Live:
    base: str
    app: object
    ids: dict

    def url(self, path: str) -> str:
        return self.base + path

    @contextmanager
    def session(self):
        with self.app.app_context(), Session(_db.engine) as session:
            yield session


def _world_ids() -> dict:
    world = build_ticket_world()
    _db.session.commit()
    return {"users": {name: user.id for name, user in world.users.items()}}


@pytest.fixture(scope="module")
def live(app, database_url, tmp_path_factory, request):
    schema = "browser_" + re.sub(r"\W", "_", request.module.__name__.rsplit(".", 1)[-1])
    with live_database(app, database_url, tmp_path_factory, schema, _world_ids) as (live_app,
                                                                                   ids):
        with serving(live_app) as base:
            yield Live(base, live_app, ids)


@pytest.fixture(autouse=True)
def _world_clock():
    clock.set_now(NOW)
    yield
    clock.set_now(None)


# --- the browser ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            # Root in a container has no user namespaces for chromium's sandbox.
            args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def phone(chromium):
    context = chromium.new_context(viewport=PHONE_SIZE, is_mobile=True, has_touch=True,
                                   device_scale_factor=2, locale="zh-CN",
                                   extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


class Walk:
    """What a user does on a page by hand, counted (see the module's docstring)."""

    def __init__(self, page):
        self.page = page
        self.interactions = 0

    def open(self, url: str):
        """Open an address (a QR code scanned, a link from elsewhere): not an interaction."""
        return self.page.goto(url)

    def tap(self, selector: str) -> None:
        self.interactions += 1
        self.page.locator(selector).click()
        # A tap that navigates returns once the next page is committed: wait until it is
        # parsed, so that what a walk reads next is that page, whole.
        self.page.wait_for_load_state("load")

    def fill(self, selector: str, text: str) -> None:
        self.interactions += 1
        self.page.locator(selector).fill(text)

    def choose(self, selector: str, value: str) -> None:
        self.interactions += 1
        self.page.locator(selector).select_option(value)

    def upload(self, selector: str, path: str) -> None:
        """Choosing a photo: one interaction (the phone's picker)."""
        self.interactions += 1
        self.page.locator(selector).set_input_files(path)


@pytest.fixture
def walk(phone):
    return Walk(phone)


def login(walk: Walk, username: str, password: str = DEFAULT_PASSWORD) -> None:
    """Log in on the login page the walk is on (3 interactions)."""
    walk.fill("input[name=username]", username)
    walk.fill("input[name=password]", password)
    walk.tap("form.form button[type=submit]")


# --- what every page must pass --------------------------------------------------------


def assert_no_horizontal_scroll(page) -> None:
    """Nothing on the page is wider than the screen: no sideways scrolling on a phone.

    The page itself must not scroll sideways, and no element may stick out past the
    screen's right edge unless a box of its own scrolls or clips it (the main menu's
    row of links scrolls on its own, on purpose).
    """
    found = page.evaluate("""() => {
        const width = document.documentElement.clientWidth;
        const contained = (el) => {
            for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
                if (getComputedStyle(up).overflowX !== 'visible') { return true; }
            }
            return false;
        };
        const wide = [];
        for (const el of document.querySelectorAll('body *')) {
            const box = el.getBoundingClientRect();
            if (box.width && box.right > width + 1 && !contained(el)) {
                wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                          + (el.className && typeof el.className === 'string'
                             ? '.' + el.className.trim().split(/\\s+/).join('.') : '')
                          + ' right=' + Math.round(box.right));
            }
        }
        return {width, scroll: document.documentElement.scrollWidth, wide: wide.slice(0, 8)};
    }""")
    assert found["scroll"] <= found["width"] and not found["wide"], (
        f"{page.url} scrolls sideways at {found['width']} px: {found}")


@cache
def english_sources() -> tuple[re.Pattern, ...]:
    """Patterns of the catalogue's English source strings worth looking for on a page.

    A msgid's literal parts (between its placeholders) of at least two words, or one
    word of five letters or more; each matched whole (word boundaries), case-sensitive.
    A message translated as itself (the brand, "pmsys") is left out.
    """
    from babel.messages.pofile import read_po

    with CATALOGUE.open("rb") as handle:
        catalog = read_po(handle, locale="zh_CN")
    parts: set[str] = set()
    for message in catalog:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        if message.string == message.id:
            continue
        for msgid in ids:
            for part in re.split(r"%\(\w+\)[sdf]|%[sd]|\{\w*\}", msgid or ""):
                part = part.strip(" .,:;·()?!\n")
                words = re.findall(r"[A-Za-z]+", part)
                if len(words) >= 2 or (len(words) == 1 and len(words[0]) >= 5
                                       and words[0] == part):
                    parts.add(part)
    return tuple(re.compile(r"(?<![A-Za-z])" + re.escape(p) + r"(?![A-Za-z])")
                 for p in sorted(parts, key=len, reverse=True))


def assert_no_untranslated(page) -> None:
    """No English source string of the catalogue shows on this Chinese page."""
    assert page.evaluate("document.documentElement.lang") == "zh-CN", page.url
    shown = page.title() + "\n" + page.inner_text("body")
    left = sorted({m.group(0) for p in english_sources() for m in p.finditer(shown)})
    assert not left, f"{page.url} shows English source strings: {left}"


def check_page(page) -> None:
    """Both checks every walk makes on every page it reaches.

    With PMSYS_BROWSER_SHOTS=<folder> set, each page checked is also saved there as a
    full-page screenshot (to look at what the walks saw).
    """
    # A tap that navigates returns once the new page is committed, perhaps not yet parsed.
    page.wait_for_load_state("load")
    shots = os.environ.get("PMSYS_BROWSER_SHOTS")
    if shots:
        name = re.sub(r"\W+", "-", page.url.split("//", 1)[-1].split("/", 1)[-1]).strip("-")
        index = len(list(Path(shots).glob("*.png")))
        page.screenshot(path=str(Path(shots) / f"{index:03d}-{name or 'home'}.png"),
                        full_page=True)
    assert_no_horizontal_scroll(page)
    assert_no_untranslated(page)
