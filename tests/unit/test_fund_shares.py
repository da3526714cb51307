"""How the maintenance fund shares an amount among households (docs/domain.md#fund)."""

from __future__ import annotations

from decimal import Decimal

from pmsys.fund.shares import apportion, deposit_amount


def test_shares_follow_the_weights_and_add_up_to_the_amount():
    shares = apportion(Decimal("100.00"), {1: Decimal("80"), 2: Decimal("40"),
                                           3: Decimal("80")})
    assert shares == {1: Decimal("40.00"), 2: Decimal("20.00"), 3: Decimal("40.00")}


def test_the_rounding_leftover_goes_to_the_heaviest_household_first_by_id():
    # 100 / 3 = 33.333…: each 33.33 half up, the fen left over to household 2 (the first of
    # the heaviest).
    shares = apportion(Decimal("100.00"), {5: Decimal("1"), 2: Decimal("1"), 9: Decimal("1")})
    assert shares == {2: Decimal("33.34"), 5: Decimal("33.33"), 9: Decimal("33.33")}
    assert sum(shares.values()) == Decimal("100.00")
    uneven = apportion(Decimal("0.05"), {1: Decimal("10"), 2: Decimal("30"), 3: Decimal("10")})
    # 0.01, 0.03, 0.01 → exactly 0.05; nothing to move.
    assert uneven == {1: Decimal("0.01"), 2: Decimal("0.03"), 3: Decimal("0.01")}


def test_half_a_fen_rounds_up_and_the_excess_comes_off_the_heaviest():
    # 0.03 over two equal halves: 0.015 → 0.02 each, 0.04 in all; the heaviest (first) gives
    # one back.
    assert apportion(Decimal("0.03"), {1: Decimal("1"), 2: Decimal("1")}) == {
        1: Decimal("0.01"), 2: Decimal("0.02")}


def test_negative_amounts_share_the_same_way():
    shares = apportion(Decimal("-100.00"), {1: Decimal("1"), 2: Decimal("2")})
    assert shares == {1: Decimal("-33.33"), 2: Decimal("-66.67")}


def test_no_weight_no_shares_and_zero_weights_take_no_part():
    assert apportion(Decimal("10.00"), {}) == {}
    assert apportion(Decimal("10.00"), {1: Decimal("0"), 2: Decimal("-5")}) == {}
    assert apportion(Decimal("10.00"), {1: Decimal("0"), 2: Decimal("3")}) == {2: Decimal("10.00")}


def test_a_deposit_is_area_times_rate_half_up_to_the_fen():
    assert deposit_amount(Decimal("60.25"), Decimal("0.5")) == Decimal("30.13")
    assert deposit_amount(Decimal("80.00"), Decimal("30")) == Decimal("2400.00")
