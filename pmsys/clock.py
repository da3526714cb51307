"""The one source of "now": tests and `run-job --now` set it, everything else reads it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, timezone

UTC = UTC
# China Standard Time has had no daylight saving since 1991, so a fixed offset is exact.
LOCAL_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")

_fixed: datetime | None = None


def now() -> datetime:
    """Return the current time, aware and in UTC (or the time set by `set_now`)."""
    return _fixed if _fixed is not None else datetime.now(UTC)


def today() -> date:
    """Return today's date in China Standard Time, where the communities are."""
    return now().astimezone(LOCAL_TZ).date()


def set_now(moment: datetime | None) -> None:
    """Fix the clock at `moment` (naive values are taken as UTC); None releases it."""
    global _fixed
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    _fixed = moment.astimezone(UTC) if moment is not None else None


@contextmanager
def frozen(moment: datetime) -> Iterator[None]:
    """Run a block as if the clock read `moment`, restoring the previous setting after."""
    previous = _fixed
    set_now(moment)
    try:
        yield
    finally:
        set_now(previous)


def parse_instant(text: str) -> datetime:
    """Parse an ISO 8601 time; a value without offset is taken as China Standard Time."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TZ)
    return moment.astimezone(UTC)
