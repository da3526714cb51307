"""The evaluation's score (考核评价, docs/domain.md#evaluation): a pure function of each
organisation's measures and the city's score sheet.

Items of the sheet, each with a weight (the weights add up to 100):

- `collection_rate`: property fees paid / fees asked on the period's bills (higher is better);
- `on_time_rate`: tickets resolved on time / resolved;
- `satisfaction_rate`: reporters' ratings 4–5 / rated;
- `callback_satisfaction_rate`: follow-up calls satisfied / reached;
- `reopen_rate`: reopened / resolved (lower is better: points for 1 − rate);
- `dispute_rate`: disputed / filed (lower is better);
- `inspection`: the street offices' inspection deductions of the period: the item's
  points are its weight less the points deducted, never below zero.

A rate item scores weight × rate (or weight × (1 − rate)). **Missing data**: a rate item
without anything to measure (no bills, no resolved or rated tickets, no calls) scores
nothing and its weight goes to the organisation's other rate items in proportion to
their weights (its `weight` in the answer is then 0, theirs the larger weights used);
inspection always has data (no deduction: full points). An organisation with no rate
item measured at all is not rated: no score, rank or tier.

The total is the sum of the points; points and totals are rounded half up to 2 places
(pmsys/money.py). Ranks: highest score first, equal scores share a rank and the next
rank skips (1, 1, 3); unrated organisations come last without a rank. The tier is the
first of the tiers, by falling minimum, whose minimum the score reaches.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from pmsys import money

HIGHER_IS_BETTER = ("collection_rate", "on_time_rate", "satisfaction_rate",
                    "callback_satisfaction_rate")
LOWER_IS_BETTER = ("reopen_rate", "dispute_rate")
RATE_ITEMS = HIGHER_IS_BETTER + LOWER_IS_BETTER
INSPECTION = "inspection"
ITEMS = RATE_ITEMS + (INSPECTION,)

DEFAULT_SHEET: dict[str, Decimal] = {
    "collection_rate": Decimal(25),
    "on_time_rate": Decimal(20),
    "satisfaction_rate": Decimal(15),
    "callback_satisfaction_rate": Decimal(15),
    "reopen_rate": Decimal(10),
    "dispute_rate": Decimal(5),
    INSPECTION: Decimal(10),
}


@dataclass(frozen=True)
class Tier:
    """A tier of the score: reached from `min` up; `reward`: earns 以奖代补 money."""

    code: str
    min: Decimal
    reward: bool = False


DEFAULT_TIERS = (
    Tier("excellent", Decimal(90), reward=True),
    Tier("good", Decimal(80)),
    Tier("qualified", Decimal(60)),
    Tier("unqualified", Decimal(0)),
)
HUNDRED = Decimal(100)
PLACES = 2


def _decimal(value, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        raise ValueError(f"{what} must be a number such as 25 or \"12.5\"")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{what} must be a number such as 25 or \"12.5\"") from None
    if not number.is_finite():
        raise ValueError(f"{what} must be a number such as 25 or \"12.5\"")
    return number


def sheet_from(raw) -> dict[str, Decimal]:
    """The setting `evaluation_sheet` as item → weight; None: the defaults. ValueError else.

    An object of known items with positive weights that add up to 100.
    """
    if raw is None:
        return dict(DEFAULT_SHEET)
    if not isinstance(raw, dict) or not raw:
        raise ValueError("must be an object of items and their weights")
    sheet = {}
    for item, weight in raw.items():
        if item not in ITEMS:
            raise ValueError(f"unknown item {item!r} (one of {', '.join(ITEMS)})")
        sheet[item] = _decimal(weight, f"the weight of {item}")
        if sheet[item] <= 0:
            raise ValueError(f"the weight of {item} must be more than 0")
    if sum(sheet.values()) != HUNDRED:
        raise ValueError("the weights must add up to 100")
    return sheet


def tiers_from(raw) -> tuple[Tier, ...]:
    """The setting `evaluation_tiers`, by falling minimum; None: the defaults. ValueError else.

    A list of {"tier", "min", "reward"?}: distinct codes and minimums from 0 to 100,
    one of them 0 (every score has a tier).
    """
    if raw is None:
        return DEFAULT_TIERS
    if not isinstance(raw, list) or not raw:
        raise ValueError("must be a list of tiers")
    tiers = []
    for entry in raw:
        if not isinstance(entry, dict) or set(entry) - {"tier", "min", "reward"}:
            raise ValueError('each tier is {"tier", "min", "reward"}')
        code = entry.get("tier")
        if not isinstance(code, str) or not 0 < len(code) <= 32:
            raise ValueError("a tier's code is a text of 1 to 32 characters")
        minimum = _decimal(entry.get("min"), f"the minimum of {code}")
        if not 0 <= minimum <= HUNDRED:
            raise ValueError(f"the minimum of {code} must be from 0 to 100")
        reward = entry.get("reward", False)
        if not isinstance(reward, bool):
            raise ValueError(f"the reward of {code} must be true or false")
        tiers.append(Tier(code, minimum, reward))
    if len({t.code for t in tiers}) != len(tiers) or len({t.min for t in tiers}) != len(tiers):
        raise ValueError("tiers need distinct codes and minimums")
    if not any(t.min == 0 for t in tiers):
        raise ValueError("one tier must start at 0")
    return tuple(sorted(tiers, key=lambda t: t.min, reverse=True))


@dataclass(frozen=True)
class OrgFacts:
    """What the score reads of one organisation in one period: its rates (None: nothing to
    measure) and the inspection points deducted."""

    org: str
    name: str
    rates: Mapping[str, Decimal | None] = field(default_factory=dict)
    deducted: Decimal = Decimal(0)


@dataclass(frozen=True)
class ItemScore:
    value: Decimal | None  # the rate, or the points deducted (inspection)
    weight: Decimal  # the weight used (0 for a missing item; more where one's went to it)
    points: Decimal | None


@dataclass(frozen=True)
class OrgScore:
    org: str
    name: str
    score: Decimal | None
    rank: int | None
    tier: Tier | None
    items: dict[str, ItemScore]


def _round(value: Decimal) -> Decimal:
    return money.round_half_up(value, PLACES)


def score_items(facts: OrgFacts, sheet: Mapping[str, Decimal]
                ) -> tuple[dict[str, ItemScore], Decimal | None]:
    """One organisation's items and total (None: no rate item measured)."""
    rate_weights = {item: w for item, w in sheet.items() if item in RATE_ITEMS}
    present = {item: w for item, w in rate_weights.items()
               if facts.rates.get(item) is not None}
    items: dict[str, ItemScore] = {}
    if not present and rate_weights:
        total = None
    else:
        total = Decimal(0)
    scale = (sum(rate_weights.values()) / sum(present.values())) if present else Decimal(0)
    for item, weight in sheet.items():
        if item == INSPECTION:
            points = max(Decimal(0), weight - facts.deducted)
            items[item] = ItemScore(facts.deducted, weight, _round(points))
            if total is not None:
                total += points
            continue
        value = facts.rates.get(item)
        if value is None:
            items[item] = ItemScore(None, Decimal(0), None)
            continue
        used = weight * scale
        share = value if item in HIGHER_IS_BETTER else 1 - value
        points = used * share
        items[item] = ItemScore(value, _round(used), _round(points))
        total += points
    return items, (None if total is None else _round(total))


def tier_of(score: Decimal | None, tiers: Iterable[Tier]) -> Tier | None:
    """The first tier (by falling minimum) whose minimum `score` reaches; None unrated."""
    if score is None:
        return None
    for tier in sorted(tiers, key=lambda t: t.min, reverse=True):
        if score >= tier.min:
            return tier
    return None


def score_all(facts: Iterable[OrgFacts], sheet: Mapping[str, Decimal] | None = None,
              tiers: Iterable[Tier] | None = None) -> list[OrgScore]:
    """Score, rank and tier every organisation; best first, ties by code, unrated last."""
    sheet = DEFAULT_SHEET if sheet is None else sheet
    tiers = tuple(DEFAULT_TIERS if tiers is None else tiers)
    scored = []
    for org in facts:
        items, total = score_items(org, sheet)
        scored.append((org, items, total))
    scored.sort(key=lambda entry: (entry[2] is None, -(entry[2] or 0), entry[0].org))
    results, previous, rank = [], None, 0
    for position, (org, items, total) in enumerate(scored, start=1):
        if total is not None and total != previous:
            rank, previous = position, total
        results.append(OrgScore(org.org, org.name, total, rank if total is not None else None,
                                tier_of(total, tiers), items))
    return results
