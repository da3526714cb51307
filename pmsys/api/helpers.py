"""Request parsing and response shaping shared by every API module."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps

from flask import g, request
from flask_babel import refresh
from sqlalchemy import func, select

from pmsys.api import bp
from pmsys.auth.services import resolve_token
from pmsys.config import Config
from pmsys.errors import Forbidden, InvalidInput, Unauthenticated
from pmsys.extensions import db

MAX_PER_PAGE = 200
DEFAULT_PER_PAGE = 50
# Far beyond any real list, and small enough that the offset fits a 64-bit integer.
MAX_PAGE = 1_000_000


@bp.before_request
def _refuse_nul_characters():
    """Answer 400 to a NUL character in the path or query string.

    PostgreSQL cannot store or compare text containing NUL, so such a value
    would otherwise fail inside the database driver with a 500.
    """
    args = request.args.items(multi=True)
    if "\x00" in request.path or any("\x00" in k + v for k, v in args):
        raise InvalidInput("the URL contains a NUL character", code="invalid_characters")


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


def use_callers_language(user) -> None:
    """Answer in the caller's chosen language (routing steps, notification texts)."""
    if user is not None and user.locale in Config.LANGUAGES:
        g.locale_override = user.locale
        refresh()


def json_body() -> dict:
    """Return the request's JSON object, or raise 400 with the envelope."""
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        # The json module gives up on very deep nesting with RecursionError, not ValueError.
        data = None
    if not isinstance(data, dict):
        raise InvalidInput("the body must be a JSON object", code="invalid_json")
    if _has_unstorable_text(data):
        raise InvalidInput(
            "the body contains a NUL character or an unpaired surrogate",
            code="invalid_characters",
        )
    return data


def _has_unstorable_text(value) -> bool:
    """Whether any string in a JSON value holds what no database column can store.

    JSON may escape a NUL ("\\u0000") or half a surrogate pair ("\\ud800");
    PostgreSQL refuses the first and no UTF-8 encoder accepts the second. The
    walk uses its own stack: a body nested as deep as the parser allows must
    not exhaust Python's.
    """
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def paging() -> tuple[int, int]:
    """Return (page, per_page) from the query string, validated (docs/api.md#lists)."""
    fields = {}
    values = {}
    limits = (("page", 1, MAX_PAGE), ("per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE))
    for name, default, upper in limits:
        raw = request.args.get(name)
        if raw is None or raw == "":
            values[name] = default
            continue
        try:
            value = int(raw)
        except ValueError:
            fields[name] = "must be a whole number"
            continue
        if not 1 <= value <= upper:
            fields[name] = f"must be between 1 and {upper}"
            continue
        values[name] = value
    if fields:
        raise InvalidInput("bad paging parameters", code="invalid_paging", fields=fields)
    return values["page"], values["per_page"]


def page_rows(query, paged=None) -> tuple[list, int]:
    """Run `query` for the requested page; return its rows and the total over all pages.

    `paged`: the view's typed query (`typed.Paged`); without it the query string is read.
    """
    return page_of_query(query, *((paged.page, paged.per_page) if paged is not None
                                  else paging()))


def page_of_query(query, page: int, per_page: int) -> tuple[list, int]:
    """Run `query` for page `page` of `per_page` rows; return them and the total over all pages."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return list(rows), total or 0


def paginate(query, serialise: Callable) -> dict:
    """Run `query` for the requested page: `{"items": [...], "total": N}`."""
    rows, total = page_rows(query)
    return {"items": [serialise(row) for row in rows], "total": total}


def date_str(value: date | None) -> str | None:
    """Format a date as YYYY-MM-DD."""
    return value.isoformat() if value else None
