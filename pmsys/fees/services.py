"""Fee use cases: standards, billing runs, adjustments, payments, balances (docs/domain.md#fees).

Billing is set-based: one INSERT … SELECT makes the bill of every household to
bill, with its area and standard, computing the amount in SQL exactly as the pure
rule billing.bill_amount does (bill_amount_sql; a test holds them to the same
answers, half-fen cases included), with "on conflict do nothing", so a second
run (or two at once) creates nothing new. A payment is written in one transaction
with its allocations; its receipt number is unique in the database, so the same
receipt posted twice — or twenty times at once — makes one payment.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import BigInteger, and_, cast, func, insert, literal, literal_column, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pmsys import audit, clock
from pmsys.auth import permissions
from pmsys.db import UTCDateTime, valid_id
from pmsys.errors import Forbidden, InvalidInput, NotFound, RuleRefused
from pmsys.fees import billing, summary
from pmsys.fees.queries import split_path
from pmsys.models.fees import (
    AdjustmentKind,
    Bill,
    BillAdjustment,
    BillingRun,
    FeeStandard,
    Payment,
    PaymentAllocation,
    PaymentMethod,
)
from pmsys.models.governance import ManagementTerm
from pmsys.models.places import Building, Community, Household, Unit
from pmsys.money import FEN

MAX_MONEY = Decimal("99999999.99")


# --- input -----------------------------------------------------------------------------

def money(value, field: str, *, positive: bool = True, allow_negative: bool = False) -> Decimal:
    """A decimal string (or number) of yuan with at most two places; InvalidInput otherwise."""
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise InvalidInput(f"{field} must be a decimal string like \"62.50\"",
                           fields={field: "a decimal string"})
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidInput(f"{field} is not a number", fields={field: "not a number"}) from None
    if not amount.is_finite():
        raise InvalidInput(f"{field} is not a number", fields={field: "not a number"})
    # Bounded before anything is rounded: quantizing 1e309 to the fen cannot be done.
    if abs(amount) > MAX_MONEY:
        raise InvalidInput(f"{field} is too large", fields={field: "at most 99999999.99"})
    if amount != amount.quantize(FEN):
        raise InvalidInput(f"{field} has at most two decimal places",
                           fields={field: "at most two decimal places"})
    if positive and amount <= 0 and not allow_negative:
        raise InvalidInput(f"{field} must be more than zero", fields={field: "more than zero"})
    if not positive and amount < 0 and not allow_negative:
        raise InvalidInput(f"{field} must not be negative", fields={field: "not negative"})
    return amount.quantize(FEN)


def price(value, field: str = "price_per_m2_month") -> Decimal:
    """A price per m² per month: a non-negative decimal with at most four places."""
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise InvalidInput(f"{field} must be a decimal string like \"0.50\"",
                           fields={field: "a decimal string"})
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidInput(f"{field} is not a number", fields={field: "not a number"}) from None
    if (not amount.is_finite() or amount < 0 or amount > Decimal("999999")
            or amount != amount.quantize(Decimal("0.0001"))):
        raise InvalidInput(f"{field} must be 0 or more with at most four decimal places",
                           fields={field: "0 or more, at most four decimal places"})
    return amount


def period(value, field: str = "period") -> str:
    """A billing period "YYYY-MM"; InvalidInput otherwise."""
    try:
        billing.parse_period(value)
    except ValueError:
        raise InvalidInput(f"{field} must be YYYY-MM", fields={field: "YYYY-MM"}) from None
    return value


def day(value, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        parsed = date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        parsed = None
    if parsed is None or not 1970 <= parsed.year <= 2999:
        raise InvalidInput(f"{field} must be a date YYYY-MM-DD", fields={field: "YYYY-MM-DD"})
    return parsed


def household_by_path(session: Session, path) -> Household:
    """The household named COMMUNITY/BUILDING/UNIT/HOUSEHOLD; InvalidInput when unknown."""
    community, building, unit, code = split_path(path)
    found = session.scalar(
        select(Household)
        .join(Unit, Unit.id == Household.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .join(Community, Community.id == Building.community_id)
        .where(Community.code == community, Building.code == building, Unit.code == unit,
               Household.code == code)
    )
    if found is None:
        raise InvalidInput(f"no household {path}", fields={"household": "unknown"})
    return found


def community_of(session: Session, household: Household) -> Community:
    return session.scalar(
        select(Community).join(Building, Building.community_id == Community.id)
        .join(Unit, Unit.building_id == Building.id).where(Unit.id == household.unit_id)
    )


# --- standards -------------------------------------------------------------------------

def standard_on(session: Session, community: Community, on: date) -> FeeStandard | None:
    """The standard in force on `on`: the latest that started by then."""
    return session.scalar(
        select(FeeStandard)
        .where(FeeStandard.community_id == community.id, FeeStandard.start <= on)
        .order_by(FeeStandard.start.desc())
        .limit(1)
    )


def set_standard(session: Session, actor, community: Community, *, price_per_m2_month,
                 start, fixed_per_household="0.00") -> FeeStandard:
    """Set the community's fee from `start` (the manager in office)."""
    if not permissions.can_keep_fees(session, actor, community):
        raise Forbidden("only the community's manager sets its fee", code="not_the_manager")
    value = price(price_per_m2_month)
    fixed = money(fixed_per_household, "fixed_per_household", positive=False)
    first = day(start, "start")
    if session.scalar(select(FeeStandard.id).where(
            FeeStandard.community_id == community.id, FeeStandard.start == first)) is not None:
        raise RuleRefused("a standard already starts on that day", code="standard_exists",
                          fields={"start": "taken"})
    billed = session.scalar(
        select(func.max(Bill.period)).where(Bill.community_id == community.id)
    )
    if billed is not None and first < billing.period_start(billing.next_period(billed)):
        # Bills are never edited: a new price applies only to months not billed yet.
        raise RuleRefused(f"months up to {billed} are billed; start after them",
                          code="period_billed", fields={"start": f"after {billed}"})
    standard = FeeStandard(community_id=community.id, price_per_m2_month=value,
                           fixed_per_household=fixed, start=first,
                           organization_id=actor.organization_id, set_by_id=actor.id)
    session.add(standard)
    session.flush()
    audit.record(session, actor, "fee_standard_set", "community", community.code,
                 price=str(value), fixed=str(fixed), start=first.isoformat())
    return standard


