"""A building's QR code in a real browser at 390 px: logged out, logged in, another community.

The goal (issue 13): a resident who is not logged in gets from the QR code to a filed
ticket in at most 4 interactions (tests/browser/conftest.py says what counts as one).
"""

from __future__ import annotations

from PIL import Image
from sqlalchemy import select

from pmsys.models.tickets import Channel, Ticket
from tests.browser.conftest import check_page, login

QR = "/tickets/new?community=CA&building=1"  # what the building's QR code encodes


def latest(live) -> dict:
    """The last ticket filed, as plain values."""
    with live.session() as session:
        ticket = session.scalars(select(Ticket).order_by(Ticket.id.desc()).limit(1)).one()
        return {"id": ticket.id, "number": ticket.number, "channel": ticket.channel,
                "category": ticket.category, "community": ticket.community.code,
                "building": ticket.building.code if ticket.building else None,
                "unit": ticket.unit.code if ticket.unit else None,
                "household": ticket.household_id, "reporter": (ticket.reporter_name,
                                                               ticket.reporter_phone)}


def test_logged_out_a_qr_code_files_a_common_area_fault_in_four_interactions(live, walk):
    page = walk.page
    walk.open(live.url(QR))
    # The building's public page: which building, and the three ways in.
    assert "/report/CA/1" in page.url
    heading = page.locator("header.qr-landing").inner_text()
    assert "供销楼小区" in heading and "CA/1" in heading
    assert page.locator("#way-login a").get_attribute("href").startswith("/login?next=")
    assert page.locator("#way-call a.tel").count() == 1
    check_page(page)

    walk.fill("textarea[name=description]", "一单元楼道灯不亮")
    walk.fill("input[name=name]", "王大爷")
    walk.fill("input[name=phone]", "13900001234")
    walk.tap("button.btn-kind[value=lighting]")

    assert walk.interactions <= 4
    flash = page.locator(".flash-success").inner_text()
    ticket = latest(live)
    assert ticket["channel"] is Channel.public and ticket["category"] == "lighting"
    assert ticket["reporter"] == ("王大爷", "13900001234")
    assert (ticket["community"], ticket["building"]) == ("CA", "1")
    assert ticket["number"] in flash and "139****1234" in flash and "13900001234" not in flash
    check_page(page)


def test_logged_out_log_in_goes_back_to_the_filled_form_and_files_with_a_photo(
        live, walk, tmp_path):
    page = walk.page
    walk.open(live.url(QR))
    walk.tap("#way-login a")
    check_page(page)
    login(walk, "resident_a")
    # Straight back to the form, the building chosen from the QR code.
    assert page.url.endswith(QR)
    assert page.locator("select[name=community]").input_value() == "CA"
    assert page.locator("select[name=building]").input_value() == "1"
    assert page.locator("input[name=building]").count() == 0  # chosen, never typed
    check_page(page)

    photo = tmp_path / "stairs.png"
    Image.new("RGB", (64, 48), (200, 30, 30)).save(photo, "PNG")
    walk.choose("select[name=category]", "common_parts")
    walk.choose("select[name=unit]", "1/1")
    walk.fill("textarea[name=description]", "楼道扶手松动")
    walk.upload("input[name=photos]", str(photo))
    walk.tap("form#ticket-form button[type=submit]:not([formaction])")

    ticket = latest(live)
    assert page.url.endswith(f"/tickets/{ticket['id']}")
    assert ticket["channel"] is Channel.web
    assert (ticket["community"], ticket["building"], ticket["unit"]) == ("CA", "1", "1")
    assert page.locator("img[src*='/photos/']").count() == 1
    check_page(page)


def test_a_resident_of_another_community_files_where_the_qr_code_is(live, walk):
    page = walk.page
    walk.open(live.url("/login?next=/"))
    login(walk, "resident_b")  # lives in CB
    walk.open(live.url(QR))
    assert page.locator("select[name=community]").input_value() == "CA"  # never swapped
    assert "供销楼小区" in page.locator("#outside-notice").inner_text()
    assert page.locator("select[name=household]").count() == 0  # no home of theirs here
    check_page(page)
    walk.choose("select[name=category]", "lighting")
    walk.fill("textarea[name=description]", "路灯不亮")
    walk.tap("form#ticket-form button[type=submit]:not([formaction])")
    ticket = latest(live)
    assert (ticket["community"], ticket["building"], ticket["household"]) == ("CA", "1", None)
    check_page(page)
