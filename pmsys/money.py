"""Money and ratios: the one rounding rule of pmsys (docs/domain.md#billing).

Amounts are Decimal yuan kept to the fen (0.01); ratios (collection and
response rates, coverage, satisfaction) to four places. Both round half up,
as the bill rule does: 0.005 yuan is a fen, 1/32 is 0.0313 (3.13 %), wherever
it is computed or shown — in the API, on the pages and in the spreadsheets.
Every rounding and every decimal text of an amount or a ratio goes through
`round_half_up`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
RATIO = Decimal("0.0001")
FEN_PLACES = 2
RATIO_PLACES = 4


# The quantum of each number of places the reports round to, made once (a city's collection
# report rounds some 50,000 figures).
_QUANTA = {FEN_PLACES: FEN, RATIO_PLACES: RATIO}


def _decimal(value) -> Decimal:
    # A float (SQLite hands sums back as floats) stands for the decimal it prints as, not for
    # its binary expansion: 0.145 is 0.145, not 0.14499999….
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value)) if isinstance(value, float) else Decimal(value)


def round_half_up(value, places: int) -> Decimal:
    """`value` rounded half up to `places` decimal places."""
    quantum = _QUANTA.get(places) or Decimal(1).scaleb(-places)
    return _decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)


# fen, ratio and the texts below take a Decimal straight to `quantize` (the same rounding as
# round_half_up's): a city's collection report rounds and writes some 40,000 of them.


def fen(amount) -> Decimal:
    """`amount` rounded half up to the fen."""
    if type(amount) is Decimal:
        return amount.quantize(FEN, rounding=ROUND_HALF_UP)
    return round_half_up(amount, FEN_PLACES)


def round_ratio(value) -> Decimal:
    """A ratio rounded half up to four places."""
    if type(value) is Decimal:
        return value.quantize(RATIO, rounding=ROUND_HALF_UP)
    return round_half_up(value, RATIO_PLACES)


def ratio(part, whole) -> Decimal | None:
    """`part / whole` rounded half up to four places; None when `whole` is zero."""
    if not whole:
        return None
    # A Decimal is taken as it is, and divided by an int (a count) as it is (exactly).
    if type(part) is not Decimal:
        part = _decimal(part)
    if type(whole) is not Decimal and type(whole) is not int:
        whole = _decimal(whole)
    return (part / whole).quantize(RATIO, rounding=ROUND_HALF_UP)


def decimal_str(value, places: int = FEN_PLACES) -> str | None:
    """A decimal as the API writes it, with exactly `places` places ("62.50"); None stays None."""
    return None if value is None else f"{round_half_up(value, places):.{places}f}"


def _places_str(value: Decimal, quantum: Decimal, places: int) -> str:
    # A Decimal that already has exactly `places` places (a figure rounded before, as
    # pmsys/fees/rates.py's are) is written as it is: str() keeps every place and, for
    # such a value, uses no exponent.
    text = str(value)
    if text[-places - 1:-places] == "." and "E" not in text:
        return text
    return f"{value.quantize(quantum, rounding=ROUND_HALF_UP):.{places}f}"


def yuan_str(amount) -> str | None:
    """An amount as the API writes it ("62.50"); None stays None."""
    if type(amount) is Decimal:
        return _places_str(amount, FEN, FEN_PLACES)
    return decimal_str(amount, FEN_PLACES)


def ratio_str(value) -> str | None:
    """A ratio as the API writes it ("0.6667"); None stays None."""
    if type(value) is Decimal:
        return _places_str(value, RATIO, RATIO_PLACES)
    return decimal_str(value, RATIO_PLACES)


def percent_str(value) -> str:
    """A ratio as the pages show it, from its four places: 1/32 is "3.13 %"; None is 0."""
    return f"{round_ratio(value or 0) * 100:.2f} %"
