"""Open311 GeoReport v2 routes, each in JSON (`.json`) and XML (`.xml`).

Reading is public: without an `api_key` anybody reads every service request in
its public shape (pmsys/open311/shapes.py: no names, phone numbers or home
numbers), at most 90 days at a time. With an `api_key` (an API token as issued
by POST /api/v1/auth/token) the caller sees what it would through /api/v1, with
the full place. Filing needs a key. `jurisdiction_id` is accepted and ignored:
one pmsys serves one jurisdiction. Errors answer in Open311's format, a list of
`{"code": HTTP status, "description": text}` (XML: errors/error/code,description).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from flask import current_app, g, request, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import HTTPException

from pmsys import categories, clock, throttle, unit_of_work
from pmsys.api.helpers import use_callers_language
from pmsys.auth import permissions
from pmsys.auth.services import resolve_token
from pmsys.config import Config
from pmsys.db import valid_id
from pmsys.errors import DomainError, InvalidInput, NotFound, Unauthenticated
from pmsys.extensions import db
from pmsys.models.tickets import OPEN_STATUSES, Channel, Ticket, TicketStatus
from pmsys.open311 import bp, shapes
from pmsys.open311.formats import FORMATS, answer
from pmsys.tickets import services as ticket_services
from pmsys.unit_of_work import reads_first

# GeoReport v2: without dates, the last 90 days; at most 1000 requests per answer.
DEFAULT_SPAN = timedelta(days=90)
MAX_REQUESTS = 1000
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_NUMBER = re.compile(r"\d{8}-(\d{1,18})")
_FORMAT = "<any(json, xml):fmt>"
# When the resources of this document last changed (the discovery's changeset).
CHANGESET = "2026-12-06T00:00:00+08:00"
_TEXT_LIMIT = 4000
_STATUSES = {
    shapes.OPEN: sorted(OPEN_STATUSES),
    shapes.CLOSED: sorted(set(TicketStatus) - OPEN_STATUSES),
}


def _asked_format() -> str:
    """The format of the URL (`….xml` or `….json`); JSON when it names neither."""
    suffix = request.path.rsplit(".", 1)[-1]
    return suffix if suffix in FORMATS else "json"


def _errors(status: int, description: str):
    return answer(_asked_format(), "errors", [{"code": status, "description": description}],
                  status)


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
    """The fields of a POST: a form (the specification), or a JSON object as well."""
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


def api_client(key):
    """Who an `api_key` acts for: today a user's API token; None when it is no valid key.

    The one place that reads a key, so that an organisation's API key can be
    recognised here as well.
    """
    if not isinstance(key, str) or not key:
        return None
    return resolve_token(db.session, key)


def _user(key):
    """The user of an API key, or 401."""
    user = api_client(key)
    if user is None:
        raise Unauthenticated("a valid api_key is required", code="unauthenticated")
    _language(user)
    return user


def _reader():
    """The caller of a read: the key's user, None without a key, 401 for a wrong key."""
    if "api_key" not in request.args:
        _language()
        return None
    return _user(request.args.get("api_key"))


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


def _category(service_code: str) -> categories.Category:
    try:
        return categories.get(service_code)
    except KeyError:
        raise NotFound(f"no service {service_code}", code="service_not_found") from None


@bp.get(f"/discovery.{_FORMAT}")
def discovery(fmt: str):
    """Where this endpoint is, which specification it follows, in which formats; public."""
    _language()
    root = url_for("open311.services", fmt="json", _external=True).rsplit("/", 1)[0]
    return answer(fmt, "discovery", {
        "changeset": CHANGESET,
        "contact": _("Citizens' service hotline %(phone)s",
                     phone=current_app.config["CITY_HOTLINE"]),
        # Keys are API tokens, issued to a login by the API (docs/api.md#open311).
        "key_service": url_for("api.create_token", _external=True),
        "endpoints": [{
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": root,
            "changeset": CHANGESET,
            "type": "production",
            "formats": ["application/json", "text/xml"],
        }],
    })


@bp.get(f"/services.{_FORMAT}")
def services(fmt: str):
    """Every category as a service; public, it reveals no data."""
    _language()
    return answer(fmt, "services", shapes.services_json())


@bp.get(f"/services/<service_code>.{_FORMAT}")
def service_definition(service_code: str, fmt: str):
    """What a filing of one service may add (its attributes); public."""
    _language()
    return answer(fmt, "service_definition",
                  shapes.service_definition_json(_category(service_code)))


def _filtered(query):
    """`query` narrowed by GeoReport v2's filters; the window is at most 90 days when public."""
    numbers = _list("service_request_id")
    if numbers:
        # GeoReport v2: with ids, every other filter is ignored.
        return query.where(Ticket.number.in_(numbers[:MAX_REQUESTS]))
    codes = _list("service_code", categories.CODES)
    statuses = _list("status", _STATUSES)
    start, end = _moment("start_date", end=False), _moment("end_date", end=True)
    if start is None and end is None:
        start = clock.now() - DEFAULT_SPAN
    if g.open311_public:
        start, end = _public_window(start, end)
    if codes:
        query = query.where(Ticket.category.in_(codes))
    if statuses:
        query = query.where(Ticket.status.in_(
            [status for name in statuses for status in _STATUSES[name]]))
    if start is not None:
        query = query.where(Ticket.reported_at >= start)
    if end is not None:
        query = query.where(Ticket.reported_at < end)
    return query


