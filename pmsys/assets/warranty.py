"""Statutory minimum warranty of renovation work (docs/domain.md#warranty).

建设工程质量管理条例 (Regulation on the Quality Management of Construction
Projects) Art. 40: under normal use the minimum warranty periods are
  (1) foundations and main structure: the design service life;
  (2) roof waterproofing, waterproofed rooms and walls against seepage: 5 years;
  (3) heating and cooling systems: 2 heating or cooling seasons;
  (4) electrical lines, water supply and drainage pipes, equipment installation
      and decoration: 2 years;
other items as agreed by the parties. The period runs from the day the work
passes acceptance (竣工验收合格之日), and the warranty covers its last day.
A contract may give longer, never shorter.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date


class WarrantyClass(enum.StrEnum):
    waterproofing = "waterproofing"  # Art. 40 (2): 5 years
    heating = "heating"  # Art. 40 (3): 2 heating seasons
    installation = "installation"  # Art. 40 (4): 2 years
    structure = "structure"  # Art. 40 (1): design service life, set by contract/design
    by_contract = "by_contract"  # no statutory minimum: only what the contract says


# The Art. 40 class of each asset category (docs/domain.md#categories).
CATEGORY_CLASS: dict[str, WarrantyClass] = {
    "roof_leak": WarrantyClass.waterproofing,
    "facade": WarrantyClass.waterproofing,
    "heating": WarrantyClass.heating,
    "water_supply": WarrantyClass.installation,
    "drainage": WarrantyClass.installation,
    "gas": WarrantyClass.installation,
    "power": WarrantyClass.installation,
    "telecom": WarrantyClass.installation,
    "cable_tv": WarrantyClass.installation,
    "elevator": WarrantyClass.installation,
    "lighting": WarrantyClass.installation,
    "access_security": WarrantyClass.installation,
    "fire_safety": WarrantyClass.installation,
    "ev_charging": WarrantyClass.installation,
    "fitness": WarrantyClass.installation,
    "parcel_locker": WarrantyClass.installation,
    "common_parts": WarrantyClass.installation,  # decoration of stairwells and halls
    "road": WarrantyClass.by_contract,
    "greenery": WarrantyClass.by_contract,
    "waste": WarrantyClass.by_contract,
    "illegal_building": WarrantyClass.by_contract,
    "parking": WarrantyClass.by_contract,
    "occupied_space": WarrantyClass.by_contract,
    "disorder": WarrantyClass.by_contract,
    "service_complaint": WarrantyClass.by_contract,
    "other": WarrantyClass.by_contract,
}

YEARS = {WarrantyClass.waterproofing: 5, WarrantyClass.installation: 2}
HEATING_SEASONS = 2


@dataclass(frozen=True)
class HeatingSeason:
    """A region's heating season: month/day of its first and last day (Baotou 10-15..04-15)."""

    start: tuple[int, int]
    end: tuple[int, int]

    @classmethod
    def parse(cls, setting: dict) -> HeatingSeason:
        """Build from the setting {"start": "MM-DD", "end": "MM-DD"}; ValueError when malformed."""

        def month_day(text: str) -> tuple[int, int]:
            month, day = (int(part) for part in text.split("-"))
            date(2000, month, day)  # a leap year, so 02-29 is accepted; raises when impossible
            return month, day

        return cls(month_day(setting["start"]), month_day(setting["end"]))

    def first_start_on_or_after(self, day: date) -> date:
        """The first day of the first season that starts on or after `day`."""
        candidate = _on(day.year, self.start)
        return candidate if candidate >= day else _on(day.year + 1, self.start)

    def end_of_season_starting(self, start: date) -> date:
        """The last day of the season that starts on `start` (it may end the next year)."""
        same_year = _on(start.year, self.end)
        return same_year if same_year >= start else _on(start.year + 1, self.end)


def _on(year: int, month_day: tuple[int, int]) -> date:
    month, day = month_day
    if (month, day) == (2, 29):
        try:
            return date(year, 2, 29)
        except ValueError:
            return date(year, 2, 28)
    return date(year, month, day)


def add_years(day: date, years: int) -> date:
    """The same calendar day `years` later; 29 February becomes 28 February in common years."""
    return _on(day.year + years, (day.month, day.day))


def warranty_class(category: str) -> WarrantyClass:
    """The Art. 40 class of an asset category; unknown categories have no statutory minimum."""
    return CATEGORY_CLASS.get(category, WarrantyClass.by_contract)


def statutory_end(category: str, accepted_on: date, season: HeatingSeason) -> date | None:
    """The last day of the statutory minimum warranty, or None where the law sets none."""
    klass = warranty_class(category)
    if klass in YEARS:
        return add_years(accepted_on, YEARS[klass])
    if klass is WarrantyClass.heating:
        # Count only full seasons that start on or after acceptance (docs/domain.md#warranty).
        first = season.first_start_on_or_after(accepted_on)
        last_start = _on(first.year + HEATING_SEASONS - 1, season.start)
        return season.end_of_season_starting(last_start)
    return None


def warranty_end(
    category: str,
    accepted_on: date | None,
    season: HeatingSeason,
    contract_until: date | None = None,
) -> date | None:
    """The warranty's last covered day: the contract's date where longer than the law's."""
    statutory = statutory_end(category, accepted_on, season) if accepted_on else None
    candidates = [d for d in (statutory, contract_until) if d is not None]
    return max(candidates) if candidates else None


def in_warranty(end: date | None, on: date) -> bool:
    """Whether a report made on `on` falls within a warranty whose last day is `end`."""
    return end is not None and on <= end
