"""The collection summary is never stale: after every service that changes bills or what
paid them, its rows are those the bills give (pmsys/fees/summary.py), and the reports
over it give what the bills give, as of any day (docs/domain.md#collection).

The expected figures are computed here in Python from the bills, adjustments and
payments themselves, one by one.
"""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from pmsys import money
from pmsys.fees import billing, payment_import, reports, services, summary
from pmsys.models.fees import (
    AdjustmentKind,
    Bill,
    CollectionDay,
    CollectionSummary,
    Payment,
    PaymentAllocation,
)
from pmsys.models.places import Community
from tests.fee_world import build_fee_world

HALF_FEN = Decimal("0.005")


@pytest.fixture
def fees(db):
    return build_fee_world()


def _bills(session):
    """Per bill: (bill, net, waived, [(paid_on, amount)] sorted by day)."""
    result = []
    for bill in session.scalars(select(Bill).order_by(Bill.id)):
        net = bill.amount + sum((a.amount for a in bill.adjustments), Decimal("0.00"))
        waived = -sum((a.amount for a in bill.adjustments if a.kind is AdjustmentKind.waiver),
                      Decimal("0.00"))
        paid = sorted(session.execute(
            select(Payment.paid_on, PaymentAllocation.amount)
            .join(Payment, Payment.id == PaymentAllocation.payment_id)
            .where(PaymentAllocation.bill_id == bill.id)).all())
        result.append((bill, net, waived, paid))
    return result


def expected_rows(session) -> dict:
    """The summary's rows, computed bill by bill."""
    rows: dict[tuple, list] = defaultdict(lambda: [0, Decimal("0.00"), Decimal("0.00"),
                                                   Decimal("0.00"), 0])
    for bill, net, waived, paid in _bills(session):
        mode = bill.mode.value if bill.mode is not None else ""
        row = rows[bill.period, bill.community_id, mode, ""]
        in_all = sum((amount for _day, amount in paid), Decimal("0.00"))
        row[0] += 1
        row[1] += net
        row[2] += waived
        row[3] += in_all
        row[4] += 1 if in_all > net - HALF_FEN else 0
        cumulative = Decimal("0.00")
        by_day: dict[date, Decimal] = defaultdict(Decimal)
        for day, amount in paid:
            by_day[day] += amount
        for day in sorted(by_day):
            before, cumulative = cumulative, cumulative + by_day[day]
            month_row = rows[bill.period, bill.community_id, mode, billing.period_of(day)]
            month_row[3] += by_day[day]
            if before <= net - HALF_FEN < cumulative:
                month_row[4] += 1
    return {key: tuple(value) for key, value in rows.items()}


def expected_day_rows(session) -> dict:
    """The day rows, computed bill by bill: per (period, community, mode, day paid), what was
    paid that day and how many bills that day paid in full."""
    rows: dict[tuple, list] = defaultdict(lambda: [Decimal("0.00"), 0])
    for bill, net, _waived, paid in _bills(session):
        mode = bill.mode.value if bill.mode is not None else ""
        by_day: dict[date, Decimal] = defaultdict(Decimal)
        for day, amount in paid:
            by_day[day] += amount
        cumulative = Decimal("0.00")
        for day in sorted(by_day):
            before, cumulative = cumulative, cumulative + by_day[day]
            row = rows[bill.period, bill.community_id, mode, day]
            row[0] += by_day[day]
            row[1] += 1 if before <= net - HALF_FEN < cumulative else 0
    return {key: tuple(value) for key, value in rows.items()}


def stored_day_rows(session) -> dict:
    return {
        (row.period, row.community_id, row.mode, row.paid_on):
            (money.fen(Decimal(row.paid)), row.paid_full)
        for row in session.scalars(select(CollectionDay))
    }


def stored_rows(session) -> dict:
    session.expire_all()
    return {
        (row.period, row.community_id, row.mode, row.paid_month):
            (row.bills, money.fen(Decimal(row.billed)), money.fen(Decimal(row.waived)),
             money.fen(Decimal(row.paid)), row.paid_full)
        for row in session.scalars(select(CollectionSummary))
    }


def assert_in_step(session) -> None:
    session.flush()
    assert stored_rows(session) == expected_rows(session)
    assert stored_day_rows(session) == expected_day_rows(session)


def xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["receipt_no", "household", "amount", "paid_on", "method", "period"])
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_summary_follows_billing_payments_waivers_corrections_credit_and_imports(db, fees):
    session = db.session
    manager_a, manager_b = fees.users["manager_a"], fees.users["manager_b"]
    # The fee world: three billing runs, two payments, a waiver.
    assert_in_step(session)
    assert stored_rows(session)  # not trivially empty

    # A payment over several periods, dated within a month already closed.
    services.post_payment(session, manager_a, receipt_no="S-1", household="CA/2/1/201",
                          amount="50.00", paid_on=date(2025, 5, 31), method="cash")
    assert_in_step(session)
    # A correction up (a paid bill owes again), a correction down to what was paid (the
    # bill is paid in full by the correction), a waiver of a whole unpaid bill (asks nothing).
    services.adjust_bill(session, manager_b, fees.bills[("CB/1/1/101", "2025-05")],
                         amount="3.10", reason="area was wrong", kind="correction")
    assert_in_step(session)
    services.adjust_bill(session, manager_a, fees.bills[("CA/1/1/101", "2025-05")],
                         amount="-12.50", reason="area was wrong", kind="correction")
    assert_in_step(session)
    services.adjust_bill(session, manager_a, fees.bills[("CA/3/1/301", "2025-06")],
                         amount="-30.13", reason="low-income household", kind="waiver")
    assert_in_step(session)
    # Payments on the same day in parts: the bill is paid in full on that day once.
    for n, amount in enumerate(("10.00", "14.13")):
        services.post_payment(session, manager_a, receipt_no=f"S-2-{n}",
                              household="CA/1/1/102", amount=amount, paid_on=date(2025, 6, 1),
                              method="wechat", period_text="2025-06")
    assert_in_step(session)
    # A payment ahead: its credit pays the bills of the next billing run.
    services.post_payment(session, manager_b, receipt_no="S-3", household="CB/1/1/101",
                          amount="200.00", paid_on=date(2025, 6, 2), method="bank")
    assert_in_step(session)
    assert services.run_billing(session, "scheduler", "2025-07") > 0
    assert_in_step(session)
    assert services.run_billing(session, manager_a, "2025-08", [fees.communities["CA"]]) > 0
    assert_in_step(session)
    # An import: two rows posted, one refused (unknown household), one posted twice.
    report = payment_import.import_payments(session, manager_a, xlsx([
        ("S-4", "CA/1/1/101", "31.25", "2025-06-02", "cash", "2025-07"),
        ("S-5", "CA/2/1/201", "40.00", "2025-06-02", "alipay", None),
        ("S-6", "CA/9/9/999", "1.00", "2025-06-02", "cash", None),
        ("S-4", "CA/1/1/101", "31.25", "2025-06-02", "cash", "2025-07"),
    ]))
    assert [row.status for row in report.rows] == ["posted", "posted", "refused", "unchanged"]
    assert_in_step(session)
    session.commit()
    assert_in_step(session)


def test_a_rebuild_writes_the_rows_the_services_kept(db, fees):
    session = db.session
    services.post_payment(session, fees.users["manager_a"], receipt_no="S-7",
                          household="CA/2/1/201", amount="80.00", paid_on=date(2025, 6, 1),
                          method="cash")
    kept, kept_days = stored_rows(session), stored_day_rows(session)
    assert summary.rebuild(session) == len(kept)
    assert summary.rebuild_days(session) == len(kept_days)
    assert stored_rows(session) == kept == expected_rows(session)
    assert stored_day_rows(session) == kept_days == expected_day_rows(session)
    assert kept_days  # not trivially empty


# --- the reports over the summary, as of any day -----------------------------------------------


def raw_collection(session, period: str, as_of: date) -> dict:
    """Per community code: (billed, paid by as_of, bills, bills paid in full by as_of)."""
    codes = dict(session.execute(select(Community.id, Community.code)).all())
    found: dict[str, list] = {}
    for bill, net, _waived, paid in _bills(session):
        if bill.period != period:
            continue
        row = found.setdefault(codes[bill.community_id], [Decimal("0.00"), Decimal("0.00"), 0, 0])
        by_then = sum((amount for day, amount in paid if day <= as_of), Decimal("0.00"))
        row[0] += net
        row[1] += by_then
        row[2] += 1
        row[3] += 1 if by_then > net - HALF_FEN else 0
    return {code: tuple(row) for code, row in found.items()}


def raw_arrears(session, as_of: date) -> dict:
    """Per (community code, bucket): what is owed on as_of on the bills up to its month."""
    codes = dict(session.execute(select(Community.id, Community.code)).all())
    found: dict[tuple, Decimal] = defaultdict(Decimal)
    for bill, net, _waived, paid in _bills(session):
        if bill.period > billing.period_of(as_of):
            continue
        owed = net - sum((amount for day, amount in paid if day <= as_of), Decimal("0.00"))
        if owed > HALF_FEN:
            found[codes[bill.community_id], billing.age_bucket(bill.period, as_of)] += owed
    return dict(found)


