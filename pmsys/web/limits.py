"""How often one login or one client may file tickets and upload photos (429 beyond).

The pages, the API and Open311 check here before they call the filing and photo
services; the counts are shared by every worker (pmsys/throttle.py). Hotline
staff file for many callers, so their own limit is higher, and a client address
counts only residents' filings (one office may enter every call of a street).
"""

from __future__ import annotations

from flask import current_app, request
from flask_babel import gettext as _

from pmsys import throttle
from pmsys.extensions import db
from pmsys.models.auth import Role


def _limit(name: str) -> throttle.Limit:
    count, window = current_app.config[name]
    return throttle.Limit(count, window)


def check_filing(actor) -> None:
    """Count a filing by `actor` from this request's client, or refuse with 429."""
    if not current_app.config["RATE_LIMITS_ENABLED"]:
        return
    message = _("You have filed many tickets in a short time. Please wait a little.")
    resident = getattr(actor, "role", None) is Role.resident
    throttle.check(db.session, f"file:user:{actor.id}",
                   _limit("FILING_LIMIT_RESIDENT" if resident else "FILING_LIMIT_STAFF"), message)
    if resident and request.remote_addr:
        throttle.check(db.session, f"file:client:{request.remote_addr}",
                       _limit("FILING_LIMIT_CLIENT"), message)


def check_photos(actor, count: int) -> None:
    """Count `count` photos uploaded by `actor` from this request's client, or refuse (429)."""
    if not current_app.config["RATE_LIMITS_ENABLED"] or count <= 0:
        return
    message = _("You have uploaded many photos in a short time. Please wait a little.")
    throttle.check(db.session, f"photo:user:{actor.id}", _limit("PHOTO_LIMIT_USER"), message,
                   count)
    if request.remote_addr:
        throttle.check(db.session, f"photo:client:{request.remote_addr}",
                       _limit("PHOTO_LIMIT_CLIENT"), message, count)
