"""Evaluation periods (docs/domain.md#evaluation): a year `YYYY`, a month `YYYY-MM`, or a half
month `YYYY-MM-1` (days 1–15) / `YYYY-MM-2` (the 16th to the month's end)."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

PATTERN = r"^(19[7-9]\d|2\d{3})(-(0[1-9]|1[0-2])(-[12])?)?$"
_PERIOD = re.compile(PATTERN)
FIRST_YEAR, LAST_YEAR = 1970, 2999


@dataclass(frozen=True)
class Period:
    code: str
    first: date
    last: date

    @property
    def kind(self) -> str:
        """"year", "month" or "half"."""
        return {4: "year", 7: "month"}.get(len(self.code), "half")

    @property
    def months(self) -> tuple[str, str]:
        """The first and last `YYYY-MM` of the period (the bills it reads)."""
        return self.first.strftime("%Y-%m"), self.last.strftime("%Y-%m")


def parse(code: str) -> Period:
    """The period a code names; ValueError for anything else."""
    if not isinstance(code, str) or not _PERIOD.match(code):
        raise ValueError("a period is YYYY, YYYY-MM or a half month YYYY-MM-1 / YYYY-MM-2")
    year = int(code[:4])
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"a year from {FIRST_YEAR} to {LAST_YEAR}")
    if len(code) == 4:
        return Period(code, date(year, 1, 1), date(year, 12, 31))
    month = int(code[5:7])
    end = calendar.monthrange(year, month)[1]
    if len(code) == 7:
        return Period(code, date(year, month, 1), date(year, month, end))
    if code.endswith("-1"):
        return Period(code, date(year, month, 1), date(year, month, 15))
    return Period(code, date(year, month, 16), date(year, month, end))


def of_day(day: date, kind: str) -> str:
    """The code of the period of this kind ("year", "month", "half") that holds `day`."""
    if kind == "year":
        return f"{day.year:04d}"
    month = f"{day.year:04d}-{day.month:02d}"
    if kind == "month":
        return month
    return f"{month}-{1 if day.day <= 15 else 2}"
