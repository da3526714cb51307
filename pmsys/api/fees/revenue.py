"""API: a community's public revenue ledger, GET and POST /api/v1/communities/{code}/revenue."""

from __future__ import annotations

from flask import g, request

from pmsys import clock
from pmsys.api import bp
from pmsys.api.helpers import api_login_required, date_str, decimal_str, json_body, paging
from pmsys.api.openapi import (
    DATE,
    DATETIME,
    DECIMAL,
    PAGING_PARAMETERS,
    SEGMENT_PARAMETER,
    describe,
    errors,
    json_request,
    json_response,
    ref,
)
from pmsys.auth.permissions import get_community_or_404
from pmsys.extensions import db
from pmsys.fees import revenue
from pmsys.models.fees import REVENUE_SOURCES, SPENDING_USES, RevenueDirection, RevenueEntry

FIELDS = ("direction", "category", "amount", "on", "description", "resolution")


def entry_json(entry: RevenueEntry) -> dict:
    """One line of the ledger."""
    return {
        "id": entry.id,
        "direction": entry.direction.value,
        "category": entry.category,
        "amount": decimal_str(entry.amount),
        "on": date_str(entry.on),
        "description": entry.description,
        "resolution": entry.resolution,
        "recorded_at": entry.created_at.isoformat(),
    }


def ledger_json(ledger: revenue.Ledger, page: int, per_page: int) -> dict:
    """The year's entries (a page of them), its totals by category and the balances."""
    start = (page - 1) * per_page
    return {
        "community": ledger.community.code,
        "year": ledger.year,
        "items": [entry_json(e) for e in ledger.entries[start:start + per_page]],
        "total": len(ledger.entries),
        "income": {"total": decimal_str(ledger.income),
                   "by_category": {k: decimal_str(v)
                                   for k, v in ledger.income_by_category.items()}},
        "spending": {"total": decimal_str(ledger.spending),
                     "by_category": {k: decimal_str(v)
                                     for k, v in ledger.spending_by_category.items()}},
        "opening_balance": decimal_str(ledger.opening),
        "closing_balance": decimal_str(ledger.closing),
    }


@bp.get("/communities/<code>/revenue")
@api_login_required
def get_revenue(code: str):
    """The community's public revenue ledger of a year (this year by default)."""
    community = get_community_or_404(db.session, g.api_user, code)
    year = revenue.ledger_year(request.args.get("year") or clock.today().year)
    page, per_page = paging()
    return ledger_json(revenue.ledger(db.session, g.api_user, community, year), page, per_page)


@bp.post("/communities/<code>/revenue")
@api_login_required
def post_revenue(code: str):
    """Add an income or a spending to the community's public revenue ledger."""
    community = get_community_or_404(db.session, g.api_user, code)
    body = json_body()
    fields = {name: body.get(name) for name in FIELDS}
    entry = revenue.record_entry(db.session, g.api_user, community, **fields)
    return entry_json(entry), 201


_BY_SOURCE = {"type": "object", "required": list(REVENUE_SOURCES),
              "properties": dict.fromkeys(REVENUE_SOURCES, DECIMAL)}
_BY_USE = {"type": "object", "required": list(SPENDING_USES),
           "properties": dict.fromkeys(SPENDING_USES, DECIMAL)}
_CATEGORY = {"type": "string", "enum": [*REVENUE_SOURCES, *SPENDING_USES]}
_DIRECTION = {"type": "string", "enum": [d.value for d in RevenueDirection]}
_CODE_PARAMETER = {"name": "code", "in": "path", "required": True,
                   "description": "The community's code.", "schema": SEGMENT_PARAMETER}

