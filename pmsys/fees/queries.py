"""Which bills a caller reads: the list query with its filters (docs/domain.md#fees)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session

from pmsys.auth.permissions import bill_clause, community_clause
from pmsys.errors import InvalidInput
from pmsys.fees import billing
from pmsys.models.fees import Bill, BillAdjustment, PaymentAllocation
from pmsys.models.places import Building, Community, Household, Unit

STATUSES = ("open", "paid")


def _adjusted_sum():
    return func.coalesce(
        select(func.sum(BillAdjustment.amount)).where(BillAdjustment.bill_id == Bill.id)
        .scalar_subquery(), 0)


def _paid_sum():
    return func.coalesce(
        select(func.sum(PaymentAllocation.amount)).where(PaymentAllocation.bill_id == Bill.id)
        .scalar_subquery(), 0)


def split_path(path: str) -> list[str]:
    """The four codes of COMMUNITY/BUILDING/UNIT/HOUSEHOLD; InvalidInput otherwise."""
    parts = path.split("/") if isinstance(path, str) else []
    if len(parts) != 4 or not all(parts) or len(path) > 4 * 64 + 3:
        raise InvalidInput("household must be COMMUNITY/BUILDING/UNIT/HOUSEHOLD",
                           fields={"household": "COMMUNITY/BUILDING/UNIT/HOUSEHOLD"})
    return parts


def visible_bills(actor, *, household: str | None = None, period: str | None = None,
                  community: str | None = None, status: str | None = None) -> Select:
    """A select of the bills `actor` may read, filtered, newest period first.

    `household` is a path COMMUNITY/BUILDING/UNIT/HOUSEHOLD and `community` a
    code: one the caller may not read simply matches nothing, as an unknown one
    does. `status` "open" keeps the bills with something still owed, "paid" the
    others; the difference is rounded to the fen, so that SQLite's floating-point
    sums cannot leave a paid bill open by a rounding error.
    """
    query = select(Bill).where(bill_clause(actor))
    if household is not None:
        community_code, building, unit, code = split_path(household)
        query = query.where(Bill.household_id.in_(
            select(Household.id)
            .join(Unit, Unit.id == Household.unit_id)
            .join(Building, Building.id == Unit.building_id)
            .join(Community, Community.id == Building.community_id)
            .where(Community.code == community_code, Building.code == building,
                   Unit.code == unit, Household.code == code)))
    if community is not None:
        query = query.where(Bill.community_id.in_(
            select(Community.id).where(Community.code == community)))
    if period is not None:
        query = query.where(Bill.period == period)
    if status is not None:
        owed = func.round(Bill.amount + _adjusted_sum() - _paid_sum(), 2)
        query = query.where(owed > 0 if status == "open" else owed <= 0)
    return query.order_by(Bill.period.desc(), Bill.household_id, Bill.id)


def latest_collected_period(session: Session, actor, today: date) -> str:
    """The month the collection page opens on: the latest up to `today`'s with something paid.

    Of the bills of the communities `actor` sees (as the collection report reads
    them), the latest month up to this one with a payment toward one of its bills;
    this month when none has any. A month billed but not paid at all reads 0.00 %
    everywhere, which tells a reader nothing about how collection goes.
    """
    current = billing.period_of(today)
    latest = session.scalar(
        select(func.max(Bill.period)).where(
            Bill.period <= current,
            Bill.community_id.in_(select(Community.id).where(community_clause(actor))),
            exists().where(PaymentAllocation.bill_id == Bill.id),
        )
    )
    return latest or current