def _public_window(start: datetime | None, end: datetime | None):
    """Anybody reads 90 days at a time (the span GeoReport v2 allows): the asked window, cut."""
    try:
        if start is None:
            start = end - DEFAULT_SPAN
        elif end is None and clock.now() - start > DEFAULT_SPAN:
            end = start + DEFAULT_SPAN
    except OverflowError:
        raise InvalidInput("the dates must lie between the years 1 and 9999",
                           fields={"start_date": "not a time"}) from None
    if end is not None and end - start > DEFAULT_SPAN:
        raise InvalidInput("start_date and end_date may be at most 90 days apart",
                           fields={"end_date": "more than 90 days after start_date"})
    return start, end


def _shape(user):
    return shapes.public_request_json if user is None else shapes.request_json


@bp.get(f"/requests.{_FORMAT}")
def list_requests(fmt: str):
    """Service requests newest first: every one in public shape, or those of the key's user."""
    user = _reader()
    g.open311_public = user is None
    query = select(Ticket) if user is None else ticket_services.visible_tickets(user)
    rows = db.session.scalars(
        _filtered(query).options(*_LOADS)
        .order_by(Ticket.reported_at.desc(), Ticket.id.desc()).limit(MAX_REQUESTS)
    ).all()
    shape = _shape(user)
    return answer(fmt, "service_requests", [shape(ticket) for ticket in rows])


def _attributes(data: dict, category: str) -> dict:
    """The place fields a filing's attributes add (`attribute[inside_home]`, `attribute[asset]`)."""
    service = categories.BY_CODE.get(category)
    known = {a["code"] for a in shapes.attributes(service)} if service else set()
    given = {name: _text(data, f"attribute[{name}]", max_length=64) for name in known}
    if isinstance(data.get("attribute"), dict):  # a JSON body may nest them
        nested = data["attribute"]
        given.update({name: _text(nested, name, max_length=64) for name in known
                      if nested.get(name) not in (None, "")})
    extra = {}
    if given.get("inside_home"):
        if given["inside_home"] not in (shapes.TRUE, shapes.FALSE):
            raise InvalidInput("attribute[inside_home] must be true or false",
                               fields={"attribute[inside_home]": "true or false"})
        extra["inside_home"] = given["inside_home"] == shapes.TRUE
    if given.get("asset"):
        extra["asset"] = given["asset"]
    return extra


@bp.post(f"/requests.{_FORMAT}")
@reads_first
def create_request(fmt: str):
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
    category = _text(data, "service_code", required=True, max_length=64)
    place.update(_attributes(data, category))
    throttle.check_filing(db.session, user, request.remote_addr)
    ticket = ticket_services.file_ticket(
        db.session, user, category=category,
        description=_text(data, "description", required=True, max_length=_TEXT_LIMIT),
        caller=caller, channel=Channel.open311, **place,
    )
    unit_of_work.writes_done(db.session)
    # Filed at once: the answer carries the id, never a token to ask for it later.
    filed = [{"service_request_id": ticket.number,
              "service_notice": shapes.service_notice(ticket), "account_id": None}]
    return answer(fmt, "service_requests", filed, 201)


@bp.get(f"/requests/<ticket_id>.{_FORMAT}")
def get_request(ticket_id: str, fmt: str):
    """One service request by its id (the ticket's number) or the ticket's numeric id."""
    user = _reader()
    number = _NUMBER.fullmatch(ticket_id)
    key = number.group(1) if number else ticket_id if ticket_id.isdigit() else None
    if user is None:
        ticket = _public_ticket(key, ticket_id)
    else:
        ticket = ticket_services.get_ticket_or_404(db.session, user, key)
    if number and ticket.number != ticket_id:
        raise NotFound(f"no service request {ticket_id}", code="ticket_not_found")
    return answer(fmt, "service_requests", [_shape(user)(ticket)])


def _public_ticket(key: str | None, asked: str) -> Ticket:
    """The ticket of a numeric id for anybody, or 404."""
    ticket, row_id = None, valid_id(key)
    if row_id is not None:
        ticket = db.session.scalars(
            select(Ticket).where(Ticket.id == row_id).options(*_LOADS)).one_or_none()
    if ticket is None:
        raise NotFound(f"no service request {asked}", code="ticket_not_found")
    return ticket


@bp.get(f"/tokens/<token>.{_FORMAT}")
def get_token(token: str, fmt: str):
    """The request id of a token: pmsys files at once and issues no tokens, so none is known."""
    _language()
    raise NotFound(f"no token {token}: a filing answers its service_request_id at once",
                   code="token_not_found")