def raw_recovery(session, period: str, as_of: date) -> dict:
    """Per community code: (owed on the period's first day, paid on it within the period)."""
    codes = dict(session.execute(select(Community.id, Community.code)).all())
    first = billing.period_start(period)
    last = min(reports.period_end(period), as_of)
    found: dict[str, list] = {}
    for bill, net, _waived, paid in _bills(session):
        if bill.period >= period:
            continue
        owed = net - sum((amount for day, amount in paid if day < first and day <= as_of),
                         Decimal("0.00"))
        if owed > HALF_FEN:
            row = found.setdefault(codes[bill.community_id], [Decimal("0.00"), Decimal("0.00")])
            row[0] += owed
            row[1] += sum((amount for day, amount in paid if first <= day <= last),
                          Decimal("0.00"))
    return {code: tuple(row) for code, row in found.items()}


def test_the_reports_read_from_the_summary_what_the_bills_say_on_any_day(db, fees):
    session = db.session
    manager_a, manager_b = fees.users["manager_a"], fees.users["manager_b"]
    # Payments on several days of May and June, in parts, so a day within a month
    # sees some of its month's payments and not others.
    for receipt, place, amount, day, period in (
        ("T-1", "CA/2/1/201", "20.00", date(2025, 5, 3), "2025-04"),
        ("T-2", "CA/2/1/201", "15.00", date(2025, 5, 28), "2025-04"),
        ("T-3", "CA/3/1/301", "30.13", date(2025, 5, 12), "2025-05"),
        ("T-4", "CA/1/1/102", "14.13", date(2025, 6, 1), None),
        ("T-5", "CB/1/1/101", "26.75", date(2025, 6, 2), "2025-04"),
        ("T-6", "CA/3/1/301", "10.00", date(2025, 6, 2), "2025-04"),
    ):
        services.post_payment(session, manager_a if place.startswith("CA") else manager_b,
                              receipt_no=receipt, household=place, amount=amount, paid_on=day,
                              method="cash", period_text=period)
    session.commit()
    reader = fees.users["sysadmin"]
    # May 10 and 11 lie on either side of the split (summary._counted_from_the_start).
    days = [date(2025, 4, 30), date(2025, 5, 3), date(2025, 5, 10), date(2025, 5, 11),
            date(2025, 5, 15), date(2025, 5, 28), date(2025, 5, 31), date(2025, 6, 1),
            date(2025, 6, 2), date(2025, 12, 31)]
    for as_of in days:
        for period in ("2025-04", "2025-05", "2025-06"):
            items, _total = reports.collection(session, reader, period=period, as_of=as_of)
            assert {item.key: (item.billed, item.paid, item.households_billed,
                               item.households_paid) for item in items} == {
                code: (money.fen(billed), money.fen(paid), bills, full)
                for code, (billed, paid, bills, full) in
                raw_collection(session, period, as_of).items()}, (period, as_of)
            recovered, _total = reports.recovery(session, reader, period=period, as_of=as_of)
            assert {item.key: (item.arrears, item.recovered) for item in recovered} == {
                code: (money.fen(owed), money.fen(paid))
                for code, (owed, paid) in raw_recovery(session, period, as_of).items()
            }, (period, as_of)
        owed, _total = reports.arrears(session, reader, as_of=as_of)
        assert {(item.key, bucket): amount for item in owed
                for bucket, amount in item.buckets.items() if amount} == {
            key: money.fen(amount) for key, amount in raw_arrears(session, as_of).items()
        }, as_of
    # The trend is the collection of each month: as of a day late in its month (what was
    # paid after it taken off) and early in it (the whole month taken off, its first days
    # added back).
    for as_of in (date(2025, 5, 15), date(2025, 5, 11), date(2025, 5, 10), date(2025, 5, 3)):
        trend = reports.trend(session, reader, period="2025-06", as_of=as_of)
        expected = {period: raw_collection(session, period, as_of)
                    for period in ("2025-04", "2025-05")}
        assert {month.key: (month.paid, month.households_paid) for month in trend
                if month.key in expected} == {
            period: (money.fen(sum(row[1] for row in rows.values())),
                     sum(row[3] for row in rows.values()))
            for period, rows in expected.items()}, as_of
