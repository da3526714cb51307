"""API: fee standards, billing runs, payments (one by one or from Excel), bills, adjustments."""

from __future__ import annotations

from flask import g, request
from sqlalchemy import exists, func, select

from pmsys.api import bp
from pmsys.api.fees import serializers
from pmsys.api.helpers import api_login_required, json_body, paging
from pmsys.api.inputs import Body, choice_arg, text_arg, use_callers_language
from pmsys.api.openapi import (
    PAGING_PARAMETERS,
    SEGMENT_PARAMETER,
    TEXT_PARAMETER,
    describe,
    errors,
    json_request,
    json_response,
    page_of,
    ref,
)
from pmsys.auth import permissions
from pmsys.db import MAX_ID
from pmsys.errors import Forbidden, InvalidInput, NotFound
from pmsys.extensions import db
from pmsys.fees import payment_import, queries, services
from pmsys.models.auth import Role
from pmsys.models.fees import Bill, FeeStandard
from pmsys.models.places import Community, Household

HOUSEHOLD_LENGTH = 4 * 64 + 3


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


def required_value(body: Body, name: str):
    """A value the service checks itself (money may be a string or a whole number)."""
    value = body.data.get(name)
    if value is None:
        body.problems[name] = "required"
    return value


def bill_answer(bill: Bill) -> dict:
    return serializers.bill_json(serializers.bill_views(db.session, [bill])[0])


# --- standards -------------------------------------------------------------------------

@bp.get("/communities/<code>/fee-standards")
@api_login_required
def list_fee_standards(code: str):
    """The community's fee standards, the latest start first."""
    actor = caller()
    community = permissions.get_community_or_404(db.session, actor, code)
    page, per_page = paging()
    query = select(FeeStandard).where(FeeStandard.community_id == community.id)
    total = db.session.scalar(
        select(func.count(FeeStandard.id)).where(FeeStandard.community_id == community.id))
    rows = db.session.scalars(
        query.order_by(FeeStandard.start.desc()).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return {"items": [serializers.standard_json(s, community) for s in rows], "total": total}


@bp.post("/communities/<code>/fee-standards")
@api_login_required
def create_fee_standard(code: str):
    """Set the community's fee from a start date (its manager in office)."""
    actor = caller()
    community = permissions.get_community_or_404(db.session, actor, code)
    body = Body(json_body())
    fields = {
        "price_per_m2_month": required_value(body, "price_per_m2_month"),
        "fixed_per_household": body.data.get("fixed_per_household") or "0.00",
        "start": body.text("start", required=True, max_length=10),
    }
    body.check()
    standard = services.set_standard(db.session, actor, community, **fields)
    return serializers.standard_json(standard, community), 201


# --- billing ---------------------------------------------------------------------------

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
def run_billing():
    """Bill a month: the named community, or every one the caller keeps the fees of."""
    actor = caller()
    body = Body(json_body())
    period = body.text("period", required=True, max_length=7)
    code = body.text("community")
    body.check()
    period = services.period(period)
    communities = _communities_to_bill(actor, code)
    created = services.run_billing(db.session, actor, period, communities) if communities else 0
    return {"bills_created": created}


# --- payments --------------------------------------------------------------------------

@bp.post("/payments")
@api_login_required
def post_payment():
    """Post a payment once per receipt number (201), or return the one already posted (200)."""
    actor = caller()
    body = Body(json_body())
    receipt_no = body.text("receipt_no", required=True)
    path = body.text("household", required=True, max_length=HOUSEHOLD_LENGTH)
    amount = required_value(body, "amount")
    paid_on = body.text("paid_on", required=True, max_length=10)
    method = body.text("method", required=True, max_length=16)
    period = body.text("period", max_length=7)
    body.check()
    payment, created = services.post_payment(
        db.session, actor, receipt_no=receipt_no, household=household_or_404(actor, path),
        amount=amount, paid_on=paid_on, method=method, period_text=period)
    return serializers.payment_json(db.session, payment), 201 if created else 200


@bp.post("/payments/import")
@api_login_required
def import_payments():
    """Post the payments of an .xlsx file row by row; report what became of each row."""
    actor = caller()
    upload = request.files.get("file")
    if upload is None:
        raise InvalidInput("send the .xlsx as a multipart file named file",
                           fields={"file": "required"})
    data = upload.read(payment_import.MAX_BYTES + 1)
    report = payment_import.import_payments(db.session, actor, data)
    return payment_import.report_json(report)


# --- bills -----------------------------------------------------------------------------

@bp.get("/bills")
@api_login_required
def list_bills():
    """The bills the caller may read, filtered, the latest month first."""
    actor = caller()
    period = text_arg("period", 7)
    filters = {
        "household": text_arg("household", HOUSEHOLD_LENGTH),
        "period": services.period(period) if period is not None else None,
        "community": text_arg("community"),
        "status": choice_arg("status", queries.STATUSES),
    }
    query = queries.visible_bills(actor, **filters)
    page, per_page = paging()
    total = db.session.scalar(
        select(func.count()).select_from(query.order_by(None).subquery())) or 0
    bills = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    views = serializers.bill_views(db.session, list(bills))
    return {"items": [serializers.bill_json(view) for view in views], "total": total}


@bp.post("/bills/<int:bill_id>/adjustments")
@api_login_required
def adjust_bill(bill_id: int):
    """Waive or correct part of a bill, with the reason (its community's manager)."""
    actor = caller()
    bill = services.get_bill_or_404(db.session, actor, bill_id)
    body = Body(json_body())
    kind = body.text("kind", required=True, max_length=16)
    amount = required_value(body, "amount")
    reason = body.text("reason", required=True, max_length=500)
    body.check()
    adjustment = services.adjust_bill(db.session, actor, bill, amount=amount, reason=reason,
                                      kind=kind)
    db.session.refresh(bill)
    return {**serializers.adjustment_json(adjustment), "bill": bill_answer(bill)}, 201


# --- OpenAPI ---------------------------------------------------------------------------

def _query(name: str, description: str, schema: dict) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}


