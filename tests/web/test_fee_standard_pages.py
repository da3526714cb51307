"""The fee standard shown where residents look (收费标准公示): on their bills and on the
community's notice page; and the payment-import template (issue 13, item 10 d and e)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from pmsys.fees import payment_import
from tests.fee_world import build_fee_world
from tests.web.test_fee_pages import upload
from tests.web.ticket_browser import Browser, section, squash

TEMPLATE = "/communities/CA/fees/payments/template.xlsx"


@pytest.fixture
def fees(db):
    fees = build_fee_world()
    for user in fees.users.values():
        user.locale = "en"  # the assertions read the English source strings
    db.session.commit()
    return fees


@pytest.fixture
def web(client, login_as, fees):
    return Browser(client, login_as, fees.world)


def test_a_residents_bills_say_how_the_monthly_fee_comes_about(web):
    household = section(web.get("resident_a", "/bills"), "household-1")
    assert "Monthly fee: 62.50 m² × ¥0.5000 per m² = ¥31.25" in household
    assert household.count("Monthly fee:") == 1  # the same every month: said once
    # A fixed part per household is added where the standard has one (CB: 0.45 + 2.00).
    assert ("Monthly fee: 55.00 m² × ¥0.4500 per m² + ¥2.00 = ¥26.75"
            in squash(web.get("resident_b", "/bills")))


def test_the_notice_page_publishes_the_fee_standard(web):
    notice = section(web.get("resident_a", "/communities/CA/notices"), "fee-standard")
    assert "Per m² per month ¥0.5000" in notice and "Fixed part ¥0.00" in notice
    assert "In force since 2025-01-01" in notice
    assert "Monthly fee = area × ¥0.5000 per m² + ¥0.00, rounded to the fen." in notice
    assert "a home of 60.00 m² pays ¥30.00 a month" in notice
    other = section(web.get("resident_b", "/communities/CB/notices"), "fee-standard")
    assert "¥0.4500" in other and "60.00 m² pays ¥29.00 a month" in other  # 27.00 + 2.00
    # CC has no standard: the page says so rather than showing nothing.
    cc = section(web.get("sysadmin", "/communities/CC/notices"), "fee-standard")
    assert "No fee standard is in force today." in cc


# --- the payment-import template ---------------------------------------------------------------


def test_the_import_section_offers_the_template(web):
    page = web.get("manager_a", "/communities/CA/fees").get_data(as_text=True)
    import_section = page.split('id="import"', 1)[1].split("</section>", 1)[0]
    assert f'href="{TEMPLATE}" download' in import_section


def test_the_template_names_the_columns_the_import_reads_and_imports_once_filled(web, db):
    response = web.get("manager_a", TEMPLATE)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="payment-import-template-CA.xlsx"')
    book = load_workbook(io.BytesIO(response.data))
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    assert header == ["收据号", "房屋", "金额", "缴费日期", "缴费方式", "所属期"]
    assert sheet.max_row == 1  # nothing to post by mistake
    # The second sheet explains each column with an example of this community.
    notes = [list(row) for row in book.worksheets[1].iter_rows(values_only=True)]
    assert [row[0] for row in notes[1:7]] == header
    assert notes[2][3] == "CA/1/1/101" and notes[5][3] == "微信"
    # The import reads the empty template without complaint, and the filled one posts.
    assert payment_import.read_rows(response.data) == []
    sheet.append(["R-TPL-1", "CA/1/1/101", "12.50", date(2025, 6, 1), "微信", "2025-06"])
    filled = io.BytesIO()
    book.save(filled)
    posted = upload(web, "manager_a", "/communities/CA/fees/payments/import", filled.getvalue())
    assert posted.status_code == 200
    rows = payment_import.read_rows(filled.getvalue())
    assert [(r.values["receipt_no"], r.values["amount"], r.values["method"]) for r in rows] == [
        ("R-TPL-1", "12.50", "wechat")]
    assert "posted" in squash(posted).lower()
    assert Decimal(rows[0].values["amount"]) == Decimal("12.50")


@pytest.mark.parametrize(("who", "status"), [
    ("manager_a", 200), ("sysadmin", 200), ("committee_a", 403), ("officer", 403),
    ("resident_a", 404), ("manager_b", 404)])
def test_the_template_is_for_who_imports_payments(web, who, status):
    assert web.get(who, TEMPLATE).status_code == status
