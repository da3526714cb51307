"""Open311 GeoReport v2 routes (JSON): services, service requests filed and followed.

The `api_key` is an API token as issued by POST /api/v1/auth/token: the caller
sees and files exactly what it would through /api/v1. Errors answer in
Open311's format, a list of `{"code": HTTP status, "description": text}`.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from flask import g, jsonify, request
from flask_babel import refresh
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import HTTPException

from pmsys import categories, clock, throttle
from pmsys.api.helpers import use_callers_language
from pmsys.auth import permissions
from pmsys.auth.services import resolve_token
from pmsys.config import Config
from pmsys.errors import DomainError, InvalidInput, NotFound, Unauthenticated
from pmsys.extensions import db
from pmsys.models.tickets import OPEN_STATUSES, Channel, Ticket, TicketStatus
from pmsys.open311 import bp, shapes
from pmsys.tickets import services as ticket_services

# GeoReport v2: without dates, the last 90 days; at most 1000 requests per answer.
DEFAULT_SPAN = timedelta(days=90)
MAX_REQUESTS = 1000
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_NUMBER = re.compile(r"\d{8}-(\d{1,18})")
_TEXT_LIMIT = 4000
_STATUSES = {
    shapes.OPEN: sorted(OPEN_STATUSES),
    shapes.CLOSED: sorted(set(TicketStatus) - OPEN_STATUSES),
}


def _errors(status: int, description: str):
    response = jsonify([{"code": status, "description": description}])
    response.status_code = status
    return response


@bp.errorhandler(DomainError)
def _domain_error(error: DomainError):
    g.refusal = error  # audited when the request ends (pmsys/audit.py: refused_request)
    described = error.message
    if error.fields:
        described += " (" + "; ".join(f"{k}: {v}" for k, v in sorted(error.fields.items())) + ")"
    response = _errors(error.status, described)
    if getattr(error, "retry_after", None) is not None:
        response.headers["Retry-After"] = str(error.retry_after)
    return response


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    return _errors(error.code or 500, error.description or error.name)


@bp.before_request
def _refuse_unstorable_text():
    """Answer 400 to a NUL character in the URL, which no database column can store."""
    args = request.args.items(multi=True)
    if "\x00" in request.path or any("\x00" in k + v for k, v in args):
        raise InvalidInput("the URL contains a NUL character", code="invalid_characters")


def _language(user=None) -> None:
    """Answer in `locale` when asked (zh_CN or en), else in the caller's language."""
    asked = request.args.get("locale")
    if asked in Config.LANGUAGES:
        g.locale_override = asked
        refresh()
    else:
        use_callers_language(user)


def _fields() -> dict:
    """The fields of a POST: a JSON object or a form."""
    if request.is_json:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise InvalidInput("the body must be a JSON object", code="invalid_json")
        return data
    return request.form.to_dict()


def _text(data: dict, name: str, *, required: bool = False, max_length: int = 200) -> str:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise InvalidInput(f"{name} is required", fields={name: "required"})
        return ""
    if not isinstance(value, str) or len(value) > max_length:
        raise InvalidInput(f"{name} must be text of at most {max_length} characters",
                           fields={name: "malformed"})
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = "\x00"  # an unpaired surrogate: refused below like a NUL
    if "\x00" in value:
        raise InvalidInput(f"{name} contains a character that cannot be stored",
                           code="invalid_characters", fields={name: "malformed"})
    return value


def _user(key):
    """The user of an API key (an API token), or 401."""
    user = resolve_token(db.session, key) if isinstance(key, str) and key else None
    if user is None:
        raise Unauthenticated("a valid api_key is required", code="unauthenticated")
    _language(user)
    return user


def _list(name: str, allowed=None) -> list[str]:
    """A comma-delimited query parameter (GeoReport v2), each value checked."""
    values = [v.strip() for v in (request.args.get(name) or "").split(",") if v.strip()]
    if allowed is not None:
        unknown = [v for v in values if v not in allowed]
        if unknown:
            raise InvalidInput(f"unknown {name}: {', '.join(unknown)}",
                               fields={name: "one of " + ", ".join(sorted(allowed))})
    return values


