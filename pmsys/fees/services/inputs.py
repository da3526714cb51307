"""The checks of a fee use case's inputs: amounts, prices, periods, days, households."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from pmsys.errors import InvalidInput
from pmsys.fees import billing
from pmsys.fees.queries import split_path
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