describe(
    {
        "/communities/{code}/revenue": {
            "get": {
                "operationId": "getRevenueLedger",
                "summary": "A community's public revenue ledger of one year",
                "description": (
                    "Public revenue (公共收益: parking, advertising, rentals of common parts) "
                    "and its spending, published to everyone who sees the community, its "
                    "residents included (docs/domain.md#revenue). `items` are the year's "
                    "entries by date (a page of them; `total` counts them all); `income` and "
                    "`spending` "
                    "total the whole year by category; `opening_balance` carries every "
                    "earlier year, `closing_balance` adds this year's income less its "
                    "spending."
                ),
                "tags": ["fees"],
                "parameters": [
                    _CODE_PARAMETER,
                    {"name": "year", "in": "query", "required": False,
                     "description": "The calendar year; this year by default.",
                     "schema": {"type": "integer", "minimum": 1970, "maximum": 2999}},
                    *PAGING_PARAMETERS,
                ],
                "responses": {
                    "200": json_response("The year's ledger.", ref("RevenueLedger")),
                    "400": json_response("A bad year (`invalid_year`) or paging.",
                                         ref("Error")),
                    **errors(401, 404),
                },
            },
            "post": {
                "operationId": "recordRevenueEntry",
                "summary": "Add an income or a spending to a community's public revenue ledger",
                "description": (
                    "For the community's manager in office and its owners' committee. "
                    "Entries are never edited: a correction is a new entry whose "
                    "description names the one it corrects. A spending needs the owners' "
                    "committee's resolution (422 `resolution_required`)."
                ),
                "tags": ["fees"],
                "parameters": [_CODE_PARAMETER],
                "requestBody": json_request(ref("RevenueEntryInput")),
                "responses": {
                    "201": json_response("The entry as recorded.", ref("RevenueEntry")),
                    **errors(400, 401),
                    "403": json_response("The caller sees the community but does not keep "
                                         "its ledger (`not_a_revenue_keeper`).", ref("Error")),
                    **errors(404, 413),
                    "422": json_response("A spending without a resolution "
                                         "(`resolution_required`).", ref("Error")),
                },
            },
        },
    },
    schemas={
        "RevenueEntry": {
            "type": "object",
            "description": "One line of a community's public revenue ledger.",
            "required": ["id", "direction", "category", "amount", "on", "description",
                         "resolution", "recorded_at"],
            "properties": {
                "id": {"type": "integer"},
                "direction": _DIRECTION,
                "category": _CATEGORY,
                "amount": DECIMAL,
                "on": DATE,
                "description": {"type": "string"},
                "resolution": {"type": "string",
                               "description": "The owners' committee's resolution behind a "
                                              "spending; may be empty for an income."},
                "recorded_at": DATETIME,
            },
        },
        "RevenueEntryInput": {
            "type": "object",
            "required": ["direction", "category", "amount", "on", "description"],
            "properties": {
                "direction": _DIRECTION,
                "category": {**_CATEGORY, "description": "For an income one of "
                             + ", ".join(REVENUE_SOURCES) + "; for a spending one of "
                             + ", ".join(SPENDING_USES) + "."},
                "amount": {"type": "string", "examples": ["1200.00"],
                           "description": "Yuan, more than zero, at most two decimals."},
                "on": {**DATE, "description": "Not in the future."},
                "description": {"type": "string", "minLength": 1, "maxLength": 500},
                "resolution": {"type": "string", "maxLength": 200,
                               "description": "Required for a spending."},
            },
        },
        "RevenueLedger": {
            "type": "object",
            "required": ["community", "year", "items", "total", "income", "spending",
                         "opening_balance", "closing_balance"],
            "properties": {
                "community": {"type": "string"},
                "year": {"type": "integer"},
                "items": {"type": "array", "items": ref("RevenueEntry")},
                "total": {"type": "integer", "minimum": 0},
                "income": {"type": "object", "required": ["total", "by_category"],
                           "properties": {"total": DECIMAL, "by_category": _BY_SOURCE}},
                "spending": {"type": "object", "required": ["total", "by_category"],
                             "properties": {"total": DECIMAL, "by_category": _BY_USE}},
                "opening_balance": DECIMAL,
                "closing_balance": DECIMAL,
            },
        },
    },
)
