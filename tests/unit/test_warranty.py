"""Art. 40 warranty ends, on every boundary (docs/domain.md#warranty)."""

from datetime import date

import pytest

from pmsys.assets.warranty import (
    HeatingSeason,
    WarrantyClass,
    add_years,
    in_warranty,
    statutory_end,
    warranty_class,
    warranty_end,
)

BAOTOU = HeatingSeason.parse({"start": "10-15", "end": "04-15"})
ACCEPTED = date(2021, 11, 20)


@pytest.mark.parametrize(
    ("category", "klass"),
    [
        ("roof_leak", WarrantyClass.waterproofing),
        ("facade", WarrantyClass.waterproofing),
        ("heating", WarrantyClass.heating),
        ("water_supply", WarrantyClass.installation),
        ("power", WarrantyClass.installation),
        ("common_parts", WarrantyClass.installation),
        ("road", WarrantyClass.by_contract),
        ("something_new", WarrantyClass.by_contract),
    ],
)
def test_category_classes(category, klass):
    assert warranty_class(category) is klass


def test_waterproofing_five_years_last_day_covered():
    end = statutory_end("roof_leak", ACCEPTED, BAOTOU)
    assert end == date(2026, 11, 20)
    assert in_warranty(end, date(2026, 11, 20))
    assert not in_warranty(end, date(2026, 11, 21))


def test_pipes_and_lines_two_years():
    end = statutory_end("water_supply", ACCEPTED, BAOTOU)
    assert end == date(2023, 11, 20)
    assert in_warranty(end, date(2023, 11, 20))
    assert not in_warranty(end, date(2023, 11, 21))


def test_heating_accepted_inside_a_season_counts_the_next_two_full_seasons():
    # 2021-11-20 falls inside the 2021-22 season, which is not full: 2022-23 and 2023-24 count.
    end = statutory_end("heating", ACCEPTED, BAOTOU)
    assert end == date(2024, 4, 15)
    assert in_warranty(end, date(2024, 4, 15))
    assert not in_warranty(end, date(2024, 4, 16))


def test_heating_accepted_outside_a_season():
    # Accepted in summer: the coming season is the first full one.
    assert statutory_end("heating", date(2022, 7, 1), BAOTOU) == date(2024, 4, 15)


def test_heating_accepted_on_the_first_day_of_a_season_counts_it():
    assert statutory_end("heating", date(2022, 10, 15), BAOTOU) == date(2024, 4, 15)
    assert statutory_end("heating", date(2022, 10, 16), BAOTOU) == date(2025, 4, 15)


def test_heating_season_within_one_calendar_year():
    # A cooling season, say, from 06-01 to 09-15 never crosses the new year.
    summer = HeatingSeason.parse({"start": "06-01", "end": "09-15"})
    assert statutory_end("heating", date(2021, 5, 31), summer) == date(2022, 9, 15)
    assert statutory_end("heating", date(2021, 6, 2), summer) == date(2023, 9, 15)


def test_no_statutory_minimum_for_contract_items():
    assert statutory_end("road", ACCEPTED, BAOTOU) is None
    assert warranty_end("road", ACCEPTED, BAOTOU) is None
    assert warranty_end("road", ACCEPTED, BAOTOU, date(2024, 1, 1)) == date(2024, 1, 1)


def test_contract_longer_than_the_minimum_wins_shorter_does_not():
    assert warranty_end("water_supply", ACCEPTED, BAOTOU, date(2025, 12, 31)) == date(2025, 12, 31)
    assert warranty_end("water_supply", ACCEPTED, BAOTOU, date(2022, 1, 1)) == date(2023, 11, 20)


def test_not_yet_accepted_has_only_the_contract_date():
    assert warranty_end("water_supply", None, BAOTOU) is None
    assert warranty_end("water_supply", None, BAOTOU, date(2030, 1, 1)) == date(2030, 1, 1)


def test_leap_day_acceptance():
    assert add_years(date(2024, 2, 29), 2) == date(2026, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)


def test_no_warranty_is_never_in_warranty():
    assert not in_warranty(None, ACCEPTED)


@pytest.mark.parametrize(
    "bad",
    [
        {"start": "13-01", "end": "04-15"},
        {"start": "10-15"},
        {"start": "x", "end": "04-15"},
        {"start": "02-30", "end": "03-01"},
    ],
)
def test_malformed_season_setting(bad):
    with pytest.raises((ValueError, KeyError)):
        HeatingSeason.parse(bad)
