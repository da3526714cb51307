"""Fee pages: a community's fees for its manager (and read-only readers), a resident's bills."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from pmsys.models.fees import Bill, BillAdjustment, FeeStandard, Payment
from tests.conftest import csrf_token
from tests.fee_world import build_fee_world
from tests.web.test_security import EVENT_HANDLER, INLINE_SCRIPT, INLINE_STYLE
from tests.web.ticket_browser import Browser, flashes, section, squash, text

PHONE = {"HTTP_USER_AGENT": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile"}
FEES = "/communities/CA/fees"


@pytest.fixture
def fees(db):
    fees = build_fee_world()
    for user in fees.users.values():
        user.locale = "en"  # the assertions read the English source strings
    db.session.commit()
    return fees


@pytest.fixture
def web(client, login_as, fees):
    client.environ_base.update(PHONE)
    return Browser(client, login_as, fees.world)


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def upload(web, who: str, url: str, data: bytes, name: str = "payments.xlsx"):
    web.login_as(web.world.users[who])
    token = csrf_token(web.client, "/account")
    return web.client.post(url, data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                           content_type="multipart/form-data")


def xlsx(rows) -> bytes:
    book = Workbook()
    book.active.append(["收据号", "房屋", "金额", "缴费日期", "缴费方式", "所属期"])
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- reading -------------------------------------------------------------------------------


def test_the_manager_sees_standards_payments_and_the_bills_of_the_latest_month(web):
    response = web.get("manager_a", FEES)
    assert response.status_code == 200
    page = text(response)
    for pattern in (INLINE_SCRIPT, EVENT_HANDLER, INLINE_STYLE):
        assert not pattern.search(page)
    standards = section(response, "standards")
    assert "Today: 0.5000 yuan per m² per month, plus ¥0.00 per household, since 2025-01-01" \
        in standards
    for form in ("standard-form", 'name="receipt_no"', 'name="period"', 'name="file"',
                 'enctype="multipart/form-data"'):
        assert form in page
    assert "R-0001" in section(response, "payments") and "CA/1/1/101" in page
    bills = section(response, "bills")
    assert "2025-06" in bills and "4 bills" in bills and "billed ¥120.51" in bills
    assert "CB/1/1/101" not in page  # another community's household
    older = squash(web.get("manager_a", FEES + "?period=2025-04"))
    # The waived bill: 24.13 issued, 14.13 after the waiver, unpaid.
    assert ("¥24.13 ¥14.13 Waiver (lowers the bill) -¥10.00: low-income household "
            "¥0.00 ¥14.13 owed") in older


@pytest.mark.parametrize("who", ["committee_a", "officer", "bureau", "sysadmin"])
def test_readers_see_the_figures_read_only(web, who):
    response = web.get(who, FEES)
    assert response.status_code == 200
    page = text(response)
    assert "R-0001" in page and "CA/1/1/102" in page
    if who == "sysadmin":
        assert 'name="receipt_no"' in page
    else:
        assert 'name="receipt_no"' not in page and 'name="file"' not in page
        assert "Adjust" not in squash(response) and 'id="read-only"' in page


@pytest.mark.parametrize("who", ["resident_a", "operator_in", "manager_b", "operator_out"])
def test_residents_operators_and_other_managers_get_404(web, who):
    assert web.get(who, FEES).status_code == 404


def test_the_community_page_links_the_fees_for_readers_only(web):
    assert 'href="/communities/CA/fees"' in text(web.get("committee_a", "/communities/CA"))
    assert 'href="/communities/CA/fees"' not in text(web.get("resident_a", "/communities/CA"))


# --- keeping -------------------------------------------------------------------------------


def test_the_manager_sets_a_standard_and_bills_a_month_once(web, db):
    response = web.post("manager_a", FEES + "/standards", price_per_m2_month="0.60",
                        fixed_per_household="", start="2025-07-01")
    assert response.status_code == 302, flashes(web.get("manager_a", FEES))
    assert count(db, FeeStandard) == 3
    response = web.post("manager_a", FEES + "/billing", period="2025-07")
    assert response.status_code == 302
    assert response.headers["Location"] == FEES + "?period=2025-07"
    page = web.client.get(response.headers["Location"])
    assert "4 bills created for 2025-07." in flashes(page)
    assert "¥37.50" in section(page, "bills")  # 62.50 m² × 0.60
    again = web.post("manager_a", FEES + "/billing", period="2025-07")
    assert any("No new bill" in f for f in flashes(web.client.get(again.headers["Location"])))
    assert count(db, Bill) == 15 + 4


def test_a_standard_inside_billed_months_is_refused_with_the_reason(web, db):
    response = web.post("manager_a", FEES + "/standards", price_per_m2_month="0.60",
                        start="2025-05-01")
    assert response.status_code == 422
    assert any("Months up to 2025-06 are billed" in f for f in flashes(response))
    assert count(db, FeeStandard) == 2
    bad = web.post("manager_a", FEES + "/standards", price_per_m2_month="", start="")
    assert bad.status_code == 400


def test_the_manager_records_a_payment_once(web, db):
    form = {"receipt_no": "W-1", "household": "1/1/102", "amount": "24.13",
            "paid_on": "2025-06-01", "method": "wechat", "period": "2025-06"}
    response = web.post("manager_a", FEES + "/payments", **form)
    assert response.status_code == 302
    assert "Payment W-1 of ¥24.13 posted for CA/1/1/102." in flashes(
        web.client.get(response.headers["Location"]))
    again = web.post("manager_a", FEES + "/payments", **form)
    assert "Receipt W-1 was already posted; nothing changed." in flashes(
        web.client.get(again.headers["Location"]))
    conflict = web.post("manager_a", FEES + "/payments", **{**form, "amount": "20.00"})
    assert conflict.status_code == 422
    assert any("already posted for another household or amount" in f
               for f in flashes(conflict))
    assert count(db, Payment) == 3


@pytest.mark.parametrize(("who", "household", "status"), [
    ("manager_a", "CB/1/1/101", 400),   # not a household of this community
    ("manager_a", "9/9/999", 400),      # no such household
    ("committee_a", "1/1/102", 403),
    ("resident_a", "1/1/101", 404),
    ("manager_b", "1/1/101", 404),
])
def test_payment_refusals_change_nothing(web, db, who, household, status):
    response = web.post(who, FEES + "/payments", receipt_no="W-2", household=household,
                        amount="5.00", paid_on="2025-06-01", method="cash", period="")
    assert response.status_code == status
    assert count(db, Payment) == 2


@pytest.mark.parametrize("amount", ["1e309", "9" * 19, "NaN"])
def test_a_huge_amount_is_a_form_message_not_a_server_error(web, db, amount):
    response = web.post("manager_a", FEES + "/payments", receipt_no="W-4",
                        household="1/1/102", amount=amount, paid_on="2025-06-01",
                        method="cash", period="")
    assert response.status_code in (400, 422), response.status_code
    assert count(db, Payment) == 2


def test_a_form_without_csrf_is_refused(web, db):
    response = web.post("manager_a", FEES + "/payments", csrf=False, receipt_no="W-3",
                        household="1/1/102", amount="5.00", paid_on="2025-06-01",
                        method="cash")
    assert response.status_code == 400
    assert count(db, Payment) == 2


def test_an_excel_import_shows_the_row_by_row_report(web, db):
    data = xlsx([
        ("E-1", "CA/1/1/102", "24.13", "2025-06-01", "现金", "2025-06"),
        ("R-0001", "CA/1/1/101", "50.00", "2025-05-10", "cash", None),
        ("E-2", "CB/1/1/101", "5.00", "2025-06-01", "cash", None),
        ("R-0001", "CA/1/1/101", "51.00", "2025-05-10", "cash", None),
    ])
    response = upload(web, "manager_a", FEES + "/payments/import", data)
    assert response.status_code == 200
    totals = section(response, "import-totals")
    assert "1 posted" in totals and "1 already posted" in totals and "2 refused" in totals
    rows = squash(response)
    assert "2 E-1 CA/1/1/102 24.13 posted" in rows
    assert "3 R-0001 CA/1/1/101 50.00 already posted" in rows
    assert "4 E-2 CB/1/1/101 5.00 refused The household is not in this community." in rows
    assert "5 R-0001 CA/1/1/101 51.00 refused This receipt number was already posted" in rows
    assert count(db, Payment) == 3


def test_an_import_that_is_not_xlsx_or_not_the_users_to_make_is_refused(web, db):
    bad = upload(web, "manager_a", FEES + "/payments/import", b"a,b\n1,2\n", "p.csv")
    assert bad.status_code == 400
    assert "The file is not an Excel workbook (.xlsx)." in flashes(bad)
    good = xlsx([("E-3", "CA/1/1/102", "1.00", "2025-06-01", "cash", None)])
    assert upload(web, "committee_a", FEES + "/payments/import", good).status_code == 403
    assert upload(web, "resident_a", FEES + "/payments/import", good).status_code == 404
    assert count(db, Payment) == 2


def test_the_manager_adjusts_a_bill_and_readers_may_not(web, db, fees):
    bill = fees.bills[("CA/2/1/201", "2025-06")]
    url = f"/bills/{bill.id}/adjustments"
    response = web.post("manager_a", url, kind="waiver", amount="-5.00", reason="低保户")
    assert response.status_code == 302
    assert response.headers["Location"] == f"{FEES}?period=2025-06#bill-{bill.id}"
    assert count(db, BillAdjustment) == 2
    assert web.post("committee_a", url, kind="waiver", amount="-1.00",
                    reason="x").status_code == 403
    assert web.post("resident_a", url, kind="waiver", amount="-1.00",
                    reason="x").status_code == 404
    own = fees.bills[("CA/1/1/101", "2025-06")]
    assert web.post("resident_a", f"/bills/{own.id}/adjustments", kind="waiver",
                    amount="-1.00", reason="x").status_code == 404
    paid = fees.bills[("CA/1/1/101", "2025-04")]
    below = web.post("manager_a", f"/bills/{paid.id}/adjustments", kind="correction",
                     amount="-1.00", reason="area measured again")
    assert below.status_code == 422
    assert "The bill would ask less than has already been paid on it." in flashes(below)
    assert f'id="bill-{paid.id}"' in text(below)
    waiver_up = web.post("manager_a", url, kind="waiver", amount="5.00", reason="x")
    assert waiver_up.status_code == 400
    assert count(db, BillAdjustment) == 2


# --- a resident's bills ----------------------------------------------------------------------


def test_a_resident_sees_what_is_paid_and_owed_on_the_phone(web):
    response = web.get("resident_a", "/bills")
    assert response.status_code == 200
    page = text(response)
    for pattern in (INLINE_SCRIPT, EVENT_HANDLER, INLINE_STYLE):
        assert not pattern.search(page)
    assert "¥43.75 owed in all" in squash(response)
    household = section(response, "household-1")
    assert "CA/1/1/101" in household and "Owed: ¥43.75" in household
    assert "2025-06 owed ¥31.25 ¥0.00 ¥31.25" in household
    assert "2025-05 owed ¥31.25 ¥18.75 ¥12.50" in household
    assert "2025-04 paid ¥31.25 ¥31.25 —" in household
    assert "CA/1/1/102" not in page


def test_a_tenant_sees_the_home_they_live_in_and_a_waiver_shows(web, fees, db):
    tenant = web.get("tenant_a", "/bills")
    assert "CA/2/1/201" in text(tenant) and "¥105.00 owed in all" in squash(tenant)
    neighbour = web.get("resident_ac", "/bills")
    page = squash(neighbour)
    assert "CA/1/1/102" in page and "CC/1/1/101" not in page  # CC is never billed
    assert "2025-04 owed ¥14.13 billed ¥24.13, adjusted ¥0.00 ¥14.13" in page


@pytest.mark.parametrize("who", ["manager_a", "committee_a", "officer", "operator_in",
                                 "sysadmin"])
def test_staff_get_404_for_my_bills(web, who):
    assert web.get(who, "/bills").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, fees):
    for url in (FEES, "/bills"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_amounts_match_the_rounding_rule(fees):
    assert fees.bills[("CA/3/1/301", "2025-06")].amount == Decimal("30.13")
