"""Money and ratios: the one rounding rule of pmsys (docs/domain.md#billing).

Amounts are Decimal yuan kept to the fen (0.01); ratios (collection and
response rates, coverage, satisfaction) to four places. Both round half up,
as the bill rule does: 0.005 yuan is a fen, 1/32 is 0.0313, wherever it is
computed or shown.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
RATIO = Decimal("0.0001")


def fen(amount) -> Decimal:
    """`amount` rounded half up to the fen."""
    return Decimal(amount).quantize(FEN, rounding=ROUND_HALF_UP)


def ratio(part, whole) -> Decimal | None:
    """`part / whole` rounded half up to four places; None when `whole` is zero."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(RATIO, rounding=ROUND_HALF_UP)


def yuan_str(amount) -> str | None:
    """An amount as the API writes it ("62.50"); None stays None."""
    return None if amount is None else f"{fen(amount):.2f}"


def ratio_str(value) -> str | None:
    """A ratio as the API writes it ("0.6667"); None stays None."""
    return None if value is None else f"{Decimal(value).quantize(RATIO, ROUND_HALF_UP):.4f}"
