"""How an amount of the maintenance fund is shared among households (docs/domain.md#fund).

Pure: no database, no Flask. Each household's share is `amount × weight / total weight`
rounded half up to the fen, the rule of the bills (pmsys.money); what the rounding leaves
over — a few fen either way — goes to the household of the largest weight (the first by id
on a tie), so that the shares add up to the amount exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from pmsys.money import fen


def apportion(amount: Decimal, weights: Mapping[int, Decimal]) -> dict[int, Decimal]:
    """Split `amount` over the keys of `weights` (positive weights only), shares by key.

    Keys whose share rounds to zero are left out; an empty or zero-weight mapping gives
    nothing (the caller refuses to share over nobody).
    """
    live = {key: Decimal(weight) for key, weight in weights.items() if weight and weight > 0}
    total = sum(live.values(), Decimal(0))
    if not live or total <= 0:
        return {}
    shares = {key: fen(amount * weight / total) for key, weight in sorted(live.items())}
    leftover = amount - sum(shares.values(), Decimal(0))
    if leftover:
        heaviest = min(live, key=lambda key: (-live[key], key))
        shares[heaviest] += leftover
    return {key: share for key, share in shares.items() if share}


def deposit_amount(area: Decimal, rate: Decimal) -> Decimal:
    """A household's deposit at `rate` yuan per m² of its exclusive area, to the fen."""
    return fen(Decimal(area) * Decimal(rate))
