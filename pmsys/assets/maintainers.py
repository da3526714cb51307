"""Who maintains an asset on a date (docs/domain.md#handovers): pure rules over its history.

An asset's maintenance history is a list of stints (organisation, first day,
last day or None while current). A hand-over effective on day D closes the
current stint on D - 1 and opens the receiver's on D, so the stints never
overlap and "who maintained this asset on D" has one answer for every D.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Generic, TypeVar

Org = TypeVar("Org")


@dataclass(frozen=True)
class Stint(Generic[Org]):
    """One organisation's time as maintainer, `start` through `end` inclusive."""

    org: Org
    start: date
    end: date | None = None

    def covers(self, on: date) -> bool:
        return self.start <= on and (self.end is None or on <= self.end)


class HistoryConflict(ValueError):
    """A new stint would not follow the history (it starts before the current one)."""


def maintainer_on(stints: Iterable[Stint[Org]], on: date) -> Org | None:
    """The maintainer on `on`, or None when nobody had taken the asset over by then."""
    for stint in stints:
        if stint.covers(on):
            return stint.org
    return None


def hand_over(stints: Sequence[Stint[Org]], receiver: Org, effective_on: date) -> list[Stint[Org]]:
    """Return the history after a hand-over to `receiver` effective on `effective_on`.

    The open stint (if any) ends the day before. A hand-over dated before the
    start of the latest stint would rewrite history and is refused.
    """
    history = sorted(stints, key=lambda s: s.start)
    if history and effective_on <= history[-1].start:
        raise HistoryConflict(
            f"effective date {effective_on} is not after the current maintainer's start "
            f"{history[-1].start}"
        )
    if history and (history[-1].end is None or history[-1].end >= effective_on):
        history[-1] = replace(history[-1], end=effective_on - timedelta(days=1))
    history.append(Stint(receiver, effective_on))
    return history


def overlapping(stints: Sequence[Stint[Org]]) -> bool:
    """Whether any two stints share a day (a history that must never be stored)."""
    ordered = sorted(stints, key=lambda s: s.start)
    for earlier, later in zip(ordered, ordered[1:], strict=False):
        if earlier.end is None or earlier.end >= later.start:
            return True
    return False
