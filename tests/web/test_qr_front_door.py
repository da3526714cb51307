"""A building's QR code: the public page, the place from the code winning, places chosen.

Issue 13, items 1–3: the place from a QR code is never swapped for the user's own
community; without a login the code opens the building's public page (log in and
file, report a common-area fault with a name and phone, or call); residents choose
buildings, units and homes from lists, never typing codes.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pmsys import clock
from pmsys.models.tickets import Channel, Ticket
from tests.conftest import DEFAULT_PASSWORD, csrf_token
from tests.ticket_world import NOW, build_ticket_world
from tests.web.test_security import EVENT_HANDLER, INLINE_SCRIPT, INLINE_STYLE
from tests.web.ticket_browser import Browser, flashes, latest_ticket, squash, text

QR = "/tickets/new?community=CA&building=1"
LANDING = "/report/CA/1"
REPORT = {"description": "一单元楼道灯不亮", "name": "王大爷", "phone": "13900001234",
          "category": "lighting"}


@pytest.fixture
def world(db):
    world = build_ticket_world()
    for user in world.users.values():
        user.locale = "en"  # the assertions read the English source strings
    world.orgs["SO-S1"].phone = "0472-8812345"
    db.session.commit()
    return world


@pytest.fixture
def web(client, login_as, world):
    return Browser(client, login_as, world)


def count(db) -> int:
    return db.session.scalar(select(func.count(Ticket.id)))


def english(client) -> None:
    client.set_cookie("lang", "en")


# --- without a login: the building's public page --------------------------------------


def test_logged_out_the_qr_code_opens_the_buildings_public_page(client, world):
    english(client)
    response = client.get(QR)
    assert response.status_code == 302 and response.headers["Location"] == LANDING
    page = client.get(LANDING)
    assert page.status_code == 200
    said = squash(page)
    # Which building it is for.
    assert world.communities["CA"].name in said and "Building 1" in said and "CA/1" in said
    html = text(page)
    # (a) log in and file: back to the filled-in form afterwards.
    assert 'href="/login?next=/tickets/new?community%3DCA%26building%3D1"' in html
    # (b) a common-area fault with name and phone; the category buttons send it.
    assert 'name="csrf_token"' in html and 'name="phone"' in html and 'name="name"' in html
    assert len(re.findall(r'<button type="submit" name="category" value="\w+"', html)) == 26
    # (c) the hotline: the street office's phone.
    assert 'href="tel:0472-8812345"' in html and world.orgs["SO-S1"].name in said
    for pattern in (INLINE_SCRIPT, EVENT_HANDLER, INLINE_STYLE):
        assert not pattern.search(html)


def test_the_login_link_comes_back_to_the_filled_in_form(client, world):
    token = csrf_token(client, "/login?next=" + QR)
    response = client.post("/login?next=/tickets/new?community%3DCA%26building%3D1",
                           data={"username": "resident_a", "password": DEFAULT_PASSWORD,
                                 "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == QR
    form = text(client.get(QR))
    assert '<option selected value="CA">' in form and '<option selected value="1">' in form


def test_without_a_building_the_public_page_is_the_hotline_fallback(client, db, world):
    world.orgs["SO-S1"].phone = None
    db.session.commit()
    assert 'href="tel:12345"' in text(client.get(LANDING))


def test_a_public_report_is_filed_from_the_page_and_the_phone_shown_masked(client, db, world):
    english(client)
    token = csrf_token(client, LANDING)
    response = client.post(LANDING, data={**REPORT, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == LANDING
    ticket = latest_ticket()
    assert ticket.channel is Channel.public and ticket.category == "lighting"
    assert ticket.community.code == "CA" and ticket.building.code == "1"
    said = " ".join(flashes(client.get(LANDING)))
    assert ticket.number in said and world.orgs["PM-A"].name in said
    assert "139****1234" in said and "13900001234" not in said


def test_a_public_report_without_csrf_or_with_a_bad_phone_files_nothing(client, db, world):
    assert client.post(LANDING, data=REPORT).status_code == 400  # no CSRF token
    token = csrf_token(client, LANDING)
    english(client)
    bad = client.post(LANDING, data={**REPORT, "phone": "12345", "csrf_token": token})
    assert bad.status_code == 400 and "Please check this field." in text(bad)
    untapped = client.post(LANDING, data={**REPORT, "category": "", "csrf_token": token})
    assert untapped.status_code == 400
    assert "Tap the kind of fault to send the report." in text(untapped)
    assert count(db) == 0


def test_public_reports_are_throttled_per_phone_with_retry_after(app, client, db, world,
                                                                 monkeypatch):
    monkeypatch.setitem(app.config, "RATE_LIMITS_ENABLED", True)
    monkeypatch.setitem(app.config, "PUBLIC_REPORT_LIMIT_PHONE", (1, timedelta(days=1)))
    clock.set_now(NOW)
    token = csrf_token(client, LANDING)
    assert client.post(LANDING, data={**REPORT, "csrf_token": token}).status_code == 302
    refused = client.post(LANDING, data={**REPORT, "csrf_token": token})
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) == 24 * 3600 + 1
    assert count(db) == 1


def test_an_unknown_building_has_no_public_page(client, world):
    assert client.get("/report/CA/99").status_code == 404
    assert client.get("/report/NOWHERE/1").status_code == 404
    # Without a place, the form still asks for a login.
    assert client.get("/tickets/new").headers["Location"].startswith("/login")


# --- item 1: the place from the QR code wins ----------------------------------------------


def test_a_resident_of_another_community_reports_where_the_qr_code_is(web, db, world):
    response = web.get("resident_b", QR)  # resident_b lives in CB
    assert response.status_code == 200
    page = text(response)
    assert '<option selected value="CA">' in page  # never swapped for CB
    assert '<option selected value="1">' in page
    notice = squash(response)
    assert f"You have no home in {world.communities['CA'].name}" in notice
    assert 'name="household"' not in page  # no home of theirs here

    filed = web.post("resident_b", "/tickets/new", category="lighting", community="CA",
                     building="1", description="路灯不亮")
    assert filed.status_code == 302, flashes(filed) or text(filed)
    ticket = latest_ticket()
    assert ticket.community.code == "CA" and ticket.building.code == "1"
    assert ticket.reporter_id == world.users["resident_b"].id
    assert web.get("resident_b", f"/tickets/{ticket.id}").status_code == 200  # theirs to follow

    before = count(db)
    # Nothing inside someone else's home, and never without a building.
    home = web.post("resident_b", "/tickets/new", category="water_supply", community="CA",
                    building="1", unit="1/1", household="CA/1/1/101", inside_home="y",
                    description="漏水")
    assert home.status_code == 400
    assert web.get("resident_b", "/tickets/new?community=CA").status_code == 403
    assert count(db) == before


def test_staff_who_do_not_serve_the_community_are_told_why_not_swapped(web, db, world):
    response = web.get("manager_b", QR)  # PM-B manages CB, not CA
    assert response.status_code == 403
    said = squash(response)
    assert world.communities["CA"].name in said
    assert "does not serve" in said
    assert 'name="category"' not in text(response)  # no form to file elsewhere
    assert f'href="{LANDING}"' in text(response)
    assert web.get("manager_b", "/tickets/new?community=NOWHERE&building=1").status_code == 404
    assert web.get("resident_a", "/tickets/new?community=CA&building=99").status_code == 404


# --- item 3: buildings, units and homes are chosen ----------------------------------------


def test_residents_choose_the_building_unit_and_home_from_lists(web, world):
    response = web.get("resident_a", QR)
    page = text(response)
    assert '<select id="building" name="building">' in page
    assert '<option selected value="1">Building 1</option>' in page
    assert re.search(r'<optgroup label="Building 1">\s*<option value="1/1">Unit 1</option>', page)
    assert '<option value="CA/1/1/101">' in page and "Building 1 Unit 1 101" in page
    assert 'name="household" type="text"' not in page
    assert "location code" not in page and "place code" not in page
    # Staff keep the household number box (they file for any home they serve).
    assert 'name="household" type="text"' in text(web.get("manager_a", QR))


def test_a_chosen_unit_files_in_its_building(web, db, world):
    response = web.post("resident_a", "/tickets/new", category="common_parts", community="CA",
                        unit="1/1", description="楼道扶手松动")
    assert response.status_code == 302, flashes(response) or text(response)
    ticket = latest_ticket()
    assert (ticket.building.code, ticket.unit.code) == ("1", "1")
    clash = web.post("resident_a", "/tickets/new", category="common_parts", community="CA",
                     building="2", unit="1/1", description="楼道扶手松动")
    assert clash.status_code == 400 and "This unit is in another building." in text(clash)


def test_the_preview_asks_residents_for_no_asset_code(web, world):
    url = "/tickets/preview?category=roof_leak&community=CA&building=1"
    resident = text(web.get("resident_a", url))
    assert 'name="asset"' not in resident
    assert '<option selected value="1">' in resident
    assert 'name="asset"' in text(web.get("manager_a", url))
    # From another community's QR code the preview answers too (common areas).
    other = web.get("resident_b", "/tickets/preview?category=lighting&community=CA&building=1")
    assert other.status_code == 200 and world.orgs["PM-A"].name in squash(other)


def test_the_assignee_sees_the_public_reporters_phone_others_masked(web, db, world):
    token = csrf_token(web.client, LANDING)
    assert web.client.post(LANDING, data={**REPORT, "csrf_token": token}).status_code == 302
    ticket = latest_ticket()
    page = f"/tickets/{ticket.id}"
    assignee = squash(web.get("manager_a", page))
    assert "13900001234" in assignee and "王大爷" in assignee
    assert "on the building's QR page, without a login" in assignee
    for who in ("committee_a", "officer"):
        seen = squash(web.get(who, page))
        assert "139****1234" in seen and "13900001234" not in seen
