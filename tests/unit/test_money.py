"""pmsys/money.py: the one rounding of amounts and ratios, half up."""

from __future__ import annotations

from decimal import Decimal as D

from pmsys import money


def test_amounts_round_half_up_to_the_fen():
    assert money.fen(D("0.125")) == D("0.13")
    assert money.fen(D("0.135")) == D("0.14")
    assert money.fen(D("-0.125")) == D("-0.13")  # half away from zero
    assert money.fen(7) == D("7.00")


def test_a_float_rounds_as_the_decimal_it_prints_as():
    # SQLite returns sums as floats; 0.145 must not become 0.14 through 0.144999….
    assert money.fen(0.145) == D("0.15")
    assert money.round_ratio(0.03125) == D("0.0313")


def test_ratios_round_half_up_to_four_places():
    assert money.ratio(1, 32) == D("0.0313")
    assert money.ratio(2, 3) == D("0.6667")
    assert money.ratio(1, 0) is None
    # Counts, amounts, texts and SQLite's floats alike.
    assert money.ratio(D("1.00"), 3) == money.ratio(1, D("3.00")) == D("0.3333")
    assert money.ratio("1", "3") == money.ratio(0.1, 0.3) == D("0.3333")
    assert money.ratio(D("0.00"), D("0.00")) is None and money.ratio(5, 0.0) is None
    assert money.round_ratio(D("0.00005")) == D("0.0001")


def test_texts_of_amounts_ratios_and_percentages():
    assert money.yuan_str(D("0.125")) == "0.13"
    assert money.yuan_str(D("62.5")) == "62.50"
    assert money.ratio_str(D("0.03125")) == "0.0313"
    assert money.decimal_str(D("0.12345"), 4) == "0.1235"
    assert money.decimal_str(None) is None and money.ratio_str(None) is None
    assert money.percent_str(money.ratio(1, 32)) == "3.13 %"
    assert money.percent_str(D("0.03125")) == "3.13 %"
    assert money.percent_str(None) == "0.00 %"


def test_a_decimal_already_to_the_places_is_written_as_rounding_would_write_it():
    # yuan_str and ratio_str write such a Decimal as it is; any other is rounded first.
    for text in ("62.50", "0.00", "-0.00", "123456789.12", "62.5", "1E+2", "0.125", "-0.125",
                 "7", "0E-10", "1.5E+12"):
        assert money.yuan_str(D(text)) == f"{money.fen(D(text)):.2f}"
        assert money.ratio_str(D(text)) == f"{money.round_ratio(D(text)):.4f}"
    assert money.yuan_str(D("1E+2")) == "100.00" and money.yuan_str(D("-0.125")) == "-0.13"
    assert money.ratio_str(D("0.0000")) == "0.0000" and money.ratio_str(D("0.00")) == "0.0000"
