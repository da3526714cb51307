"""Credit: what a payment left over after the bills it found, applied to bills made later.

A household that pays ahead (three months before they are billed, say) holds a
payment whose amount exceeds its allocations. When billing makes new bills, that
rest pays them, oldest first (docs/domain.md#payments), as if the payment had named them: the
household owes nothing for months it has already paid.

Only payments that still hold credit are read — a handful, not every household —
and each household's payments are applied under the same lock as a new payment.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from pmsys import audit, money
from pmsys.fees import billing, summary
from pmsys.fees.services import lock_household, open_bills
from pmsys.models.fees import Bill, Payment, PaymentAllocation


def payments_with_credit(session: Session, community_ids: list[int] | None = None):
    """(payment, credit left) of every payment not fully allocated, oldest first."""
    allocated = (
        select(PaymentAllocation.payment_id, func.sum(PaymentAllocation.amount).label("used"))
        .group_by(PaymentAllocation.payment_id)
        .subquery()
    )
    left = Payment.amount - func.coalesce(allocated.c.used, 0)
    query = (
        select(Payment, left)
        .outerjoin(allocated, allocated.c.payment_id == Payment.id)
        # Half a fen of slack: SQLite sums decimals as floating point.
        .where(left > Decimal("0.005"))
        .order_by(Payment.paid_on, Payment.id)
    )
    if community_ids is not None:
        billed_here = select(Bill.household_id).where(Bill.community_id.in_(community_ids))
        query = query.where(Payment.household_id.in_(billed_here))
    return [(payment, money.fen(credit)) for payment, credit in session.execute(query)]


def apply_credit(session: Session, actor, community_ids: list[int] | None = None) -> Decimal:
    """Let payments holding credit pay their households' open bills; return the sum applied."""

    applied = Decimal("0.00")
    paid_bills: list[int] = []
    for payment, credit in payments_with_credit(session, community_ids):
        lock_household(session, payment.household_id)
        parts, _rest = billing.allocate(credit, open_bills(session, payment.household))
        if not parts:
            continue
        session.execute(insert(PaymentAllocation), [
            {"payment_id": payment.id, "bill_id": bill_id, "amount": part}
            for bill_id, part in parts])
        paid_bills.extend(bill_id for bill_id, _part in parts)
        used = sum((part for _bill, part in parts), Decimal("0.00"))
        applied += used
        audit.record(session, actor if actor is not None else "scheduler", "credit_applied",
                     "payment", payment.receipt_no, amount=str(used), bills=len(parts))
    summary.refresh_bills(session, paid_bills)
    session.flush()
    return applied
