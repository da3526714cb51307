"""A payment's rest pays bills made later, oldest first, once (docs/domain.md#payments)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from pmsys.audit import AuditRecord
from pmsys.fees import services
from pmsys.fees.credit import payments_with_credit
from pmsys.models.fees import Bill, PaymentAllocation
from tests.fee_world import AMOUNTS, build_fee_world

PLACE = "CA/2/1/201"  # 35.00 a month, owes 2025-04..06 in the fee world


@pytest.fixture
def fees(db):
    return build_fee_world()


def allocated(db, payment) -> Decimal:
    return db.session.scalar(select(func.coalesce(func.sum(PaymentAllocation.amount), 0))
                             .where(PaymentAllocation.payment_id == payment.id))


def owed(db, place, period) -> Decimal:
    """What is still owed on the household's bill of `period` (net of adjustments, less paid)."""
    household = services.household_by_path(db.session, place)
    bill = db.session.scalar(select(Bill).where(Bill.household_id == household.id,
                                                Bill.period == period))
    paid = db.session.scalar(select(func.coalesce(func.sum(PaymentAllocation.amount), 0))
                             .where(PaymentAllocation.bill_id == bill.id))
    return services.net_amounts(db.session, [bill.id])[bill.id] - paid


def test_a_payment_ahead_pays_the_next_months_when_they_are_billed(db, fees):
    month = AMOUNTS[PLACE]
    # Three months owed, and three more paid ahead.
    payment, created = services.post_payment(
        db.session, fees.users["manager_a"], receipt_no="R-AHEAD", household=PLACE,
        amount=str(month * 6), paid_on=date(2025, 6, 1), method="wechat")
    assert created
    assert allocated(db, payment) == month * 3
    assert [(p.receipt_no, c) for p, c in payments_with_credit(db.session)] == [
        ("R-AHEAD", month * 3)]

    assert services.run_billing(db.session, "scheduler", "2025-07") > 0
    assert allocated(db, payment) == month * 4
    assert owed(db, PLACE, "2025-07") == Decimal("0.00")
    # Billing again creates nothing and applies nothing twice.
    assert services.run_billing(db.session, "scheduler", "2025-07") == 0
    assert allocated(db, payment) == month * 4
    services.run_billing(db.session, "scheduler", "2025-08")
    services.run_billing(db.session, "scheduler", "2025-09")
    services.run_billing(db.session, "scheduler", "2025-10")
    assert allocated(db, payment) == month * 6
    assert owed(db, PLACE, "2025-10") == month  # the credit is spent
    assert payments_with_credit(db.session) == []
    applied = db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == "credit_applied", AuditRecord.object_key == "R-AHEAD")).all()
    assert [r.data["amount"] for r in applied] == [str(month)] * 3


def test_credit_stays_with_its_household(db, fees):
    month = AMOUNTS[PLACE]
    services.post_payment(db.session, fees.users["manager_a"], receipt_no="R-AHEAD",
                          household=PLACE, amount=str(month * 4), paid_on=date(2025, 6, 1),
                          method="cash")
    services.run_billing(db.session, "scheduler", "2025-07")
    # The neighbour's July bill is untouched by another household's credit.
    assert owed(db, "CA/1/1/102", "2025-07") == AMOUNTS["CA/1/1/102"]
    assert owed(db, PLACE, "2025-07") == Decimal("0.00")
