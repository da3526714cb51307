"""API: a community's public revenue ledger, GET and POST /api/v1/communities/{code}/revenue."""

from __future__ import annotations

from typing import Annotated, Literal

from flask import g
from pydantic import BeforeValidator, Field, WithJsonSchema, create_model

from pmsys import clock
from pmsys.api import bp
from pmsys.api.answer_types import CodeText, OrgRef
from pmsys.api.fees.serializers import Money
from pmsys.api.helpers import api_login_required, date_str
from pmsys.api.refs import org_ref
from pmsys.api.tickets.serializers import Moment
from pmsys.api.typed import (
    Answer,
    Code,
    DateText,
    Day,
    ErrorCode,
    Input,
    Paged,
    endpoint,
    number,
    text,
)
from pmsys.auth.permissions import get_community_or_404
from pmsys.extensions import db
from pmsys.fees import revenue
from pmsys.models.fees import REVENUE_SOURCES, SPENDING_USES, RevenueDirection, RevenueEntry
from pmsys.models.places import Community
from pmsys.money import decimal_str

COMMUNITY_PATH = {"code": "The community's code."}
Direction = Literal[tuple(d.value for d in RevenueDirection)]
Category = Literal[(*REVENUE_SOURCES, *SPENDING_USES)]


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
        "asset": entry.asset.code if entry.asset is not None else None,
        "recorded_at": entry.created_at.isoformat(),
    }


def parking_json(ledger: revenue.Ledger) -> dict:
    """The year's parking income by parking asset, with what each one's income paid."""
    return {
        "income": decimal_str(ledger.income_by_category[revenue.PARKING]),
        "unassigned_income": decimal_str(ledger.parking_unassigned),
        "spaces": [
            {
                "asset": line.asset.code,
                "name": line.asset.name,
                "spaces": line.asset.spaces,
                "maintainer": org_ref(line.maintainer),
                "income": decimal_str(line.income),
                "spending": decimal_str(line.spending),
                "net": decimal_str(line.net),
            }
            for line in ledger.parking
        ],
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
        "parking": parking_json(ledger),
    }


# --- The shapes above, as typed answers -----------------------------------------------------


def _by_category(name: str, categories) -> type[Answer]:
    return create_model(name, __base__=Answer, **dict.fromkeys(categories, (Money, ...)))


class RevenueEntryAnswer(Answer):
    """One line of a community's public revenue ledger."""

    id: int
    direction: Direction
    category: Category
    amount: Money
    on: DateText
    description: str
    resolution: Annotated[str, Field(description="The owners' committee's resolution behind "
                                     "a spending; may be empty for an income.")]
    asset: Annotated[CodeText | None, Field(description=(
        "The parking asset a parking income came from, or whose income a spending went out "
        "of."))]
    recorded_at: Moment


class IncomeTotals(Answer):
    total: Money
    by_category: _by_category("IncomeByCategory", REVENUE_SOURCES)


class SpendingTotals(Answer):
    total: Money
    by_category: _by_category("SpendingByCategory", SPENDING_USES)


class ParkingAssetYear(Answer):
    """One parking asset's year: its maintainer today (or at the year's end), its income and
    what was paid out of it."""

    asset: CodeText
    name: str
    spaces: Annotated[int | None, Field(description="Its number of parking spaces.")]
    maintainer: OrgRef | None
    income: Money
    spending: Money
    net: Money


class ParkingYear(Answer):
    """The year's parking income: the total (as `income.by_category.parking`), by parking
    asset, and what names no asset."""

    income: Money
    unassigned_income: Money
    spaces: list[ParkingAssetYear]


class RevenueLedger(Answer):
    """A community's public revenue of one year: a page of its entries, its totals by
    category and the balances."""

    community: str
    year: int
    items: list[RevenueEntryAnswer]
    total: Annotated[int, Field(ge=0)]
    income: IncomeTotals
    spending: SpendingTotals
    opening_balance: Money
    closing_balance: Money
    parking: ParkingYear


# --- Requests ------------------------------------------------------------------------------


def _four_digits(value):
    if isinstance(value, str) and not (len(value) == 4 and value.isascii() and value.isdigit()):
        raise ValueError("a year YYYY")
    return value


Year = Annotated[int, BeforeValidator(_four_digits),
                 Field(ge=revenue.FIRST_YEAR, le=revenue.LAST_YEAR),
                 WithJsonSchema({"type": "integer", "minimum": revenue.FIRST_YEAR,
                                 "maximum": revenue.LAST_YEAR})]


class LedgerQuery(Paged):
    year: Annotated[Year | None, Field(description="The calendar year; this year by default."),
                    ErrorCode("invalid_year")] = None


class RevenueEntryInput(Input):
    direction: Direction
    category: Annotated[Category, Field(description=(
        "For an income one of " + ", ".join(REVENUE_SOURCES) + "; for a spending one of "
        + ", ".join(SPENDING_USES) + "."))]
    amount: Annotated[number("1200.00"), Field(description="Yuan, more than zero, at most two "
                                               "decimals.")]
    on: Annotated[Day, Field(description="Not in the future.")]
    description: text(revenue.MAX_DESCRIPTION)
    resolution: Annotated[text(revenue.MAX_RESOLUTION) | None, Field(
        description="Required for a spending.")] = None
    asset: Annotated[Code | None, Field(description=(
        "A parking asset of the community: the one a `parking` income came from, or the one "
        "whose income a spending went out of."))] = None


def _community_or_404(code: str) -> Community:
    return get_community_or_404(db.session, g.api_user, code)


@bp.get("/communities/<code>/revenue")
@api_login_required
@endpoint(query=LedgerQuery, answers={200: ("The year's ledger.", RevenueLedger)},
          refusals={400: "A bad year (`invalid_year`) or paging.", 404: ""},
          path=COMMUNITY_PATH, tags=("fees",), find=_community_or_404)
def get_revenue_ledger(code: str, query: LedgerQuery, found: Community):
    """A community's public revenue ledger of one year.

    Public revenue (公共收益: parking, advertising, rentals of common parts) and its spending,
    published to everyone who sees the community, its residents included
    (docs/domain.md#revenue). `items` are the year's entries by date (a page of them;
    `total` counts them all); `income` and `spending` total the whole year by category;
    `opening_balance` carries every earlier year, `closing_balance` adds this year's income
    less its spending.
    """
    ledger = revenue.ledger(db.session, g.api_user, found, query.year or clock.today().year)
    return ledger_json(ledger, query.page, query.per_page)


@bp.post("/communities/<code>/revenue")
@api_login_required
@endpoint(body=RevenueEntryInput, answers={201: ("The entry as recorded.", RevenueEntryAnswer)},
          refusals={403: "The caller sees the community but does not keep its ledger "
                         "(`not_a_revenue_keeper`).",
                    404: "",
                    422: "A spending without a resolution (`resolution_required`)."},
          path=COMMUNITY_PATH, tags=("fees",), find=_community_or_404)
def record_revenue_entry(code: str, body: RevenueEntryInput, found: Community):
    """Add an income or a spending to a community's public revenue ledger.

    For the community's manager in office and its owners' committee. Entries are never
    edited: a correction is a new entry whose description names the one it corrects. A
    spending needs the owners' committee's resolution (422 `resolution_required`).
    """
    entry = revenue.record_entry(db.session, g.api_user, found, **body.model_dump())
    return entry_json(entry), 201