def _moment(name: str, end: bool) -> datetime | None:
    """An ISO 8601 time; a bare day starts at its midnight (an end: the next midnight)."""
    value = request.args.get(name) or None
    if value is None:
        return None
    try:
        moment = clock.parse_instant(value)
        if end and _DAY.fullmatch(value):
            moment += timedelta(days=1)
    except (ValueError, OverflowError):
        raise InvalidInput(f"{name} must be an ISO 8601 time between the years 1 and 9999",
                           fields={name: "not a time"}) from None
    return moment


_LOADS = [selectinload(getattr(Ticket, name))
          for name in ("community", "building", "unit", "household", "assignee", "events")]


@bp.get("/services.json")
def services():
    """Every category as a service; public, it reveals no data."""
    _language()
    return jsonify(shapes.services_json())


@bp.get("/requests.json")
def list_requests():
    """The service requests the key's user may see, newest first."""
    user = _user(request.args.get("api_key"))
    query = ticket_services.visible_tickets(user)
    numbers = _list("service_request_id")
    if numbers:
        # GeoReport v2: with ids, every other filter is ignored.
        query = query.where(Ticket.number.in_(numbers))
    else:
        codes = _list("service_code", categories.CODES)
        statuses = _list("status", _STATUSES)
        start, end = _moment("start_date", end=False), _moment("end_date", end=True)
        if start is None and end is None:
            start = clock.now() - DEFAULT_SPAN
        if codes:
            query = query.where(Ticket.category.in_(codes))
        if statuses:
            query = query.where(Ticket.status.in_(
                [status for name in statuses for status in _STATUSES[name]]))
        if start is not None:
            query = query.where(Ticket.reported_at >= start)
        if end is not None:
            query = query.where(Ticket.reported_at < end)
    rows = db.session.scalars(
        query.options(*_LOADS).order_by(Ticket.reported_at.desc(), Ticket.id.desc())
        .limit(MAX_REQUESTS)
    ).all()
    return jsonify([shapes.request_json(ticket) for ticket in rows])


@bp.post("/requests.json")
def create_request():
    """File a service request as a ticket (channel open311); a hotline caller by name."""
    data = _fields()
    user = _user(data.get("api_key") or request.args.get("api_key"))
    address = _text(data, "address_string", required=True, max_length=300)
    try:
        place = shapes.parse_address(address)
    except ValueError:
        raise InvalidInput("address_string must be a place code such as CA/1/1/101",
                           fields={"address_string": "not a place code"}) from None
    caller = None
    names = (_text(data, "first_name"), _text(data, "last_name"))
    phone = _text(data, "phone", max_length=20)
    if permissions.may_file_for_callers(user) and (any(names) or phone):
        caller = {"name": shapes.caller_name(*names), "phone": phone}
    throttle.check_filing(db.session, user, request.remote_addr)
    ticket = ticket_services.file_ticket(
        db.session, user,
        category=_text(data, "service_code", required=True, max_length=64),
        description=_text(data, "description", required=True, max_length=_TEXT_LIMIT),
        caller=caller, channel=Channel.open311, **place,
    )
    answer = [{"service_request_id": ticket.number,
               "service_notice": shapes.service_notice(ticket), "account_id": None}]
    return jsonify(answer), 201


@bp.get("/requests/<ticket_id>.json")
def get_request(ticket_id: str):
    """One service request by its id (the ticket's number) or the ticket's numeric id."""
    user = _user(request.args.get("api_key"))
    number = _NUMBER.fullmatch(ticket_id)
    key = number.group(1) if number else ticket_id if ticket_id.isdigit() else None
    ticket = ticket_services.get_ticket_or_404(db.session, user, key)
    if number and ticket.number != ticket_id:
        raise NotFound(f"no service request {ticket_id}", code="ticket_not_found")
    return jsonify([shapes.request_json(ticket)])
