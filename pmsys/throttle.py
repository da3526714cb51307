"""Limits on how often one user or one client may do something (filing, uploading photos).

Counts live in the database, so every web worker counts against the same limit
(docs/reliability.md#rate-limits); a refusal is a 429 whose Retry-After says when the
oldest counted attempt leaves the window. Failed logins are counted from the
audit trail instead (pmsys/auth/services.py).

The pages, the API and Open311 call check_filing / check_photos before the filing
and photo services, and check_public_report before a report without a login.
Hotline staff file for many callers, so their own limit is higher, and a client
address counts only residents' filings (one office may enter every call of a street).
The counts are written in the request's unit of work: an attempt that fails for
another reason is not counted. A filing reads before it writes (pmsys/unit_of_work.py):
its count is read with the other reads and written with the ticket.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from pmsys import clock, unit_of_work
from pmsys.errors import TooManyRequests
from pmsys.models.auth import Role
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
        free_at = (oldest or now) + limit.window
        wait = (free_at - now).total_seconds()
        raise TooManyRequests(message, code="rate_limited", retry_after=int(wait) + 1)
    hits = [ThrottleHit(key=key, at=now) for _attempt in range(attempts)]
    unit_of_work.when_writing(session, lambda writing: writing.add_all(hits))


def forget_before(session: Session, moment) -> int:
    """Delete attempts older than `moment` (no limit looks back that far); how many."""
    return session.execute(delete(ThrottleHit).where(ThrottleHit.at < moment)).rowcount or 0


def _limit(name: str) -> Limit:
    count, window = current_app.config[name]
    return Limit(count, window)


def check_filing(session: Session, actor, client: str | None) -> None:
    """Count a filing by `actor` from `client` (an address), or refuse with 429."""
    if not current_app.config["RATE_LIMITS_ENABLED"]:
        return
    message = _("You have filed many tickets in a short time. Please wait a little.")
    resident = getattr(actor, "role", None) is Role.resident
    check(session, f"file:user:{actor.id}",
          _limit("FILING_LIMIT_RESIDENT" if resident else "FILING_LIMIT_STAFF"), message)
    if resident and client:
        check(session, f"file:client:{client}", _limit("FILING_LIMIT_CLIENT"), message)


def check_photos(session: Session, actor, client: str | None, count: int) -> None:
    """Count `count` photos uploaded by `actor` from `client`, or refuse them (429)."""
    if not current_app.config["RATE_LIMITS_ENABLED"] or count <= 0:
        return
    message = _("You have uploaded many photos in a short time. Please wait a little.")
    check(session, f"photo:user:{actor.id}", _limit("PHOTO_LIMIT_USER"), message, count)
    if client:
        check(session, f"photo:client:{client}", _limit("PHOTO_LIMIT_CLIENT"), message, count)


def check_public_report(session: Session, phone: str, client: str | None) -> None:
    """Count a report without a login for `phone` from `client`, or refuse it (429).

    The key holds a digest of the number, never the number itself.
    """
    if not current_app.config["RATE_LIMITS_ENABLED"]:
        return
    message = _("Many reports came from this phone or this device in a short time. "
                "Please wait, or call the hotline.")
    digest = hashlib.sha256(phone.encode()).hexdigest()[:32]
    check(session, f"public:phone:{digest}", _limit("PUBLIC_REPORT_LIMIT_PHONE"), message)
    if client:
        check(session, f"public:client:{client}", _limit("PUBLIC_REPORT_LIMIT_CLIENT"), message)
