"""API: fee standards, billing runs, payments (one by one or from Excel), bills, adjustments."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from flask import g
from pydantic import AfterValidator, Field
from sqlalchemy import exists, select

from pmsys.api import bp
from pmsys.api.fees import serializers
from pmsys.api.fees.serializers import (
    PERIOD_PATTERN,
    AdjustedBillAnswer,
    BillAnswer,
    BillingRunAnswer,
    FeeStandardAnswer,
    PaymentAnswer,
    PaymentImportReport,
)
from pmsys.api.helpers import api_login_required, page_of_query, use_callers_language
from pmsys.api.typed import (
    CODE_LENGTH,
    Code,
    Day,
    EmptyIsAbsent,
    ErrorCode,
    Input,
    Page,
    Paged,
    endpoint,
    number,
    text,
)
from pmsys.auth import permissions
from pmsys.errors import Forbidden, InvalidInput, NotFound
from pmsys.extensions import db
from pmsys.fees import payment_import, queries, services
from pmsys.models.auth import Role
from pmsys.models.fees import AdjustmentKind, Bill, FeeStandard, PaymentMethod
from pmsys.models.places import Community, Household

HOUSEHOLD_LENGTH = 4 * CODE_LENGTH + 3
HOUSEHOLD_PATTERN = r"^[^/\x00]+/[^/\x00]+/[^/\x00]+/[^/\x00]+$"
COMMUNITY_PATH = {"code": "The community's code."}
Filter = ErrorCode("invalid_filter")


def _period(value: str) -> str:
    try:
        return services.period(value)
    except InvalidInput:
        raise ValueError("a month YYYY-MM") from None


def _household_path(value: str) -> str:
    if not re.fullmatch(HOUSEHOLD_PATTERN, value):
        raise ValueError("a household path COMMUNITY/BUILDING/UNIT/HOUSEHOLD")
    return value


Period = Annotated[text(7, 1), AfterValidator(_period),
                   Field(json_schema_extra={"pattern": PERIOD_PATTERN, "examples": ["2025-06"]})]
HouseholdParam = Annotated[text(HOUSEHOLD_LENGTH, 1), AfterValidator(_household_path), Field(
    description="COMMUNITY/BUILDING/UNIT/HOUSEHOLD.", examples=["GXL/1/1/101"],
    json_schema_extra={"pattern": HOUSEHOLD_PATTERN})]


def caller():
    """The authenticated caller, whose language the answer is written in."""
    use_callers_language(g.api_user)
    return g.api_user


def household_or_404(actor, path) -> Household:
    """The household at `path` if `actor` may read it; else NotFound, as for an unknown one.

    A household the caller does not read (a neighbour's, for a resident; any, for
    an operator) must not answer differently from one that does not exist.
    """
    try:
        household = services.household_by_path(db.session, path)
    except InvalidInput as error:
        if error.fields.get("household") == "unknown":
            raise NotFound(f"no household {path}", code="household_not_found") from None
        raise
    community = services.community_of(db.session, household)
    readable = db.session.scalar(select(Household.id).where(
        Household.id == household.id, permissions.household_clause(actor, community)))
    if readable is None:
        raise NotFound(f"no household {path}", code="household_not_found",
                       hidden=("household", household.code))
    return household


def bill_answer(bill: Bill) -> dict:
    return serializers.bill_json(serializers.bill_views(db.session, [bill])[0])


def _community_or_404(code: str) -> Community:
    return permissions.get_community_or_404(db.session, caller(), code)


# --- standards -------------------------------------------------------------------------

class NewFeeStandard(Input):
    price_per_m2_month: Annotated[number("0.50"), Field(description=(
        "Yuan per m² per month, up to four places."))]
    fixed_per_household: Annotated[number() | None, Field(description=(
        "Yuan per household per month, at most two places; 0.00 by default."))] = None
    start: Day


@bp.get("/communities/<code>/fee-standards")
@api_login_required
@endpoint(query=Paged, answers={200: ("A page of standards.", Page[FeeStandardAnswer])},
          refusals={404: ""}, path=COMMUNITY_PATH, tags=("fees",), find=_community_or_404)
def list_fee_standards(code: str, query: Paged, found: Community):
    """A community's fee standards, the latest start first.

    Everybody who sees the community sees its prices.
    """
    standards = (select(FeeStandard).where(FeeStandard.community_id == found.id)
                 .order_by(FeeStandard.start.desc()))
    rows, total = page_of_query(standards, query.page, query.per_page)
    return {"items": [serializers.standard_json(s, found) for s in rows], "total": total}


@bp.post("/communities/<code>/fee-standards")
@api_login_required
@endpoint(body=NewFeeStandard, answers={201: ("The standard.", FeeStandardAnswer)}, refusals={
    403: "Not the community's manager in office (`not_the_manager`).", 404: "",
    422: "`start` is not after the last billed month (`period_billed`), or a standard starts "
         "that day already (`standard_exists`)."},
          path=COMMUNITY_PATH, tags=("fees",), find=_community_or_404)
def set_fee_standard(code: str, body: NewFeeStandard, found: Community):
    """Set a community's fee from a start date (its manager).

    Yuan per m² per month (up to four places) plus an optional fixed part per household.
    Bills are never edited, so `start` must come after the last billed month
    (`period_billed`); one standard per start day (`standard_exists`).
    """
    standard = services.set_standard(
        db.session, g.api_user, found, price_per_m2_month=body.price_per_m2_month,
        fixed_per_household=body.fixed_per_household or "0.00", start=body.start)
    return serializers.standard_json(standard, found), 201


# --- billing ---------------------------------------------------------------------------

class BillingRunRequest(Input):
    period: Period
    community: Annotated[Code | None, Field(description="Without it, every community the "
                                            "caller keeps the fees of.")] = None


def _communities_to_bill(actor, code: str | None) -> list[Community]:
    if code is not None:
        return [permissions.get_community_or_404(db.session, actor, code)]
    if actor.role is Role.sysadmin:
        with_standard = exists().where(FeeStandard.community_id == Community.id)
        return list(db.session.scalars(select(Community).where(with_standard)
                                       .order_by(Community.code)))
    kept = [c for c in db.session.scalars(permissions.visible_communities(actor))
            if actor.role is Role.manager and permissions.can_keep_fees(db.session, actor, c)]
    if not kept:
        raise Forbidden("only a community's manager bills it", code="not_the_manager")
    return kept


@bp.post("/billing/run")
@api_login_required
@endpoint(body=BillingRunRequest, answers={200: ("How many bills were created.",
                                                 BillingRunAnswer)},
          refusals={403: "Not the manager of the community (or of any).", 404: ""},
          tags=("fees",))
def run_billing(body: BillingRunRequest):
    """Bill a month: one bill per household, once.

    Bills `community` (its manager, or a sysadmin), or without it every community the
    caller's organisation manages today (a sysadmin: every community with a standard). Area
    × the standard in force on the month's first day, plus the fixed part, half-up to the
    fen. A household already billed for the month is left alone: running again creates 0.
    """
    actor = caller()
    communities = _communities_to_bill(actor, body.community)
    created = (services.run_billing(db.session, actor, body.period, communities)
               if communities else 0)
    return {"bills_created": created}


# --- payments --------------------------------------------------------------------------

class NewPayment(Input):
    receipt_no: Code
    household: HouseholdParam
    amount: Annotated[number(), Field(description="Yuan, more than zero, at most two "
                                      "places.")]
    paid_on: Annotated[Day, Field(description="Not in the future.")]
    method: Literal[tuple(m.value for m in PaymentMethod)]
    period: Annotated[Period | None, EmptyIsAbsent, Field(description="The month it pays "
                                                          "first.")] = None


@bp.post("/payments")
@api_login_required
@endpoint(body=NewPayment, answers={
    200: ("The receipt was already posted: that payment.", PaymentAnswer),
    201: ("The payment posted.", PaymentAnswer)}, refusals={
    403: "A household the caller sees but whose community it does not manage "
         "(`not_the_manager`).",
    404: "No household at that path that the caller may see (`household_not_found`).",
    422: "The receipt was posted with another household or amount (`receipt_conflict`)."},
          tags=("fees",))
def post_payment(body: NewPayment):
    """Post a payment, once per receipt number.

    The first post of a receipt answers 201; the same receipt again answers 200 with the
    payment already posted and changes nothing; the same receipt with another household or
    amount is refused (422 `receipt_conflict`). The payment settles the named `period`
    first, then the oldest open bills; what is left stays as `credit`.
    """
    actor = caller()
    payment, created = services.post_payment(
        db.session, actor, receipt_no=body.receipt_no,
        household=household_or_404(actor, body.household), amount=body.amount,
        paid_on=body.paid_on, method=body.method, period_text=body.period)
    return serializers.payment_json(db.session, payment), 201 if created else 200


def _with_limits(view):
    """Write the upload's limits into the view's description."""
    view.__doc__ = view.__doc__.format(megabytes=payment_import.MAX_BYTES // (1024 * 1024),
                                       rows=payment_import.MAX_ROWS)
    return view


@bp.post("/payments/import")
@api_login_required
@endpoint(upload="file", answers={200: ("The row-by-row report.", PaymentImportReport)},
          refusals={400: "No file, not an .xlsx (`not_xlsx`), no header row "
                         "(`missing_columns`) or too many rows.",
                    403: "The caller's role does not record payments."}, tags=("fees",))
@_with_limits
def import_payments(upload):
    """Post the payments of an Excel file (.xlsx), row by row.

    The first sheet; a header row (within the first 10) names the columns `receipt_no`
    (收据号/票据号), `household` (房屋/户号, a path COMMUNITY/BUILDING/UNIT/HOUSEHOLD), `amount`
    (金额), `paid_on` (缴费日期), `method` (缴费方式: cash, bank, wechat, alipay, other or their
    Chinese names) and optionally `period` (所属期). Each row is posted as POST /payments
    would post it, on its own: a refused row changes nothing. At most
    {megabytes} MB and {rows} rows.
    """
    data = upload.read(payment_import.MAX_BYTES + 1)
    report = payment_import.import_payments(db.session, caller(), data)
    return payment_import.report_json(report)


# --- bills -----------------------------------------------------------------------------

class BillFilter(Paged):
    household: Annotated[HouseholdParam | None, Field(description="Only this household."),
                         Filter] = None
    period: Annotated[Period | None, Field(description="Only this month (YYYY-MM)."),
                      Filter] = None
    community: Annotated[Code | None, Field(description="Only this community (code)."),
                         Filter] = None
    status: Annotated[Literal[queries.STATUSES] | None, Field(description=(
        "`open`: something is still owed; `paid`: nothing is.")), Filter] = None


@bp.get("/bills")
@api_login_required
@endpoint(query=BillFilter, answers={200: ("A page of bills.", Page[BillAnswer])},
          tags=("fees",))
def list_bills(query: BillFilter):
    """The bills the caller may read, the latest month first.

    A resident reads the bills of the households they own or live in; the manager, the
    committee, street officers and the bureau those of the communities they see; others
    none. An unknown household or community matches nothing, as one the caller may not read
    does.
    """
    bills = queries.visible_bills(caller(), **query.model_dump(exclude={"page", "per_page"}))
    rows, total = page_of_query(bills, query.page, query.per_page)
    views = serializers.bill_views(db.session, rows)
    return {"items": [serializers.bill_json(view) for view in views], "total": total}


class NewBillAdjustment(Input):
    kind: Literal[tuple(k.value for k in AdjustmentKind)]
    amount: Annotated[number("-5.00"), Field(description="Yuan, signed; a waiver is "
                                             "negative.")]
    reason: text(500, 1)


def _bill_or_404(bill_id: int) -> Bill:
    return services.get_bill_or_404(db.session, caller(), bill_id)


@bp.post("/bills/<int:bill_id>/adjustments")
@api_login_required
@endpoint(body=NewBillAdjustment, answers={201: ("The adjustment, with the bill after it.",
                                                 AdjustedBillAnswer)},
          refusals={403: "A bill the caller reads but may not adjust (`not_the_manager`).",
                    404: "", 422: ""},
          path={"bill_id": "The bill's id."}, tags=("fees",), find=_bill_or_404)
def adjust_bill(bill_id: int, body: NewBillAdjustment, found: Bill):
    """Waive or correct part of a bill, with the reason.

    A `waiver` (e.g. a low-income household) lowers the bill: a negative amount; a
    `correction` may go either way. The bill stays as issued; it may not come to ask less
    than is paid on it (`below_paid`).
    """
    adjustment = services.adjust_bill(db.session, g.api_user, found, amount=body.amount,
                                      reason=body.reason, kind=body.kind)
    db.session.refresh(found)
    return {**serializers.adjustment_json(adjustment), "bill": bill_answer(found)}, 201
