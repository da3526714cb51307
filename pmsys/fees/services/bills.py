"""Fee standards, billing runs, balances and adjustments (docs/domain.md#billing)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, and_, cast, func, literal, literal_column, or_, select
from sqlalchemy.orm import Session

from pmsys import audit, clock
from pmsys.auth import permissions
from pmsys.db import UTCDateTime
from pmsys.errors import Forbidden, InvalidInput, RuleRefused
from pmsys.fees import billing, summary
from pmsys.fees.services.inputs import day, money, period, price
from pmsys.models.fees import (
    AdjustmentKind,
    Bill,
    BillAdjustment,
    BillingRun,
    FeeStandard,
    PaymentAllocation,
)
from pmsys.models.governance import ManagementTerm
from pmsys.models.places import Building, Community, Household, Unit

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
