"""Payments from Excel: reading the sheet, and posting each row on its own."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from pmsys.errors import DomainError, Forbidden, InvalidInput
from pmsys.fees import payment_import
from pmsys.models.fees import Payment, PaymentAllocation
from tests.fee_world import build_fee_world

HEADER = ("receipt_no", "household", "amount", "paid_on", "method", "period")


def xlsx(rows, header=HEADER, before=()) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in before:
        sheet.append(list(row))
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    book.create_sheet("ignored").append(["receipt_no"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def fees(db):
    return build_fee_world()


def payments(db) -> int:
    return db.session.scalar(select(func.count(Payment.id)))


# --- reading ------------------------------------------------------------------------------


def test_chinese_headers_numbers_dates_and_method_names_are_read():
    data = xlsx([
        ("R1", "CA/1/1/101", 62.5, datetime(2025, 6, 1, 9, 30), "微信", datetime(2025, 6, 1)),
        (20250601001, "CA/1/1/102", 100, "2025/6/3", "银行转账", "2025-05"),
        ("R3", "CA/2/1/201", "1,234.50", "2025年6月4日", "Cash", "2025年4月"),
        (None, None, None, None, None, None),  # an empty row is skipped
        ("R4", "CA/3/1/301", 0.1, "2025-06-05 10:00:00", "支付宝", None),
    ], header=("收据号", "户号", "金额", "缴费日期", "缴费方式", "所属期"),
        before=[("银行代收明细",), ("2025-06-01 至 2025-06-30",)])
    rows = payment_import.read_rows(data)
    assert [row.number for row in rows] == [4, 5, 6, 8]
    first, second, third, fourth = (row.values for row in rows)
    assert first == {"receipt_no": "R1", "household": "CA/1/1/101", "amount": "62.5",
                     "paid_on": date(2025, 6, 1), "method": "wechat", "period": "2025-06"}
    assert second["receipt_no"] == "20250601001" and second["amount"] == "100"
    assert second["paid_on"] == date(2025, 6, 3) and second["method"] == "bank"
    assert third["amount"] == "1234.50" and third["paid_on"] == date(2025, 6, 4)
    assert third["method"] == "cash" and third["period"] == "2025-04"
    # 0.1 is read through its text, never through binary arithmetic.
    assert fourth["amount"] == "0.1" and Decimal(fourth["amount"]) == Decimal("0.10")
    assert fourth["paid_on"] == date(2025, 6, 5) and fourth["period"] is None


def test_a_file_that_is_not_xlsx_is_refused():
    for data in (b"", b"receipt_no,household\n", b"PK\x03\x04not a zip", b"\x89PNG\r\n"):
        with pytest.raises(InvalidInput) as refused:
            payment_import.read_rows(data)
        assert refused.value.code == "not_xlsx"


def test_a_zip_that_is_not_a_workbook_is_refused():
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    with pytest.raises(InvalidInput) as refused:
        payment_import.read_rows(out.getvalue())
    assert refused.value.code == "not_xlsx"


def test_without_a_header_row_the_file_is_refused():
    with pytest.raises(InvalidInput) as refused:
        payment_import.read_rows(xlsx([("R1", "CA/1/1/101")], header=("receipt_no", "household")))
    assert refused.value.code == "missing_columns"


def test_limits_on_size_unpacked_size_and_rows(monkeypatch):
    data = xlsx([(f"R{n}", "CA/1/1/101", "1.00", "2025-06-01", "cash", None)
                 for n in range(5)])
    monkeypatch.setattr(payment_import, "MAX_BYTES", len(data) - 1)
    with pytest.raises(DomainError) as too_big:
        payment_import.read_rows(data)
    assert too_big.value.status == 413
    monkeypatch.setattr(payment_import, "MAX_BYTES", 5 * 1024 * 1024)
    monkeypatch.setattr(payment_import, "MAX_UNPACKED_BYTES", 1000)
    with pytest.raises(DomainError) as bomb:
        payment_import.read_rows(data)
    assert bomb.value.status == 413
    monkeypatch.setattr(payment_import, "MAX_UNPACKED_BYTES", 60 * 1024 * 1024)
    monkeypatch.setattr(payment_import, "MAX_ROWS", 4)
    with pytest.raises(InvalidInput) as rows:
        payment_import.read_rows(data)
    assert rows.value.code == "too_many_rows"


# --- posting ------------------------------------------------------------------------------


def test_each_row_posts_on_its_own_and_a_second_import_changes_nothing(fees, db):
    manager = fees.users["manager_a"]
    data = xlsx([
        ("I-1", "CA/1/1/101", "43.75", "2025-06-01", "cash", None),  # pays 05 then 06
        ("I-2", "CA/1/1/102", "bad", "2025-06-01", "cash", None),
        ("I-3", "CA/1/1/102", "24.13", "2025-06-01", "other", "2025-06"),
        ("I-4", "CA/9/9/999", "5.00", "2025-06-01", "cash", None),
        ("I-5", "CA/1/1/102", "5.00", "2099-01-01", "cash", None),
    ])
    report = payment_import.import_payments(db.session, manager, data)
    assert [(r.row, r.status, r.code) for r in report.rows] == [
        (2, "posted", None), (3, "refused", "invalid_input"), (4, "posted", None),
        (5, "refused", "household_not_found"), (6, "refused", "invalid_input")]
    assert payments(db) == 4
    first = db.session.scalar(select(Payment).where(Payment.receipt_no == "I-1"))
    parts = db.session.execute(select(PaymentAllocation.bill_id, PaymentAllocation.amount)
                               .where(PaymentAllocation.payment_id == first.id)
                               .order_by(PaymentAllocation.id)).all()
    assert parts == [(fees.bills[("CA/1/1/101", "2025-05")].id, Decimal("12.50")),
                     (fees.bills[("CA/1/1/101", "2025-06")].id, Decimal("31.25"))]

    again = payment_import.import_payments(db.session, manager, data)
    assert [r.status for r in again.rows] == ["unchanged", "refused", "unchanged", "refused",
                                              "refused"]
    assert payments(db) == 4


def test_a_community_import_refuses_other_communities_rows(fees, db):
    data = xlsx([("J-1", "CB/1/1/101", "5.00", "2025-06-01", "cash", None),
                 ("J-2", "CA/1/1/101", "5.00", "2025-06-01", "cash", None)])
    report = payment_import.import_payments(db.session, fees.users["sysadmin"], data,
                                            fees.communities["CA"])
    assert [(r.status, r.code) for r in report.rows] == [("refused", "other_community"),
                                                        ("posted", None)]
    assert report.count("posted") == 1 and report.count("refused") == 1


def test_rows_of_a_community_the_manager_does_not_keep_are_refused(fees, db):
    data = xlsx([("K-1", "CB/1/1/101", "5.00", "2025-06-01", "cash", None)])
    report = payment_import.import_payments(db.session, fees.users["manager_a"], data)
    assert report.rows[0].code == "household_not_found"
    assert payments(db) == 2


@pytest.mark.parametrize("who", ["committee_a", "resident_a", "operator_in", "officer"])
def test_only_managers_and_sysadmins_import(fees, db, who):
    data = xlsx([("L-1", "CA/1/1/101", "5.00", "2025-06-01", "cash", None)])
    with pytest.raises(Forbidden):
        payment_import.import_payments(db.session, fees.users[who], data)
    assert payments(db) == 2


def test_the_report_as_json():
    report = payment_import.ImportReport(rows=[
        payment_import.RowResult(row=2, receipt_no="A", household="CA/1/1/101", amount="1.00",
                                 status="posted", payment_id=7),
        payment_import.RowResult(row=3, receipt_no=None, household=None, amount=None,
                                 status="refused", code="invalid_input", reason="x"),
    ])
    answer = payment_import.report_json(report)
    assert (answer["posted"], answer["unchanged"], answer["refused"]) == (1, 0, 1)
    assert answer["rows"][0]["payment"] == 7 and answer["rows"][1]["reason"] == "x"
