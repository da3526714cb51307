"""A building's QR code: a printable page and an SVG that opens the form with the place filled."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
import segno

from tests.ticket_world import build_ticket_world
from tests.web.ticket_browser import Browser, text

SVG_URL = "/communities/CA/buildings/1/qr.svg"
PAGE_URL = "/communities/CA/buildings/1/qr"
FORM_URL = "http://localhost/tickets/new?community=CA&building=1"


@pytest.fixture
def world(db):
    world = build_ticket_world()
    for user in world.users.values():
        user.locale = "en"
    db.session.commit()
    return world


@pytest.fixture
def web(client, login_as, world):
    return Browser(client, login_as, world)


@pytest.mark.parametrize("who", ["manager_a", "committee_a", "officer", "bureau", "sysadmin"])
def test_staff_serving_the_community_get_a_valid_svg_of_the_form_address(web, who):
    response = web.get(who, SVG_URL)
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    root = ET.fromstring(response.data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    # The modules drawn are those of the form's absolute address: that is what it encodes.
    drawn = root.find("{http://www.w3.org/2000/svg}path").get("d")
    expected = ET.fromstring(segno.make(FORM_URL, error="m").svg_inline(scale=8, border=4))
    assert drawn == expected.find("path").get("d")
    assert drawn != ET.fromstring(segno.make(FORM_URL + "2", error="m").svg_inline(
        scale=8, border=4)).find("path").get("d")


def test_the_printable_page_names_the_place_and_shows_the_code(web, world):
    response = web.get("manager_a", PAGE_URL)
    assert response.status_code == 200
    page = text(response)
    assert world.communities["CA"].name in page
    assert "Scan to report a problem" in page
    assert f'src="{SVG_URL}"' in page
    assert FORM_URL.replace("&", "&amp;") in page


@pytest.mark.parametrize("who", ["resident_a", "operator_in", "manager_b", "operator_out"])
def test_residents_operators_and_other_communities_get_404(web, who):
    assert web.get(who, SVG_URL).status_code == 404
    assert web.get(who, PAGE_URL).status_code == 404


def test_an_unknown_building_is_404(web):
    assert web.get("manager_a", "/communities/CA/buildings/99/qr.svg").status_code == 404
    assert web.get("manager_a", "/communities/ZZ/buildings/1/qr").status_code == 404


def test_the_building_page_links_the_code_for_staff_only(web):
    assert f'href="{PAGE_URL}"' in text(web.get("manager_a", "/communities/CA/buildings/1"))
    resident = text(web.get("resident_a", "/communities/CA/buildings/1"))
    assert f'href="{PAGE_URL}"' not in resident
    # Everyone who sees the building may report a problem in it.
    assert 'href="/tickets/new?community=CA&amp;building=1"' in resident
