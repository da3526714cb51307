"""The JSON shapes of standards, bills and payments, with their answer models.

A bill is shown with what it asks after its adjustments (net), what has been
allocated to it and what is still owed; the balances of a whole page are a
fixed number of statements, whatever its length.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from pmsys import clock, money
from pmsys.api.helpers import date_str
from pmsys.api.refs import org_ref
from pmsys.api.tickets.serializers import CodeText, Moment, OrgRef
from pmsys.api.typed import Answer, DateText, decimal_text
from pmsys.fees.queries import STATUSES
from pmsys.models.fees import (
    AdjustmentKind,
    Bill,
    BillAdjustment,
    FeeStandard,
    Payment,
    PaymentAllocation,
    PaymentMethod,
)
from pmsys.models.places import Building, Community, Household, Unit
from pmsys.money import decimal_str

ZERO = Decimal("0.00")


# --- balances --------------------------------------------------------------------------

def household_paths(session: Session, household_ids: Iterable[int]) -> dict[int, str]:
    """Each household's path COMMUNITY/BUILDING/UNIT/HOUSEHOLD, in one statement."""
    ids = sorted(set(household_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(Household.id, Community.code, Building.code, Unit.code, Household.code)
        .join(Unit, Unit.id == Household.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .join(Community, Community.id == Building.community_id)
        .where(Household.id.in_(ids))
    ).all()
    return {row[0]: "/".join(row[1:]) for row in rows}


def _fen(value) -> Decimal:
    # SQLite hands sums back as binary floats: round them to the fen they stand for.
    return money.fen(value or 0)


@dataclass
class BillView:
    """A bill with its household's path, adjustments and balance."""

    bill: Bill
    household: str
    community: str
    net: Decimal
    paid: Decimal
    adjustments: list[BillAdjustment] = field(default_factory=list)

    @property
    def outstanding(self) -> Decimal:
        return self.net - self.paid

    @property
    def status(self) -> str:
        return "open" if self.outstanding > 0 else "paid"


def bill_views(session: Session, bills: list[Bill]) -> list[BillView]:
    """The bills with their balances, in a fixed number of statements."""
    ids = [bill.id for bill in bills]
    if not ids:
        return []
    adjustments: dict[int, list[BillAdjustment]] = {}
    for adjustment in session.scalars(
            select(BillAdjustment).where(BillAdjustment.bill_id.in_(ids))
            .options(selectinload(BillAdjustment.created_by))
            .order_by(BillAdjustment.id)):
        adjustments.setdefault(adjustment.bill_id, []).append(adjustment)
    paid = dict(session.execute(
        select(PaymentAllocation.bill_id, func.sum(PaymentAllocation.amount))
        .where(PaymentAllocation.bill_id.in_(ids)).group_by(PaymentAllocation.bill_id)
    ).all())
    paths = household_paths(session, (bill.household_id for bill in bills))
    views = []
    for bill in bills:
        own = adjustments.get(bill.id, [])
        net = _fen(bill.amount) + sum((_fen(a.amount) for a in own), ZERO)
        path = paths[bill.household_id]
        views.append(BillView(bill=bill, household=path, community=path.split("/")[0],
                              net=net, paid=_fen(paid.get(bill.id)), adjustments=own))
    return views


# --- JSON ------------------------------------------------------------------------------

def time_str(moment) -> str | None:
    """A stored UTC time as ISO 8601 in China Standard Time (docs/api.md#conventions)."""
    return moment.astimezone(clock.LOCAL_TZ).isoformat() if moment else None


def standard_json(standard: FeeStandard, community: Community) -> dict:
    """A fee standard of a community."""
    return {
        "id": standard.id,
        "community": community.code,
        "price_per_m2_month": decimal_str(standard.price_per_m2_month, 4),
        "fixed_per_household": decimal_str(standard.fixed_per_household),
        "start": date_str(standard.start),
        "organization": org_ref(standard.organization),
    }


def adjustment_json(adjustment: BillAdjustment) -> dict:
    """A waiver or correction of a bill, with its reason."""
    return {
        "id": adjustment.id,
        "kind": adjustment.kind.value,
        "amount": decimal_str(adjustment.amount),
        "reason": adjustment.reason,
        "created_at": time_str(adjustment.created_at),
        "created_by": adjustment.created_by.username if adjustment.created_by else None,
    }


def bill_json(view: BillView) -> dict:
    """A bill as issued, its adjustments, and what is paid and owed on it."""
    bill = view.bill
    return {
        "id": bill.id,
        "household": view.household,
        "community": view.community,
        "period": bill.period,
        "area": decimal_str(bill.area),
        "amount": decimal_str(bill.amount),
        "adjustments": [adjustment_json(a) for a in view.adjustments],
        "net_amount": decimal_str(view.net),
        "paid": decimal_str(view.paid),
        "outstanding": decimal_str(view.outstanding),
        "status": view.status,
        "mode": bill.mode.value if bill.mode else None,
    }


def payment_json(session: Session, payment: Payment) -> dict:
    """A payment, the bills it settled and what is left of it as credit."""
    allocations = session.execute(
        select(PaymentAllocation.bill_id, Bill.period, PaymentAllocation.amount)
        .join(Bill, Bill.id == PaymentAllocation.bill_id)
        .where(PaymentAllocation.payment_id == payment.id)
        .order_by(PaymentAllocation.id)
    ).all()
    allocated = sum((_fen(amount) for _bill, _period, amount in allocations), ZERO)
    return {
        "id": payment.id,
        "receipt_no": payment.receipt_no,
        "household": household_paths(session, [payment.household_id])[payment.household_id],
        "amount": decimal_str(payment.amount),
        "paid_on": date_str(payment.paid_on),
        "method": payment.method.value,
        "period": payment.period,
        "allocations": [{"bill": bill_id, "period": period, "amount": decimal_str(amount)}
                        for bill_id, period, amount in allocations],
        "credit": decimal_str(_fen(payment.amount) - allocated),
    }


# --- The shapes above, as typed answers (the OpenAPI document is built from them) ----------

PERIOD_PATTERN = r"^(19[7-9]\d|2\d{3})-(0[1-9]|1[0-2])$"
PeriodText = Annotated[str, Field(pattern=PERIOD_PATTERN, examples=["2025-06"])]
HouseholdPath = Annotated[str, Field(pattern=r"^[^/]+/[^/]+/[^/]+/[^/]+$",
                                     examples=["GXL/1/1/101"])]
Money = decimal_text()
SignedMoney = decimal_text(signed=True, example="-30.13")


class FeeStandardAnswer(Answer):
    """A community's fee from `start`: yuan per m² per month plus a fixed part per
    household."""

    id: int
    community: CodeText
    price_per_m2_month: decimal_text(4, example="0.5000")
    fixed_per_household: Money
    start: DateText
    organization: OrgRef | None


class BillAdjustmentAnswer(Answer):
    """A waiver (always negative) or a correction of a bill, with its reason."""

    id: int
    kind: Literal[tuple(k.value for k in AdjustmentKind)]
    amount: SignedMoney
    reason: str
    created_at: Moment
    created_by: str | None


class BillAnswer(Answer):
    """One household's fee for one month.

    `amount` is as issued (area × price + fixed part, half-up to the fen); `net_amount`
    after the adjustments; `outstanding` = net_amount − paid.
    """

    id: int
    household: HouseholdPath
    community: CodeText
    period: PeriodText
    area: Money
    amount: Money
    adjustments: list[BillAdjustmentAnswer]
    net_amount: Money
    paid: Money
    outstanding: SignedMoney
    status: Literal[STATUSES]
    mode: Annotated[str | None, Field(description="The management mode in force on the "
                                      "period's first day.")]


class AdjustedBillAnswer(BillAdjustmentAnswer):
    """The adjustment, with the bill after it."""

    bill: BillAnswer


class AllocationAnswer(Answer):
    bill: int
    period: PeriodText
    amount: Money


class PaymentAnswer(Answer):
    """Money received for a household under one receipt number, the bills it settled (the
    named period first, then the oldest) and the credit left over."""

    id: int
    receipt_no: str
    household: HouseholdPath
    amount: Money
    paid_on: DateText
    method: Literal[tuple(m.value for m in PaymentMethod)]
    period: PeriodText | None
    allocations: list[AllocationAnswer]
    credit: Money


class BillingRunAnswer(Answer):
    bills_created: Annotated[int, Field(ge=0)]


class ImportedRowAnswer(Answer):
    row: Annotated[int, Field(description="The row's number in Excel.")]
    receipt_no: str | None
    household: str | None
    amount: str | None
    status: Annotated[Literal["posted", "unchanged", "refused"], Field(
        description="`unchanged`: the receipt was already posted, as in this row.")]
    code: Annotated[str | None, Field(description="Why a row was refused: the error code the "
                                      "same payment gets from POST /payments.")]
    reason: str | None
    payment: int | None


class PaymentImportReport(Answer):
    """What became of each row of the sheet."""

    posted: Annotated[int, Field(ge=0)]
    unchanged: Annotated[int, Field(ge=0)]
    refused: Annotated[int, Field(ge=0)]
    rows: list[ImportedRowAnswer]
