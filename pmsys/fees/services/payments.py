"""Posting payments and their allocations (docs/domain.md#payments)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pmsys import audit, clock
from pmsys.auth import permissions
from pmsys.db import valid_id
from pmsys.errors import Forbidden, InvalidInput, NotFound, RuleRefused
from pmsys.fees import billing, summary
from pmsys.fees.services.bills import open_bills
from pmsys.fees.services.inputs import community_of, day, household_by_path, money, period
from pmsys.models.fees import (
    Bill,
    Payment,
    PaymentAllocation,
    PaymentMethod,
)
from pmsys.models.places import Community, Household

# --- payments --------------------------------------------------------------------------

def lock_household(session: Session, household_id: int) -> None:
    """Serialise payments of one household (PostgreSQL row lock; SQLite's writer lock)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(Household.id).where(Household.id == household_id)
                        .with_for_update())


def post_payment(session: Session, actor, *, receipt_no, household, amount, paid_on, method,
                 period_text=None) -> tuple[Payment, bool]:
    """Post a payment once per receipt; (payment, created).

    The same receipt again returns the first payment unchanged (created False);
    the same receipt with another household or amount is refused (422).
    """
    if not isinstance(receipt_no, str) or not receipt_no.strip() or len(receipt_no) > 64:
        raise InvalidInput("receipt_no is required (at most 64 characters)",
                           fields={"receipt_no": "required"})
    receipt_no = receipt_no.strip()
    target = household if isinstance(household, Household) else household_by_path(
        session, household)
    value = money(amount, "amount")
    on = day(paid_on, "paid_on")
    if on > clock.today():
        raise InvalidInput("a payment cannot be dated in the future",
                           fields={"paid_on": "in the future"})
    if method not in PaymentMethod.__members__:
        raise InvalidInput("unknown method", fields={"method": ", ".join(PaymentMethod)})
    month = period(period_text) if period_text not in (None, "") else None
    community = community_of(session, target)
    if not permissions.can_keep_fees(session, actor, community):
        readable = session.scalar(select(Household.id).where(
            Household.id == target.id, permissions.household_clause(actor, community)))
        if readable is None:  # a household the caller may not read looks like a missing one
            # The same words as for a household that does not exist
            # (docs/reliability.md#object-probes).
            named = household if isinstance(household, str) else target.place_code
            raise NotFound(f"no household {named}", code="household_not_found")
        raise Forbidden("only the community's manager records payments", code="not_the_manager")
    existing = session.scalar(select(Payment).where(Payment.receipt_no == receipt_no))
    if existing is not None:
        return _same_receipt(existing, target, value), False
    lock_household(session, target.id)
    payment = Payment(receipt_no=receipt_no, household_id=target.id, amount=value, paid_on=on,
                      method=PaymentMethod(method), period=month, recorded_by_id=actor.id)
    try:
        with session.begin_nested():
            session.add(payment)
            session.flush()
    except IntegrityError:
        # Posted at the same moment by somebody else: theirs is the one payment.
        existing = session.scalar(select(Payment).where(Payment.receipt_no == receipt_no))
        if existing is None:
            raise
        return _same_receipt(existing, target, value), False
    parts, credit = billing.allocate(value, open_bills(session, target), month)
    if parts:
        session.execute(insert(PaymentAllocation), [
            {"payment_id": payment.id, "bill_id": bill_id, "amount": part}
            for bill_id, part in parts])
        summary.refresh_bills(session, [bill_id for bill_id, _part in parts])
    session.flush()
    audit.record(session, actor, "payment_posted", "payment", receipt_no,
                 household=target.id, amount=str(value), paid_on=on.isoformat(),
                 allocated=str(value - credit), credit=str(credit))
    return payment, True


def _same_receipt(existing: Payment, household: Household, amount: Decimal) -> Payment:
    if existing.household_id != household.id or existing.amount != amount:
        # Say nothing of the other payment: it may be of a household the caller cannot see.
        raise RuleRefused(
            f"receipt {existing.receipt_no} was posted for another household or amount",
            code="receipt_conflict",
            fields={"receipt_no": "already posted for another payment"})
    return existing


def get_bill_or_404(session: Session, actor, bill_id) -> Bill:
    """A bill of a household `actor` may read; else NotFound."""
    key = valid_id(bill_id)
    bill = session.get(Bill, key) if key is not None else None
    if bill is None:
        raise NotFound(f"no bill {bill_id}", code="bill_not_found")
    community = session.get(Community, bill.community_id)
    readable = session.scalar(select(Household.id).where(
        Household.id == bill.household_id, permissions.household_clause(actor, community)))
    if readable is None:
        raise NotFound(f"no bill {bill_id}", code="bill_not_found", hidden=("bill", str(key)))
    return bill
