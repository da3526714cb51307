"""Limits on how often one user or one client may do something (filing, uploading photos).

Counts live in the database, so every web worker counts against the same limit
(docs/reliability.md#passwords); a refusal is a 429 whose Retry-After says when the
oldest counted attempt leaves the window. Failed logins are counted from the
audit trail instead (pmsys/auth/services.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from pmsys import clock
from pmsys.errors import TooManyRequests
from pmsys.models.throttle import ThrottleHit


@dataclass(frozen=True)
class Limit:
    """At most `count` attempts within `window`."""

    count: int
    window: timedelta


def check(session: Session, key: str, limit: Limit, message: str, attempts: int = 1) -> None:
    """Count `attempts` under `key`, or refuse them all (429) when they would pass `limit`."""
    now = clock.now()
    since = now - limit.window
    recent, oldest = session.execute(
        select(func.count(ThrottleHit.id), func.min(ThrottleHit.at))
        .where(ThrottleHit.key == key, ThrottleHit.at > since)
    ).one()
    if recent + attempts > limit.count:
        wait = (oldest + limit.window - now).total_seconds() if oldest else limit.window.total_seconds()
        raise TooManyRequests(message, code="rate_limited", retry_after=int(wait) + 1)
    session.add_all([ThrottleHit(key=key, at=now) for _attempt in range(attempts)])


def forget_before(session: Session, moment) -> int:
    """Delete attempts older than `moment` (no limit looks back that far); how many."""
    return session.execute(delete(ThrottleHit).where(ThrottleHit.at < moment)).rowcount or 0