_PATH_PATTERN = r"^[^/\u0000]+/[^/\u0000]+/[^/\u0000]+/[^/\u0000]+$"
COMMUNITY_CODE = {"name": "code", "in": "path", "required": True,
                  "description": "The community's code.", "schema": SEGMENT_PARAMETER}
BILL_ID = {"name": "bill_id", "in": "path", "required": True, "description": "The bill's id.",
           "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}

describe(
    {
        "/communities/{code}/fee-standards": {
            "get": {
                "operationId": "listFeeStandards",
                "summary": "A community's fee standards, the latest start first",
                "description": "Everybody who sees the community sees its prices.",
                "tags": ["fees"],
                "parameters": [COMMUNITY_CODE, *PAGING_PARAMETERS],
                "responses": {
                    "200": json_response("A page of standards.", page_of("FeeStandard")),
                    **errors(400, 401, 404),
                },
            },
            "post": {
                "operationId": "setFeeStandard",
                "summary": "Set a community's fee from a start date (its manager)",
                "description": (
                    "Yuan per m² per month (up to four places) plus an optional fixed part "
                    "per household. Bills are never edited, so `start` must come after the "
                    "last billed month (`period_billed`); one standard per start day "
                    "(`standard_exists`)."
                ),
                "tags": ["fees"],
                "parameters": [COMMUNITY_CODE],
                "requestBody": json_request(ref("NewFeeStandard")),
                "responses": {
                    "201": json_response("The standard.", ref("FeeStandard")),
                    **errors(400, 401),
                    "403": json_response("Not the community's manager in office "
                                         "(`not_the_manager`).", ref("Error")),
                    **errors(404, 413, 422),
                },
            },
        },
        "/billing/run": {
            "post": {
                "operationId": "runBilling",
                "summary": "Bill a month: one bill per household, once",
                "description": (
                    "Bills `community` (its manager, or a sysadmin), or without it every "
                    "community the caller's organisation manages today (a sysadmin: every "
                    "community with a standard). Area × the standard in force on the "
                    "month's first day, plus the fixed part, half-up to the fen. A household "
                    "already billed for the month is left alone: running again creates 0."
                ),
                "tags": ["fees"],
                "requestBody": json_request(ref("BillingRunRequest")),
                "responses": {
                    "200": json_response("How many bills were created.", {
                        "type": "object", "required": ["bills_created"],
                        "properties": {"bills_created": {"type": "integer", "minimum": 0}}}),
                    **errors(400, 401),
                    "403": json_response("Not the manager of the community (or of any).",
                                         ref("Error")),
                    **errors(404, 413),
                },
            }
        },
        "/payments": {
            "post": {
                "operationId": "postPayment",
                "summary": "Post a payment, once per receipt number",
                "description": (
                    "The first post of a receipt answers 201; the same receipt again "
                    "answers 200 with the payment already posted and changes nothing; the "
                    "same receipt with another household or amount is refused (422 "
                    "`receipt_conflict`). The payment settles the named `period` first, "
                    "then the oldest open bills; what is left stays as `credit`."
                ),
                "tags": ["fees"],
                "requestBody": json_request(ref("NewPayment")),
                "responses": {
                    "200": json_response("The receipt was already posted: that payment.",
                                         ref("Payment")),
                    "201": json_response("The payment posted.", ref("Payment")),
                    **errors(400, 401),
                    "403": json_response("A household the caller sees but whose community "
                                         "it does not manage (`not_the_manager`).",
                                         ref("Error")),
                    "404": json_response("No household at that path that the caller may "
                                         "see (`household_not_found`).", ref("Error")),
                    **errors(413),
                    "422": json_response("The receipt was posted with another household or "
                                         "amount (`receipt_conflict`).", ref("Error")),
                },
            }
        },
        "/payments/import": {
            "post": {
                "operationId": "importPayments",
                "summary": "Post the payments of an Excel file (.xlsx), row by row",
                "description": (
                    "The first sheet; a header row (within the first 10) names the columns "
                    "`receipt_no` (收据号/票据号), `household` (房屋/户号, a path "
                    "COMMUNITY/BUILDING/UNIT/HOUSEHOLD), `amount` (金额), `paid_on` (缴费日期), "
                    "`method` (缴费方式: cash, bank, wechat, alipay, other or their Chinese "
                    "names) and optionally `period` (所属期). Each row is posted as POST "
                    "/payments would post it, on its own: a refused row changes nothing. "
                    f"At most {payment_import.MAX_BYTES // (1024 * 1024)} MB and "
                    f"{payment_import.MAX_ROWS} rows."
                ),
                "tags": ["fees"],
                "requestBody": {
                    "required": True,
                    "content": {"multipart/form-data": {"schema": {
                        "type": "object", "required": ["file"],
                        "properties": {"file": {"type": "string", "format": "binary"}}}}},
                },
                "responses": {
                    "200": json_response("The row-by-row report.", ref("PaymentImportReport")),
                    "400": json_response("No file, not an .xlsx (`not_xlsx`), no header row "
                                         "(`missing_columns`) or too many rows.", ref("Error")),
                    **errors(401),
                    "403": json_response("The caller's role does not record payments.",
                                         ref("Error")),
                    **errors(413),
                },
            }
        },
        "/bills": {
            "get": {
                "operationId": "listBills",
                "summary": "The bills the caller may read, the latest month first",
                "description": (
                    "A resident reads the bills of the households they own or live in; the "
                    "manager, the committee, street officers and the bureau those of the "
                    "communities they see; others none. An unknown household or community "
                    "matches nothing, as one the caller may not read does."
                ),
                "tags": ["fees"],
                "parameters": [
                    *PAGING_PARAMETERS,
                    _query("household", "Only this household (COMMUNITY/BUILDING/UNIT/"
                           "HOUSEHOLD).", {"type": "string", "pattern": _PATH_PATTERN,
                                           "maxLength": HOUSEHOLD_LENGTH}),
                    _query("period", "Only this month (YYYY-MM).", serializers.PERIOD),
                    _query("community", "Only this community (code).",
                           {**TEXT_PARAMETER, "maxLength": 64}),
                    _query("status", "`open`: something is still owed; `paid`: nothing is.",
                           {"type": "string", "enum": list(queries.STATUSES)}),
                ],
                "responses": {
                    "200": json_response("A page of bills.", page_of("Bill")),
                    **errors(400, 401),
                },
            }
        },
        "/bills/{bill_id}/adjustments": {
            "post": {
                "operationId": "adjustBill",
                "summary": "Waive or correct part of a bill, with the reason",
                "description": (
                    "A `waiver` (e.g. a low-income household) lowers the bill: a negative "
                    "amount; a `correction` may go either way. The bill stays as issued; "
                    "it may not come to ask less than is paid on it (`below_paid`)."
                ),
                "tags": ["fees"],
                "parameters": [BILL_ID],
                "requestBody": json_request(ref("NewBillAdjustment")),
                "responses": {
                    "201": json_response("The adjustment, with the bill after it.", {
                        "allOf": [ref("BillAdjustment"), {
                            "type": "object", "required": ["bill"],
                            "properties": {"bill": ref("Bill")}}]}),
                    **errors(400, 401),
                    "403": json_response("A bill the caller reads but may not adjust "
                                         "(`not_the_manager`).", ref("Error")),
                    **errors(404, 413, 422),
                },
            }
        },
    },
    schemas={
        **serializers.SCHEMAS,
        "PaymentImportReport": payment_import.REPORT_SCHEMA,
    },
)
