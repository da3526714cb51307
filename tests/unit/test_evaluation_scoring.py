"""The evaluation's score (docs/domain.md#evaluation): every item, missing data, ties, tiers,
the settings' shapes and the periods."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from pmsys.evaluation import periods
from pmsys.evaluation.scoring import (
    DEFAULT_SHEET,
    DEFAULT_TIERS,
    OrgFacts,
    Tier,
    score_all,
    score_items,
    sheet_from,
    tier_of,
    tiers_from,
)

FULL = {"collection_rate": D("0.8"), "on_time_rate": D("0.9"), "satisfaction_rate": D("1"),
        "callback_satisfaction_rate": D("0.5"), "reopen_rate": D("0.1"),
        "dispute_rate": D("0.2")}


def facts(org="A", deducted=D(0), **rates):
    return OrgFacts(org, org + " 物业", {**FULL, **rates}, deducted)


@pytest.mark.parametrize(("item", "value", "points"), [
    ("collection_rate", D("0.8"), D("20.00")),       # 25 × 0.8
    ("on_time_rate", D("0.9"), D("18.00")),          # 20 × 0.9
    ("satisfaction_rate", D("1"), D("15.00")),       # 15 × 1
    ("callback_satisfaction_rate", D("0.5"), D("7.50")),  # 15 × 0.5
    ("reopen_rate", D("0.1"), D("9.00")),            # 10 × (1 − 0.1): lower is better
    ("dispute_rate", D("0.2"), D("4.00")),           # 5 × (1 − 0.2)
])
def test_each_rate_item(item, value, points):
    items, _total = score_items(facts(), DEFAULT_SHEET)
    assert items[item].value == value
    assert items[item].weight == DEFAULT_SHEET[item]
    assert items[item].points == points


def test_inspection_deducts_from_its_weight_never_below_zero():
    items, total = score_items(facts(deducted=D("3.5")), DEFAULT_SHEET)
    assert (items["inspection"].value, items["inspection"].points) == (D("3.5"), D("6.50"))
    assert total == D("20") + D("18") + D("15") + D("7.5") + D("9") + D("4") + D("6.5")
    items, _ = score_items(facts(deducted=D(25)), DEFAULT_SHEET)
    assert items["inspection"].points == D("0.00")
    items, _ = score_items(facts(), DEFAULT_SHEET)
    assert items["inspection"].points == D("10.00")  # no deduction: full points


def test_a_missing_items_weight_goes_to_the_other_rate_items():
    """No calls (callback 15) and no bills (collection 25): the other 50 rate points grow to 90."""
    items, total = score_items(facts(collection_rate=None, callback_satisfaction_rate=None),
                               DEFAULT_SHEET)
    assert items["collection_rate"].value is None and items["collection_rate"].points is None
    assert items["collection_rate"].weight == 0
    scale = D(90) / D(50)
    assert items["on_time_rate"].weight == (20 * scale).quantize(D("0.01"))
    assert items["on_time_rate"].points == (20 * scale * D("0.9")).quantize(D("0.01"))
    assert items["inspection"].weight == 10  # inspection is never redistributed
    used = sum(i.weight for k, i in items.items() if k != "inspection")
    assert abs(used - 90) <= D("0.02")
    expected = 20 * scale * D("0.9") + 15 * scale + 10 * scale * D("0.9") \
        + 5 * scale * D("0.8") + 10
    assert total == expected.quantize(D("0.01"))


def test_an_organisation_with_nothing_measured_is_not_rated():
    nothing = OrgFacts("Z", "新物业", {}, D(2))
    items, total = score_items(nothing, DEFAULT_SHEET)
    assert total is None and items["inspection"].points == D("8.00")
    ranked = score_all([nothing, facts("A")])
    assert [(s.org, s.rank, s.tier) for s in ranked][1] == ("Z", None, None)
    assert ranked[0].rank == 1


def test_ties_share_a_rank_and_the_next_rank_skips():
    ranked = score_all([facts("C"), facts("A"), facts("B", deducted=D(1)),
                        facts("D", satisfaction_rate=D(0))])
    assert [(s.org, s.rank) for s in ranked] == [("A", 1), ("C", 1), ("B", 3), ("D", 4)]
    assert ranked[0].score == ranked[1].score == D("83.50")


def test_a_perfect_organisation_scores_100_and_the_top_tier():
    perfect = {"collection_rate": D(1), "on_time_rate": D(1), "satisfaction_rate": D(1),
               "callback_satisfaction_rate": D(1), "reopen_rate": D(0), "dispute_rate": D(0)}
    best, = score_all([facts(**perfect)])
    assert best.score == D("100.00") and best.tier.code == "excellent" and best.tier.reward


@pytest.mark.parametrize(("score", "tier"), [
    (D("90"), "excellent"), (D("89.99"), "good"), (D("80"), "good"), (D("60"), "qualified"),
    (D("59.99"), "unqualified"), (D("0"), "unqualified"), (None, None)])
def test_tiers_by_their_minimum(score, tier):
    found = tier_of(score, DEFAULT_TIERS)
    assert (found.code if found else None) == tier


def test_a_city_sheet_and_tiers():
    sheet = sheet_from({"collection_rate": 50, "satisfaction_rate": "40", "inspection": 10})
    ranked = score_all([facts("A")], sheet, tiers_from([
        {"tier": "reward", "min": 70, "reward": True}, {"tier": "rest", "min": 0}]))
    assert ranked[0].score == D("90.00") and ranked[0].tier == Tier("reward", D(70), True)
    assert set(ranked[0].items) == {"collection_rate", "satisfaction_rate", "inspection"}


@pytest.mark.parametrize("raw", [
    [], {}, {"colour": 100}, {"collection_rate": 60, "inspection": 30},
    {"collection_rate": 0, "inspection": 100}, {"collection_rate": True, "inspection": 99},
    {"collection_rate": "abc", "inspection": 10}, {"collection_rate": "NaN", "inspection": 10}])
def test_a_bad_sheet_is_refused(raw):
    with pytest.raises(ValueError):
        sheet_from(raw)


@pytest.mark.parametrize("raw", [
    {}, [], [{"tier": "a", "min": 10}], [{"tier": "a", "min": 0}, {"tier": "a", "min": 50}],
    [{"tier": "a", "min": 0}, {"tier": "b", "min": 0}], [{"tier": "a", "min": 101}],
    [{"tier": "", "min": 0}], [{"tier": "a", "min": 0, "reward": "yes"}],
    [{"tier": "a", "min": 0, "colour": 1}]])
def test_bad_tiers_are_refused(raw):
    with pytest.raises(ValueError):
        tiers_from(raw)


def test_defaults_when_the_city_sets_nothing():
    assert sheet_from(None) == DEFAULT_SHEET and sum(DEFAULT_SHEET.values()) == 100
    assert tiers_from(None) == DEFAULT_TIERS


@pytest.mark.parametrize(("code", "first", "last", "kind"), [
    ("2025", date(2025, 1, 1), date(2025, 12, 31), "year"),
    ("2024-02", date(2024, 2, 1), date(2024, 2, 29), "month"),
    ("2025-02-1", date(2025, 2, 1), date(2025, 2, 15), "half"),
    ("2025-02-2", date(2025, 2, 16), date(2025, 2, 28), "half"),
])
def test_periods(code, first, last, kind):
    period = periods.parse(code)
    assert (period.first, period.last, period.kind) == (first, last, kind)
    assert periods.of_day(first, kind) == code


@pytest.mark.parametrize("code", ["25", "2025-13", "2025-00", "2025-01-3", "1969", "x", None])
def test_bad_periods(code):
    with pytest.raises(ValueError):
        periods.parse(code)
