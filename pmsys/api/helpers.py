"""Request parsing and response shaping shared by every API module."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import wraps

from flask import g, request
from sqlalchemy import func, select

from pmsys.auth.services import resolve_token
from pmsys.errors import Forbidden, InvalidInput, Unauthenticated
from pmsys.extensions import db

MAX_PER_PAGE = 200
DEFAULT_PER_PAGE = 50


def bearer_token() -> str | None:
    """Return the token of an `Authorization: Bearer …` header, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def api_login_required(view: Callable) -> Callable:
    """Require a valid bearer token; the user is then `g.api_user`."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        user = resolve_token(db.session, bearer_token() or "")
        if user is None:
            raise Unauthenticated("a valid bearer token is required", code="unauthenticated")
        g.api_user = user
        return view(*args, **kwargs)

    return wrapper


def require(condition: bool, message: str = "not allowed") -> None:
    """Raise Forbidden (403) unless `condition` holds."""
    if not condition:
        raise Forbidden(message)


def json_body() -> dict:
    """Return the request's JSON object, or raise 400 with the envelope."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidInput("the body must be a JSON object", code="invalid_json")
    return data


def paging() -> tuple[int, int]:
    """Return (page, per_page) from the query string, validated (API.md, Lists)."""
    fields = {}
    values = {}
    for name, default, upper in (("page", 1, None), ("per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)):
        raw = request.args.get(name)
        if raw is None or raw == "":
            values[name] = default
            continue
        try:
            value = int(raw)
        except ValueError:
            fields[name] = "must be a whole number"
            continue
        if value < 1 or (upper is not None and value > upper):
            fields[name] = f"must be between 1 and {upper}" if upper else "must be at least 1"
            continue
        values[name] = value
    if fields:
        raise InvalidInput("bad paging parameters", code="invalid_paging", fields=fields)
    return values["page"], values["per_page"]


def paginate(query, serialise: Callable) -> dict:
    """Run `query` for the requested page: `{"items": [...], "total": N}`."""
    page, per_page = paging()
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": [serialise(row) for row in rows], "total": total or 0}


def decimal_str(value: Decimal | None, places: int = 2) -> str | None:
    """Format a Decimal as the API's decimal string ("62.50")."""
    if value is None:
        return None
    return f"{Decimal(value):.{places}f}"


def date_str(value: date | None) -> str | None:
    """Format a date as YYYY-MM-DD."""
    return value.isoformat() if value else None
