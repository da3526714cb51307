"""Fees through /api/v1: standards, billing runs, payments, bills, adjustments, Excel import."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from pmsys.audit import AuditRecord
from pmsys.models.fees import Bill, BillAdjustment, FeeStandard, Payment, PaymentAllocation
from tests.api.test_openapi import conforms, response_schema
from tests.fee_world import AMOUNTS, OUTSTANDING, build_fee_world

API = "/api/v1"


@pytest.fixture
def fees(db):
    return build_fee_world()


@pytest.fixture
def as_user(api_token, fees):
    tokens = {}

    def headers(name: str) -> dict:
        if name not in tokens:
            tokens[name] = api_token(fees.users[name])
        return tokens[name]

    return headers


@pytest.fixture
def doc(client):
    return client.get(API + "/openapi.json").get_json()


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def xlsx(rows, header=("receipt_no", "household", "amount", "paid_on", "method", "period"),
         title=None) -> bytes:
    book = Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- billing --------------------------------------------------------------------------------


def test_a_manager_bills_a_month_once(client, as_user, db, doc):
    response = client.post(API + "/billing/run", json={"period": "2025-07", "community": "CA"},
                           headers=as_user("manager_a"))
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"bills_created": 4}
    conforms(doc, response.get_json(), response_schema(doc, "/billing/run", "post", "200"))
    july = db.session.scalars(select(Bill).where(Bill.period == "2025-07")).all()
    assert sorted(b.amount for b in july) == sorted(
        v for k, v in AMOUNTS.items() if k.startswith("CA/"))
    again = client.post(API + "/billing/run", json={"period": "2025-07"},
                        headers=as_user("manager_a"))
    assert again.get_json() == {"bills_created": 0}
    assert count(db, Bill) == 15 + 4


def test_without_a_community_the_manager_bills_what_it_manages_and_sysadmin_all(
        client, as_user, db):
    response = client.post(API + "/billing/run", json={"period": "2025-08"},
                           headers=as_user("manager_b"))
    assert response.get_json() == {"bills_created": 1}
    billed = db.session.scalars(select(Bill.community_id).where(Bill.period == "2025-08")).all()
    assert set(billed) == {db.session.scalar(select(Bill.community_id).where(
        Bill.period == "2025-04", Bill.amount == AMOUNTS["CB/1/1/101"]))}
    response = client.post(API + "/billing/run", json={"period": "2025-08"},
                           headers=as_user("sysadmin"))
    assert response.get_json() == {"bills_created": 4}  # CA's four; CB's is there; CC no standard


@pytest.mark.parametrize(("who", "body", "status", "code"), [
    ("committee_a", {"period": "2025-07", "community": "CA"}, 403, "not_the_manager"),
    ("officer", {"period": "2025-07"}, 403, "not_the_manager"),
    ("manager_b", {"period": "2025-07", "community": "CA"}, 404, "community_not_found"),
    ("resident_a", {"period": "2025-07", "community": "CA"}, 403, "not_the_manager"),
    ("manager_a", {"period": "2025-13", "community": "CA"}, 400, "invalid_input"),
    ("manager_a", {"period": 202507}, 400, "invalid_input"),
    ("manager_a", {}, 400, "invalid_input"),
])
def test_billing_refusals_change_nothing(client, as_user, db, who, body, status, code):
    response = client.post(API + "/billing/run", json=body, headers=as_user(who))
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"]["code"] == code
    assert count(db, Bill) == 15


# --- standards ------------------------------------------------------------------------------


def test_the_manager_sets_a_standard_and_everyone_who_sees_the_community_reads_them(
        client, as_user, db, doc):
    response = client.post(API + "/communities/CA/fee-standards", headers=as_user("manager_a"),
                           json={"price_per_m2_month": "0.55", "start": "2025-07-01",
                                 "fixed_per_household": "1.50"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    conforms(doc, body, response_schema(doc, "/communities/{code}/fee-standards", "post", "201"))
    assert body["price_per_m2_month"] == "0.5500" and body["fixed_per_household"] == "1.50"
    assert body["organization"]["org"] == "PM-A"
    listing = client.get(API + "/communities/CA/fee-standards", headers=as_user("resident_a"))
    assert listing.status_code == 200
    conforms(doc, listing.get_json(),
             response_schema(doc, "/communities/{code}/fee-standards", "get", "200"))
    assert [s["start"] for s in listing.get_json()["items"]] == ["2025-07-01", "2025-01-01"]
    assert listing.get_json()["total"] == 2
    # July is billed at the new price.
    client.post(API + "/billing/run", json={"period": "2025-07", "community": "CA"},
                headers=as_user("manager_a"))
    bill = db.session.scalar(select(Bill).where(Bill.period == "2025-07",
                                                Bill.household_id == fees_id(db, "62.50")))
    assert bill.amount == Decimal("35.88")  # 62.50 × 0.55 + 1.50 = 35.875 → 35.88


def fees_id(db, area: str) -> int:
    from pmsys.models.places import Household
    return db.session.scalars(select(Household.id).where(Household.area == Decimal(area))).first()


@pytest.mark.parametrize(("who", "body", "status", "code"), [
    ("committee_a", {"price_per_m2_month": "0.60", "start": "2025-07-01"}, 403,
     "not_the_manager"),
    ("manager_b", {"price_per_m2_month": "0.60", "start": "2025-07-01"}, 404,
     "community_not_found"),
    ("manager_a", {"price_per_m2_month": "0.60", "start": "2025-05-01"}, 422, "period_billed"),
    ("manager_a", {"price_per_m2_month": 0.6, "start": "2025-07-01"}, 400, "invalid_input"),
    ("manager_a", {"price_per_m2_month": "0.60"}, 400, "invalid_input"),
    ("manager_a", {"price_per_m2_month": "-1", "start": "2025-07-01"}, 400, "invalid_input"),
    ("manager_a", {"price_per_m2_month": "0.60", "fixed_per_household": "1e309",
                   "start": "2025-07-01"}, 400, "invalid_input"),
    ("manager_a", {"price_per_m2_month": "1e309", "start": "2025-07-01"}, 400,
     "invalid_input"),
])
def test_standard_refusals(client, as_user, db, who, body, status, code):
    response = client.post(API + "/communities/CA/fee-standards", json=body,
                           headers=as_user(who))
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"]["code"] == code
    assert count(db, FeeStandard) == 2


def test_operators_of_another_region_do_not_see_the_standards(client, as_user):
    response = client.get(API + "/communities/CA/fee-standards", headers=as_user("operator_out"))
    assert response.status_code == 404


# --- payments -------------------------------------------------------------------------------


def test_a_payment_posts_once_and_pays_the_oldest_open_bills(client, as_user, db, doc, fees):
    body = {"receipt_no": "R-100", "household": "CA/1/1/101", "amount": "40.00",
            "paid_on": "2025-06-01", "method": "wechat"}
    first = client.post(API + "/payments", json=body, headers=as_user("manager_a"))
    assert first.status_code == 201, first.get_json()
    answer = first.get_json()
    conforms(doc, answer, response_schema(doc, "/payments", "post", "201"))
    assert answer["household"] == "CA/1/1/101" and answer["amount"] == "40.00"
    assert answer["allocations"] == [
        {"bill": fees.bills[("CA/1/1/101", "2025-05")].id, "period": "2025-05",
         "amount": "12.50"},
        {"bill": fees.bills[("CA/1/1/101", "2025-06")].id, "period": "2025-06",
         "amount": "27.50"},
    ]
    assert answer["credit"] == "0.00"

    again = client.post(API + "/payments", json=body, headers=as_user("manager_a"))
    assert again.status_code == 200
    assert again.get_json() == answer
    assert count(db, Payment) == 3 and count(db, PaymentAllocation) == 3 + 2

    conflict = client.post(API + "/payments", json={**body, "amount": "41.00"},
                           headers=as_user("manager_a"))
    assert conflict.status_code == 422
    assert conflict.get_json()["error"]["code"] == "receipt_conflict"
    assert count(db, Payment) == 3


def test_a_named_period_is_paid_first_and_the_rest_is_credit(client, as_user, fees):
    response = client.post(API + "/payments", headers=as_user("manager_a"), json={
        "receipt_no": "R-101", "household": "CA/3/1/301", "amount": "100", "paid_on":
        "2025-06-02", "method": "cash", "period": "2025-06"})
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    assert [(a["period"], a["amount"]) for a in answer["allocations"]] == [
        ("2025-06", "30.13"), ("2025-04", "30.13"), ("2025-05", "30.13")]
    assert answer["credit"] == "9.61" and answer["period"] == "2025-06"


@pytest.mark.parametrize(("who", "household", "status", "code"), [
    ("manager_a", "CB/1/1/101", 404, "household_not_found"),  # CB is not manager_a's
    ("manager_a", "CA/9/9/999", 404, "household_not_found"),  # no such household
    ("committee_a", "CA/1/1/101", 403, "not_the_manager"),    # sees it, does not keep fees
    ("officer", "CA/1/1/101", 403, "not_the_manager"),
    ("resident_a", "CA/1/1/101", 403, "not_the_manager"),     # their own home
    ("resident_a", "CA/1/1/102", 404, "household_not_found"),  # a neighbour's
    ("operator_in", "CA/1/1/101", 404, "household_not_found"), # operators read no household
    ("resident_b", "CA/1/1/101", 404, "household_not_found"),
    ("manager_a", "CA/1/1", 400, "invalid_input"),
])
def test_payment_refusals_change_nothing(client, as_user, db, who, household, status, code):
    response = client.post(API + "/payments", headers=as_user(who), json={
        "receipt_no": "R-200", "household": household, "amount": "10.00",
        "paid_on": "2025-06-01", "method": "cash"})
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"]["code"] == code
    assert count(db, Payment) == 2


@pytest.mark.parametrize("change", [
    {"amount": 10.5}, {"amount": "10.005"}, {"amount": "0"}, {"amount": "-5.00"},
    {"amount": None}, {"paid_on": "2025-13-01"}, {"paid_on": "2099-01-01"},
    {"method": "cheque"}, {"period": "2025-6"}, {"receipt_no": ""}, {"receipt_no": 7},
    {"household": ["CA"]},
    # Huge amounts are refused before any rounding (docs/domain.md#fees), never a 500.
    {"amount": "1e309"}, {"amount": "1" * 29}, {"amount": "100000000.00"}, {"amount": "NaN"},
    {"amount": "Infinity"}, {"amount": "1e-309"},
])
def test_bad_payment_input_is_400(client, as_user, db, change):
    body = {"receipt_no": "R-300", "household": "CA/1/1/101", "amount": "10.00",
            "paid_on": "2025-06-01", "method": "cash", **change}
    response = client.post(API + "/payments", json=body, headers=as_user("manager_a"))
    assert response.status_code == 400, response.get_json()
    assert count(db, Payment) == 2


def test_a_posted_payment_is_audited_without_changing_on_repeat(client, as_user, db):
    body = {"receipt_no": "R-400", "household": "CA/1/1/102", "amount": "5.00",
            "paid_on": "2025-06-01", "method": "alipay"}
    for _ in range(3):
        client.post(API + "/payments", json=body, headers=as_user("manager_a"))
    records = db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == "payment_posted", AuditRecord.object_key == "R-400")).all()
    assert len(records) == 1


# --- bills ----------------------------------------------------------------------------------


def _bill_keys(response) -> set[tuple[str, str]]:
    return {(b["household"], b["period"]) for b in response.get_json()["items"]}


def test_a_resident_lists_only_their_own_bills_with_balances(client, as_user, doc):
    response = client.get(API + "/bills", headers=as_user("resident_a"))
    assert response.status_code == 200
    conforms(doc, response.get_json(), response_schema(doc, "/bills", "get", "200"))
    items = response.get_json()["items"]
    assert [(b["household"], b["period"]) for b in items] == [
        ("CA/1/1/101", "2025-06"), ("CA/1/1/101", "2025-05"), ("CA/1/1/101", "2025-04")]
    by_period = {b["period"]: b for b in items}
    assert by_period["2025-05"] | {"adjustments": []} == by_period["2025-05"]
    assert (by_period["2025-05"]["amount"], by_period["2025-05"]["paid"],
            by_period["2025-05"]["outstanding"], by_period["2025-05"]["status"]) == (
        "31.25", "18.75", "12.50", "open")
    assert by_period["2025-04"]["status"] == "paid"
    open_only = client.get(API + "/bills?status=open", headers=as_user("resident_a"))
    assert _bill_keys(open_only) == {("CA/1/1/101", "2025-05"), ("CA/1/1/101", "2025-06")}
    # Someone else's household matches nothing, as an unknown one does.
    other = client.get(API + "/bills?household=CA/1/1/102", headers=as_user("resident_a"))
    assert other.get_json() == {"items": [], "total": 0}


@pytest.mark.parametrize(("who", "communities"), [
    ("manager_a", {"CA"}), ("committee_a", {"CA"}), ("officer", {"CA"}), ("bureau", {"CA"}),
    ("manager_b", {"CB"}), ("sysadmin", {"CA", "CB"}), ("operator_in", set()),
    ("operator_out", set()), ("resident_b", {"CB"}),
])
def test_staff_list_the_bills_of_the_communities_they_see(client, as_user, who, communities):
    response = client.get(API + "/bills?per_page=200", headers=as_user(who))
    assert response.status_code == 200
    expected = {(place, month) for place, month in OUTSTANDING
                if place.split("/")[0] in communities}
    if who == "resident_b":
        expected = {(p, m) for p, m in expected if p == "CB/1/1/101"}
    assert _bill_keys(response) == expected
    assert response.get_json()["total"] == len(expected)


def test_bill_filters_and_the_waiver_show_in_the_balance(client, as_user):
    response = client.get(API + "/bills?community=CA&period=2025-04",
                          headers=as_user("committee_a"))
    items = {b["household"]: b for b in response.get_json()["items"]}
    assert set(items) == {p for p in AMOUNTS if p.startswith("CA/")}
    waived = items["CA/1/1/102"]
    assert waived["amount"] == "24.13" and waived["net_amount"] == "14.13"
    assert waived["adjustments"][0]["kind"] == "waiver"
    assert waived["adjustments"][0]["amount"] == "-10.00"
    assert waived["adjustments"][0]["reason"] == "low-income household"
    for place, bill in items.items():
        assert Decimal(bill["outstanding"]) == OUTSTANDING[(place, "2025-04")]
    paid = client.get(API + "/bills?status=paid", headers=as_user("sysadmin"))
    assert _bill_keys(paid) == {k for k, v in OUTSTANDING.items() if v == 0}
    paged = client.get(API + "/bills?community=CA&per_page=5&page=2",
                       headers=as_user("manager_a")).get_json()
    assert paged["total"] == 12 and len(paged["items"]) == 5


@pytest.mark.parametrize("query", ["period=2025-6", "status=late", "page=0", "per_page=201",
                                   "household=" + "x" * 300, "period=abcdefg"])
def test_bad_bill_filters_are_400(client, as_user, query):
    response = client.get(API + "/bills?" + query, headers=as_user("sysadmin"))
    assert response.status_code == 400, query
    assert response.get_json()["error"]["code"]


def test_a_malformed_household_filter_is_400(client, as_user):
    response = client.get(API + "/bills?household=CA/1", headers=as_user("sysadmin"))
    assert response.status_code == 400


# --- adjustments ----------------------------------------------------------------------------


def test_the_manager_waives_part_of_a_bill(client, as_user, db, doc, fees):
    bill = fees.bills[("CA/2/1/201", "2025-06")]
    response = client.post(API + f"/bills/{bill.id}/adjustments", headers=as_user("manager_a"),
                           json={"kind": "waiver", "amount": "-5.00", "reason": "低保户"})
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    conforms(doc, answer, response_schema(doc, "/bills/{bill_id}/adjustments", "post", "201"))
    assert answer["kind"] == "waiver" and answer["created_by"] == "manager_a"
    assert answer["bill"]["net_amount"] == "30.00" and answer["bill"]["outstanding"] == "30.00"
    assert db.session.get(Bill, bill.id).amount == Decimal("35.00")  # never edited


@pytest.mark.parametrize(("who", "key", "body", "status", "code"), [
    ("committee_a", ("CA/2/1/201", "2025-06"), None, 403, "not_the_manager"),
    ("resident_a", ("CA/1/1/101", "2025-06"), None, 403, "not_the_manager"),
    ("resident_a", ("CA/2/1/201", "2025-06"), None, 404, "bill_not_found"),
    ("manager_b", ("CA/2/1/201", "2025-06"), None, 404, "bill_not_found"),
    ("operator_in", ("CA/2/1/201", "2025-06"), None, 404, "bill_not_found"),
    ("manager_a", ("CA/2/1/201", "2025-06"), {"kind": "waiver", "amount": "5.00"}, 400,
     "invalid_input"),
    ("manager_a", ("CA/2/1/201", "2025-06"), {"reason": ""}, 400, "invalid_input"),
    ("manager_a", ("CA/2/1/201", "2025-06"), {"kind": "gift"}, 400, "invalid_input"),
    ("manager_a", ("CA/2/1/201", "2025-06"), {"amount": "-1e309"}, 400, "invalid_input"),
    ("manager_a", ("CA/2/1/201", "2025-06"), {"amount": "-" + "9" * 29}, 400,
     "invalid_input"),
    ("manager_a", ("CA/1/1/101", "2025-04"), {"kind": "correction", "amount": "-1.00"}, 422,
     "below_paid"),
])
def test_adjustment_refusals_change_nothing(client, as_user, db, fees, who, key, body,
                                            status, code):
    payload = {"kind": "waiver", "amount": "-5.00", "reason": "test", **(body or {})}
    response = client.post(API + f"/bills/{fees.bills[key].id}/adjustments", json=payload,
                           headers=as_user(who))
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"]["code"] == code
    assert count(db, BillAdjustment) == 1


def test_an_unknown_bill_is_404(client, as_user):
    response = client.post(API + "/bills/999999/adjustments", headers=as_user("sysadmin"),
                           json={"kind": "waiver", "amount": "-1.00", "reason": "x"})
    assert response.status_code == 404


# --- Excel import ---------------------------------------------------------------------------


def test_an_excel_import_posts_row_by_row_and_reports_each(client, as_user, db, doc):
    data = xlsx([
        ("X-1", "CA/1/1/102", "24.13", "2025-06-01", "wechat", "2025-06"),
        ("X-2", "CA/2/1/201", 35, "2025-06-01", "bank", None),
        ("R-0001", "CA/1/1/101", "50.00", "2025-05-10", "cash", None),  # already posted
        ("X-3", "CB/1/1/101", "10.00", "2025-06-01", "cash", None),     # not manager_a's
        ("X-4", "CA/3/1/301", "abc", "2025-06-01", "cash", None),
        ("X-1", "CA/1/1/102", "99.00", "2025-06-01", "cash", None),     # receipt conflict
        ("X-5", "CA/3/1/301", "1e309", "2025-06-01", "cash", None),     # one row, not the file
    ], title="银行代收明细")
    response = client.post(API + "/payments/import", headers=as_user("manager_a"),
                           data={"file": (io.BytesIO(data), "payments.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    conforms(doc, report, response_schema(doc, "/payments/import", "post", "200"))
    assert (report["posted"], report["unchanged"], report["refused"]) == (2, 1, 4)
    assert [(r["row"], r["status"], r["code"]) for r in report["rows"]] == [
        (3, "posted", None), (4, "posted", None), (5, "unchanged", None),
        (6, "refused", "household_not_found"), (7, "refused", "invalid_input"),
        (8, "refused", "receipt_conflict"), (9, "refused", "invalid_input")]
    assert report["rows"][1]["amount"] == "35.00"
    assert count(db, Payment) == 4
    posted = db.session.scalar(select(Payment).where(Payment.receipt_no == "X-2"))
    assert posted.amount == Decimal("35.00") and posted.method.value == "bank"


def test_import_refusals(client, as_user, db):
    def send(who, data, name="p.xlsx"):
        return client.post(API + "/payments/import", headers=as_user(who),
                           data={"file": (io.BytesIO(data), name)},
                           content_type="multipart/form-data")

    good = xlsx([("Y-1", "CA/1/1/102", "1.00", "2025-06-01", "cash", None)])
    assert send("manager_a", b"receipt_no,household\nY,CA/1/1/102\n", "p.csv").get_json()[
        "error"]["code"] == "not_xlsx"
    assert send("manager_a", b"PK\x03\x04broken").status_code == 400
    missing = send("manager_a", xlsx([("Y-1", "CA/1/1/102")], header=("receipt_no", "household")))
    assert missing.status_code == 400
    assert missing.get_json()["error"]["code"] == "missing_columns"
    assert send("committee_a", good).status_code == 403
    assert send("resident_a", good).status_code == 403
    no_file = client.post(API + "/payments/import", headers=as_user("manager_a"), data={},
                          content_type="multipart/form-data")
    assert no_file.status_code == 400
    assert count(db, Payment) == 2


@pytest.mark.parametrize("query, code", [
    ("period=", "invalid_filter"), ("household=", "invalid_filter"),
    ("community=", "invalid_filter"), ("status=", "invalid_filter"),
    ("page=", "invalid_paging"), ("per_page=", "invalid_paging"),
    ("period=2025-6", "invalid_filter"), ("household=CA/1", "invalid_filter"),
])
def test_an_empty_or_malformed_bill_filter_is_400_naming_it(client, as_user, query, code):
    response = client.get(API + "/bills?" + query, headers=as_user("sysadmin"))
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == code and set(error["fields"]) == {query.split("=")[0]}


@pytest.mark.parametrize("query", ["page=", "per_page="])
def test_empty_paging_of_standards_is_400(client, as_user, query):
    response = client.get(API + "/communities/CA/fee-standards?" + query,
                          headers=as_user("manager_a"))
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_paging"


def test_an_import_without_a_file_names_it(client, as_user):
    response = client.post(API + "/payments/import", headers=as_user("manager_a"), data={},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {"file": "required"}
