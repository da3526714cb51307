"""The three coverages page and its export for tests/world.py (2025-06-02): CA has a term and a
committee in office, CB a term only, CC nothing; CA gets a Party branch here."""

from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook

from pmsys.models.auth import OrgKind
from tests.factories import OrganizationFactory
from tests.web.test_governance_pages import LOGINS, Browser, squash
from tests.world import build_world

PAGE = "/reports/three-coverages"
READERS = ("officer", "bureau", "sysadmin", "office_officer")


@pytest.fixture
def world(db):
    world = build_world()
    OrganizationFactory(code="DZ-CA", kind=OrgKind.party_organization,
                        community=world.communities["CA"])
    for user in world.users.values():
        user.locale = "en"
    db.session.commit()
    return world


@pytest.fixture
def web(client, login_as, world):
    return Browser(client, login_as, world.users)


@pytest.mark.parametrize("login", LOGINS)
def test_the_page_is_for_the_coverage_readers_and_linked_from_their_home(web, login):
    response = web.get(login, PAGE)
    assert response.status_code == (200 if login in READERS else 403)
    home = web.get(login, "/").get_data(as_text=True)
    assert (f'href="{PAGE}"' in home) == (login in READERS)


def test_the_streets_of_the_bureau_with_rates_drill_down_and_gaps(web):
    page = web.get("bureau", PAGE + "?on=2025-06-02")
    text = page.get_data(as_text=True)
    assert 'id="region-S1"' in text and 'id="region-S3"' in text and 'id="region-S2"' not in text
    assert f'href="{PAGE}?on=2025-06-02&amp;region=S1"' in text
    total = squash(page).split("All", 1)[1].split()
    assert total[:10] == ["2", "50.00", "%", "(1)", "50.00", "%", "(1)", "50.00", "%", "(1)"]
    for coverage in ("managed", "committee", "party"):
        assert f'id="missing-{coverage}-CC"' in text
        assert f'id="missing-{coverage}-CA"' not in text
    assert 'href="/communities/CC/terms"' in text and 'href="/communities/CC/committee"' in text
    street = web.get("bureau", PAGE + "?region=S1").get_data(as_text=True)
    assert 'id="region-S1"' in street and 'id="region-S3"' not in street
    city = web.get("sysadmin", PAGE + "?region=BT").get_data(as_text=True)
    assert 'id="region-D1"' in city and 'id="region-D2"' in city
    assert 'id="missing-committee-CB"' in city


def test_bad_requests(web):
    assert web.get("bureau", PAGE + "?on=not-a-day").status_code == 400
    assert web.get("bureau", PAGE + "?region=D2").status_code == 404
    assert web.get("officer", PAGE + "?region=D1").status_code == 404
    assert web.get("bureau", PAGE + ".xlsx?on=never").status_code == 400


def test_the_export_holds_the_pages_rows(web):
    response = web.get("bureau", PAGE + ".xlsx?on=2025-06-02")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="three-coverages-D1-2025-06-02.xlsx"')
    book = load_workbook(BytesIO(response.data))
    figures, gaps = ([list(row) for row in sheet.iter_rows(values_only=True)]
                     for sheet in book.worksheets)
    assert figures[0][:5] == ["Code", "Region", "Communities", "Management term in force",
                              "Rate"]
    assert [row[0] for row in figures[1:]] == ["S1", "S3", None]
    assert figures[-1][1:] == ["All", 2, 1, 0.5, 1, 0.5, 1, 0.5]
    assert book.worksheets[0]["E2"].number_format == "0.00%"
    assert [(row[0], row[1]) for row in gaps[1:]] == [
        ("Management term in force", "CC"), ("Committee in office", "CC"),
        ("Party organisation", "CC")]
    assert web.get("resident_a", PAGE + ".xlsx").status_code == 403