# --- billing ---------------------------------------------------------------------------

def bill_amount_sql(area, price_per_m2_month, fixed):
    """billing.bill_amount in SQL: area × price plus the fixed part, half-up to the fen.

    Whole numbers throughout, so no engine rounds a binary fraction (SQLite keeps
    NUMERIC columns as floating point): the area in fen times the price in
    ten-thousandths of a yuan, plus the fixed part in the same millionths, is
    exact; adding half a fen before the whole division by 10,000 rounds half up,
    as the amounts are never negative. Exact for every amount a bill can hold.
    """
    area_fen = cast(func.round(area * 100), BigInteger)
    price_units = cast(func.round(price_per_m2_month * 10000), BigInteger)
    fixed_fen = cast(func.round(fixed * 100), BigInteger)
    fen = (area_fen * price_units + fixed_fen * 10000 + 5000) // 10000
    return fen / literal_column("100.0")


def _insert_bills(session: Session, month: str, communities: list[Community] | None
                  ) -> Counter:
    """Bill each household of `communities` (None: all) not billed for `month` yet.

    One INSERT … SELECT; a (household, period) billed meanwhile by another run is
    skipped by the database. Returns how many bills were created per community id.
    """
    first = billing.period_start(month)
    latest = (
        select(FeeStandard.community_id, func.max(FeeStandard.start).label("start"))
        .where(FeeStandard.start <= first)
        .group_by(FeeStandard.community_id)
        .subquery()
    )
    already = select(Bill.id).where(Bill.household_id == Household.id, Bill.period == month)
    query = (
        select(Household.id, literal(month), Building.community_id, FeeStandard.id,
               Household.area,
               bill_amount_sql(Household.area, FeeStandard.price_per_m2_month,
                               FeeStandard.fixed_per_household),
               ManagementTerm.mode, ManagementTerm.organization_id,
               literal(clock.now(), UTCDateTime()))
        .join(Unit, Unit.id == Household.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .join(latest, latest.c.community_id == Building.community_id)
        .join(FeeStandard, and_(FeeStandard.community_id == latest.c.community_id,
                                FeeStandard.start == latest.c.start))
        .outerjoin(ManagementTerm, and_(
            ManagementTerm.community_id == Building.community_id, ManagementTerm.start <= first,
            or_(ManagementTerm.end.is_(None), ManagementTerm.end >= first)))
        # A WHERE clause also keeps SQLite from reading ON CONFLICT as a join's ON.
        .where(~already.exists())
        .order_by(Household.id)
    )
    if communities is not None:
        query = query.where(Building.community_id.in_([c.id for c in communities]))
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    statement = (
        dialect_insert(Bill)
        .from_select(["household_id", "period", "community_id", "standard_id", "area",
                      "amount", "mode", "organization_id", "created_at"], query)
        .on_conflict_do_nothing(index_elements=["household_id", "period"])
        .returning(Bill.community_id)
    )
    return Counter(session.scalars(statement))


def run_billing(session: Session, actor, period_text, communities: list[Community] | None = None
                ) -> int:
    """Bill every household of `communities` (default: all with a standard) for a period.

    One bill per household and period, area × price + fixed, half-up to the fen;
    a household already billed for the period is left alone, so running again
    creates nothing. Returns the number of bills created.
    """
    month = period(period_text)
    if actor is not None and not isinstance(actor, str):
        if communities is None:
            raise InvalidInput("name the community to bill", fields={"community": "required"})
        for community in communities:
            if not permissions.can_keep_fees(session, actor, community):
                raise Forbidden("only the community's manager bills it", code="not_the_manager")
    created = _insert_bills(session, month, communities)
    # Every bill of this run is written here: `created` counts them by community id.
    total = sum(created.values())
    actor_id = getattr(actor, "id", None)
    if communities is None:
        session.add(BillingRun(period=month, community_id=None, bills_created=total,
                               run_by_id=actor_id))
    for community in communities or []:
        session.add(BillingRun(period=month, community_id=community.id,
                               bills_created=created[community.id], run_by_id=actor_id))
    session.flush()
    if total:
        # Households that paid ahead: their credit pays the new bills.
        # Credit builds on this module's open_bills and lock_household, so it is loaded
        # when first used, not when this module is.
        from pmsys.fees.credit import apply_credit  # noqa: PLC0415

        apply_credit(session, actor, [c.id for c in communities] if communities else None)
    # After the credit: its household locks come before the summary's community locks,
    # as in a payment, so a billing run and a payment never wait for each other in a circle.
    summary.refresh(session, [(community_id, month) for community_id in created])
    audit.record(session, actor if actor is not None else "scheduler", "billing_run", "period",
                 month, bills_created=total,
                 communities=[c.code for c in communities] if communities else "all")
    return total


# --- balances --------------------------------------------------------------------------

def net_amounts(session: Session, bill_ids) -> dict[int, Decimal]:
    """Each bill's amount after its adjustments."""
    ids = list(bill_ids)
    if not ids:
        return {}
    adjusted = dict(session.execute(
        select(BillAdjustment.bill_id, func.sum(BillAdjustment.amount))
        .where(BillAdjustment.bill_id.in_(ids)).group_by(BillAdjustment.bill_id)
    ).all())
    return {bill_id: amount + (adjusted.get(bill_id) or 0) for bill_id, amount in
            session.execute(select(Bill.id, Bill.amount).where(Bill.id.in_(ids)))}


def open_bills(session: Session, household: Household) -> list[billing.OpenBill]:
    """The household's bills with something still owed, oldest first."""
    bills = dict(session.execute(
        select(Bill.id, Bill.period).where(Bill.household_id == household.id)).all())
    net = net_amounts(session, bills)
    paid = dict(session.execute(
        select(PaymentAllocation.bill_id, func.sum(PaymentAllocation.amount))
        .where(PaymentAllocation.bill_id.in_(list(bills)))
        .group_by(PaymentAllocation.bill_id)
    ).all()) if bills else {}
    result = [billing.OpenBill(bill_id, bills[bill_id], net[bill_id] - (paid.get(bill_id) or 0))
              for bill_id in bills]
    return sorted((b for b in result if b.outstanding > 0), key=lambda b: (b.period, b.bill_id))


def adjust_bill(session: Session, actor, bill: Bill, *, amount, reason, kind) -> BillAdjustment:
    """Record a waiver or a correction of a bill, with its reason (the bill stays as issued)."""
    community = session.get(Community, bill.community_id)
    if not permissions.can_keep_fees(session, actor, community):
        raise Forbidden("only the community's manager adjusts its bills", code="not_the_manager")
    if kind not in AdjustmentKind.__members__:
        raise InvalidInput("kind must be waiver or correction",
                           fields={"kind": "waiver or correction"})
    value = money(amount, "amount", allow_negative=True)
    if value == 0:
        raise InvalidInput("an adjustment changes the bill", fields={"amount": "not zero"})
    if kind == "waiver" and value > 0:
        raise InvalidInput("a waiver lowers the bill: give a negative amount",
                           fields={"amount": "negative for a waiver"})
    if not isinstance(reason, str) or not reason.strip() or len(reason) > 500:
        raise InvalidInput("say why the bill changes", fields={"reason": "required"})
    net = net_amounts(session, [bill.id])[bill.id]
    paid = session.scalar(select(func.coalesce(func.sum(PaymentAllocation.amount), 0))
                          .where(PaymentAllocation.bill_id == bill.id))
    if net + value < paid:
        raise RuleRefused("the bill would ask less than has been paid on it",
                          code="below_paid", fields={"amount": f"at least {paid - net}"})
    adjustment = BillAdjustment(bill_id=bill.id, kind=AdjustmentKind(kind), amount=value,
                                reason=reason.strip(), created_by_id=actor.id)
    session.add(adjustment)
    session.flush()
    summary.refresh(session, [(bill.community_id, bill.period)])
    audit.record(session, actor, "bill_adjusted", "bill", bill.id, kind=kind,
                 amount=str(value), period=bill.period)
    return adjustment


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
