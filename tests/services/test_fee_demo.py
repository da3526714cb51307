"""The demo fees: they load through the services, once, with collection that differs by mode."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from pmsys import clock, money
from pmsys.demo.fees import RECEIPT_PREFIX, WAIVER_REASON, build_fee_examples
from pmsys.fees import billing
from pmsys.fees.queries import latest_collected_period
from pmsys.models.auth import User
from pmsys.models.fees import (
    Bill,
    BillAdjustment,
    BillingRun,
    FeeStandard,
    Payment,
    PaymentAllocation,
    RevenueDirection,
    RevenueEntry,
)
from pmsys.models.governance import ManagementMode

TABLES = (FeeStandard, Bill, BillAdjustment, BillingRun, Payment, PaymentAllocation,
          RevenueEntry)


def counts(session) -> dict[str, int]:
    return {table.__name__: session.scalar(select(func.count()).select_from(table))
            for table in TABLES}


def collection_by_mode(session) -> dict[ManagementMode, Decimal]:
    """Paid toward the bills / what they ask, by the bills' mode, over every month billed."""
    paid = (select(PaymentAllocation.bill_id, func.sum(PaymentAllocation.amount).label("paid"))
            .group_by(PaymentAllocation.bill_id).subquery())
    rows = session.execute(
        select(Bill.mode, func.sum(Bill.amount), func.sum(func.coalesce(paid.c.paid, 0)))
        .outerjoin(paid, paid.c.bill_id == Bill.id).group_by(Bill.mode))
    return {mode: money.ratio(settled, asked) for mode, asked, settled in rows}


def collection_of(session, period: str) -> Decimal:
    """Paid toward the period's bills / what they ask, over the whole demo."""
    paid = (select(PaymentAllocation.bill_id, func.sum(PaymentAllocation.amount).label("paid"))
            .group_by(PaymentAllocation.bill_id).subquery())
    asked, settled = session.execute(
        select(func.sum(Bill.amount), func.sum(func.coalesce(paid.c.paid, 0)))
        .outerjoin(paid, paid.c.bill_id == Bill.id).where(Bill.period == period)).one()
    return money.ratio(settled, asked)


@pytest.mark.database("demo_bundle")  # the demo bundle imported into an empty database
def test_the_demo_fees_load_once_with_collection_lower_without_a_professional_manager(db):
    # The demo pays up to today; a slow run must not see a new day (midnight in Beijing is
    # 16:00 UTC) between the two builds, so the clock stands still for the test.
    clock.set_now(clock.now())
    summary = build_fee_examples(db.session)
    db.session.commit()
    today = clock.today()
    this_month = billing.period_of(today)
    first_month = billing.next_period(this_month, -23)

    standards = db.session.scalars(select(FeeStandard)).all()
    assert summary["standards"] == len(standards) >= 20
    assert {s.start for s in standards} == {billing.period_start(first_month)}
    assert all(Decimal("0.30") <= s.price_per_m2_month <= Decimal("0.80") for s in standards)
    periods = sorted(db.session.scalars(select(Bill.period).distinct()))
    # 24 months, up to this month (the billing job bills a month on its first day).
    assert len(periods) == 24 and (periods[0], periods[-1]) == (first_month, this_month)
    assert summary["bills"] == db.session.scalar(select(func.count(Bill.id))) > 30_000
    # Every household of a billed community has one bill a month.
    per_household = set(db.session.execute(
        select(func.count(Bill.id)).group_by(Bill.household_id)).scalars())
    assert per_household == {24}

    payments = db.session.scalars(select(Payment)).all()
    assert summary["payments"] == len(payments) > 2_000
    assert all(p.receipt_no.startswith(RECEIPT_PREFIX) and p.paid_on <= today
               for p in payments)
    # Households pay ahead: every payment is spent on bills in full, but the blocks that
    # reach past this month, whose rest is credit for the bills still to come (none in
    # December, when every block ends).
    spent = dict(db.session.execute(
        select(PaymentAllocation.payment_id, func.sum(PaymentAllocation.amount))
        .group_by(PaymentAllocation.payment_id)).all())
    credit = {p: p.amount - money.fen(spent.get(p.id, 0)) for p in payments}
    assert all(left >= 0 for left in credit.values())
    ahead = [p for p, left in credit.items() if left > 0]
    assert all(billing.months_between(billing.period_of(p.paid_on), this_month) < 12
               for p in ahead)
    waivers = db.session.scalars(select(BillAdjustment)).all()
    assert summary["waived_bills"] == len(waivers) > 0
    assert all(w.kind.value == "waiver" and w.reason == WAIVER_REASON and w.amount < 0
               for w in waivers)
    entries = db.session.scalars(select(RevenueEntry)).all()
    assert summary["revenue_entries"] == len(entries) >= 5
    assert {e.direction for e in entries} == set(RevenueDirection)
    assert all(e.resolution for e in entries if e.direction is RevenueDirection.spending)

    rates = collection_by_mode(db.session)
    professional = rates[ManagementMode.professional]
    assert Decimal("0.70") <= professional <= Decimal("0.92")
    for mode in (ManagementMode.self, ManagementMode.community):
        assert Decimal("0.35") <= rates[mode] <= Decimal("0.65"), mode
        assert rates[mode] < professional - Decimal("0.15"), mode
    # Some arrears are settled long after their month.
    settled = db.session.execute(
        select(Payment.paid_on, Bill.period)
        .join(PaymentAllocation, PaymentAllocation.payment_id == Payment.id)
        .join(Bill, Bill.id == PaymentAllocation.bill_id))
    late = sum(1 for paid_on, period in settled
               if billing.months_between(period, billing.period_of(paid_on)) >= 6)
    assert late > 100

    # The month the collection page opens on reads as it would on the day: most of those
    # who pay have paid it ahead (on a month's first days, a block starting that month may
    # still be open: then the page opens on the month before).
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    latest = latest_collected_period(db.session, admin, today)
    last_month = billing.next_period(this_month, -1)
    assert latest in (this_month, last_month)
    assert Decimal("0.25") <= collection_of(db.session, latest) <= Decimal("0.95")
    assert Decimal("0.45") <= collection_of(db.session, last_month) <= Decimal("0.95")

    before = counts(db.session)
    again = build_fee_examples(db.session)
    db.session.commit()
    assert again == {"standards": 0, "bills": 0, "waived_bills": 0, "payments": 0,
                     "payments_existing": len(payments), "revenue_entries": 0}
    assert counts(db.session) == before
