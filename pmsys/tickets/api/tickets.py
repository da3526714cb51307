"""API: filing, listing and reading tickets, acting on them, and the routing preview."""

from __future__ import annotations

from datetime import date

from flask import g
from sqlalchemy.orm import selectinload

from pmsys import clock
from pmsys.api import bp
from pmsys.api.helpers import api_login_required, json_body, page_rows
from pmsys.api.inputs import (
    CODE_LENGTH,
    Body,
    choice_arg,
    day_arg,
    flag_arg,
    text_arg,
    use_callers_language,
)
from pmsys.api.openapi import (
    CODE,
    DATE,
    PAGING_PARAMETERS,
    TEXT_PARAMETER,
    describe,
    errors,
    json_request,
    json_response,
    nullable,
    page_of,
    ref,
)
from pmsys.db import MAX_ID
from pmsys.errors import Forbidden
from pmsys.extensions import db
from pmsys.tickets import lifecycle, serializers
from pmsys.tickets import services as ticket_services
from pmsys.tickets.categories import CODES as CATEGORY_CODES
from pmsys.tickets.models import Channel, Ticket
from pmsys.tickets.services.actions import MAX_NOTE
from pmsys.tickets.services.filing import MAX_DESCRIPTION

FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(9998, 12, 30)
# Everything ticket_json reads, loaded in a fixed number of statements for a whole page.
_TICKET_LOADS = [
    selectinload(getattr(Ticket, name))
    for name in ("community", "building", "unit", "household", "asset", "assignee", "events",
                 "photos")
]


def caller():
    """The authenticated caller, whose language the answer is written in."""
    use_callers_language(g.api_user)
    return g.api_user


def ticket_answer(ticket: Ticket) -> dict:
    """The ticket as the caller may read it."""
    return serializers.ticket_json(db.session, g.api_user, ticket)


@bp.get("/tickets")
@api_login_required
def list_tickets():
    """The tickets the caller may see, filtered, newest first."""
    actor = caller()
    filters = {
        "status": choice_arg("status", serializers.STATUSES),
        "community": text_arg("community"),
        "assignee": text_arg("assignee"),
        "category": choice_arg("category", sorted(CATEGORY_CODES)),
        "date_from": day_arg("from"),
        "date_to": day_arg("to"),
    }
    # Days beyond any ticket bound nothing, and near year 1 or 9999 the time-zone shift of
    # the query would overflow: leave such bounds out.
    if filters["date_from"] is not None and filters["date_from"] < FIRST_DAY:
        filters["date_from"] = None
    if filters["date_to"] is not None and filters["date_to"] > LAST_DAY:
        filters["date_to"] = None
    query = ticket_services.visible_tickets(actor, **filters)
    rows, total = page_rows(
        query.options(*_TICKET_LOADS).order_by(Ticket.reported_at.desc(), Ticket.id.desc())
    )
    return {"items": [ticket_answer(ticket) for ticket in rows], "total": total}


@bp.post("/tickets")
@api_login_required
def create_ticket():
    """File a ticket; it is routed at once and its deadlines start."""
    actor = caller()
    body = Body(json_body())
    fields = {
        "category": body.text("category", required=True),
        "community": body.text("community", required=True),
        "building": body.text("building"),
        "unit": body.text("unit"),
        "household": body.text("household", max_length=4 * CODE_LENGTH + 3),
        "inside_home": body.boolean("inside_home"),
        "asset": body.text("asset"),
        "description": body.text("description", required=True, max_length=MAX_DESCRIPTION),
        "priority": body.text("priority"),
        "reported_at": body.text("reported_at"),
        "caller": body.caller("caller"),
    }
    if fields["reported_at"]:
        try:
            clock.parse_instant(fields["reported_at"])
        except (ValueError, OverflowError):
            # Near year 1 the shift to UTC overflows, which the service does not expect.
            body.problems["reported_at"] = "an ISO 8601 time"
    body.check()
    ticket = ticket_services.file_ticket(db.session, actor, channel=Channel.api, **fields)
    db.session.commit()
    return ticket_answer(ticket), 201


@bp.get("/tickets/<int:ticket_id>")
@api_login_required
def get_ticket(ticket_id: int):
    """One ticket with its routing, deadlines, trail, photos and the caller's actions."""
    actor = caller()
    return ticket_answer(ticket_services.get_ticket_or_404(db.session, actor, ticket_id))


@bp.post("/tickets/<int:ticket_id>/actions")
@api_login_required
def act_on_ticket(ticket_id: int):
    """Take one lifecycle action on a ticket."""
    actor = caller()
    ticket = ticket_services.get_ticket_or_404(db.session, actor, ticket_id)
    body = Body(json_body())
    action = body.text("action", required=True)
    if action is not None and action not in lifecycle.ACTIONS:
        body.problems["action"] = "one of " + ", ".join(lifecycle.ACTION_NAMES)
    payload = {
        "note": body.text("note", max_length=MAX_NOTE),
        "rating": body.integer("rating"),
        "org": body.text("org"),
        "handover": body.boolean("handover"),
    }
    body.check()
    try:
        ticket_services.take_action(db.session, actor, ticket, action, **payload)
    except Forbidden:
        # Keep the audit record of the denial: a refused action changes nothing else.
        db.session.commit()
        raise
    db.session.commit()
    return ticket_answer(ticket)


@bp.get("/routing/preview")
@api_login_required
def preview_routing():
    """Who would get a ticket on a date, and why; files nothing."""
    actor = caller()
    place = {
        "community": text_arg("community"),
        "building": text_arg("building"),
        "unit": text_arg("unit"),
        "household": text_arg("household", 4 * CODE_LENGTH + 3),
        "inside_home": flag_arg("inside_home"),
        "asset": text_arg("asset"),
    }
    category = choice_arg("category", sorted(CATEGORY_CODES))
    on = day_arg("on")
    decided = ticket_services.preview_routing(db.session, actor, category=category, on=on,
                                              **place)
    return serializers.preview_json(decided)


# --- OpenAPI -----------------------------------------------------------------------------------


def _query(name: str, description: str, schema: dict | None = None,
           required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "description": description,
            "schema": schema or TEXT_PARAMETER}


TICKET_ID = {"name": "ticket_id", "in": "path", "required": True,
             "description": "The ticket's id.",
             "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}
_CODE_IN = {"type": "string", "minLength": 1, "maxLength": CODE_LENGTH}
_HOUSEHOLD = {"type": "string", "maxLength": 4 * CODE_LENGTH + 3,
              "description": "The household's code in `unit`, or its full path "
              "COMMUNITY/BUILDING/UNIT/HOUSEHOLD."}
_FLAG = {"type": "string", "enum": ["1", "0", "true", "false"]}
_CATEGORY_PARAM = {"type": "string", "enum": sorted(CATEGORY_CODES)}
_PLACE_PARAMETERS = [
    _query("community", "The community's code.",
           {"type": "string", "pattern": r"^[^\u0000]+$", "maxLength": CODE_LENGTH},
           required=True),
    _query("building", "The building's code in the community.",
           {**TEXT_PARAMETER, "maxLength": CODE_LENGTH}),
    _query("unit", "The unit's code in the building (needs `building`).",
           {**TEXT_PARAMETER, "maxLength": CODE_LENGTH}),
    _query("household", "The household's code in the unit (needs `unit`); its full path "
           "COMMUNITY/BUILDING/UNIT/HOUSEHOLD is accepted too.",
           {"type": "string", "pattern": r"^[^/\u0000]*$", "maxLength": CODE_LENGTH}),
    _query("inside_home", "1: the problem is inside the home (needs `household`).", _FLAG),
    _query("asset", "The asset at fault, where several cover the place.",
           {**TEXT_PARAMETER, "maxLength": CODE_LENGTH}),
]

describe(
    {
        "/tickets": {
            "get": {
                "operationId": "listTickets",
                "summary": "The tickets the caller may see, newest first",
                "description": (
                    "A resident sees the tickets they reported; staff those assigned to "
                    "their organisation and those they entered; a manager also every ticket "
                    "of the communities it manages today; committee members, street "
                    "officers and the bureau those of the communities they see. `from` and "
                    "`to` bound the day of the report (China Standard Time), inclusive."
                ),
                "tags": ["tickets"],
                "parameters": [
                    *PAGING_PARAMETERS,
                    _query("status", "Only tickets in this state.",
                           {"type": "string", "enum": serializers.STATUSES}),
                    _query("community", "Only this community's tickets (code).",
                           {**TEXT_PARAMETER, "maxLength": CODE_LENGTH}),
                    _query("assignee", "Only those assigned to this organisation (code).",
                           {**TEXT_PARAMETER, "maxLength": CODE_LENGTH}),
                    _query("category", "Only this category.", _CATEGORY_PARAM),
                    _query("from", "Reported on or after this day.", DATE),
                    _query("to", "Reported on or before this day.", DATE),
                ],
                "responses": {
                    "200": json_response("A page of tickets.", page_of("Ticket")),
                    **errors(400, 401),
                },
            },
            "post": {
                "operationId": "fileTicket",
                "summary": "File a ticket; it is routed at once",
                "description": (
                    "The ticket goes at once to the organisation the routing rules name "
                    "(docs/domain.md#routing); "
                    "`routing` says which step decided and why. A resident files for the "
                    "communities they live in (and their own home only). `reported_at` is "
                    "honoured only for bureau administrators and hotline entries; "
                    "otherwise it is now. `caller` (street officers and bureau "
                    "administrators only) enters a hotline call for a caller."
                ),
                "tags": ["tickets"],
                "requestBody": json_request(ref("NewTicket")),
                "responses": {
                    "201": json_response("The filed ticket.", ref("Ticket")),
                    "400": json_response(
                        "Malformed input; an unknown place; or several assets cover the "
                        "place (`asset_ambiguous`, the choices in `fields.asset`).",
                        ref("Error")),
                    **errors(401),
                    "403": json_response("This login does not file tickets (`may_not_file`) "
                                         "or enter calls (`not_hotline_staff`).", ref("Error")),
                    "404": json_response("No community with this code that the caller may "
                                         "see.", ref("Error")),
                    **errors(413),
                },
            },
        },
        "/tickets/{ticket_id}": {
            "get": {
                "operationId": "getTicket",
                "summary": "One ticket with its routing, trail, photos and allowed actions",
                "tags": ["tickets"],
                "parameters": [TICKET_ID],
                "responses": {
                    "200": json_response("The ticket.", ref("Ticket")),
                    **errors(401, 404),
                },
            }
        },
        "/tickets/{ticket_id}/actions": {
            "post": {
                "operationId": "actOnTicket",
                "summary": "Take one lifecycle action on a ticket",
                "description": (
                    "The assignee's staff `accept`, `start`, `resolve` (`note` required) "
                    "and `dispute` (`note`: why it is not theirs); the street office "
                    "`reassign`s (`org`, and `handover`: true to draft a hand-over of the "
                    "ticket's asset to it) or `uphold`s (`note`); the reporter `confirm`s "
                    "(`rating` 1–5), `reopen`s (`note`) or `cancel`s before acceptance; any "
                    "of them may `comment` (`note`)."
                ),
                "tags": ["tickets"],
                "parameters": [TICKET_ID],
                "requestBody": json_request(ref("TicketAction")),
                "responses": {
                    "200": json_response("The ticket after the action.", ref("Ticket")),
                    **errors(400, 401),
                    "403": json_response("The action is not the caller's to take "
                                         "(`not_your_action`).", ref("Error")),
                    **errors(404),
                    "409": json_response(
                        "The action does not fit the ticket's state (`wrong_state`), an "
                        "asset already in an open hand-over, or someone acted at the same "
                        "time (`concurrent_update`).", ref("Error")),
                    **errors(413),
                },
            }
        },
        "/routing/preview": {
            "get": {
                "operationId": "previewRouting",
                "summary": "Who would get a ticket on a date, and why (files nothing)",
                "tags": ["tickets"],
                "parameters": [
                    _query("category", "The ticket's category.", _CATEGORY_PARAM,
                           required=True),
                    *_PLACE_PARAMETERS,
                    _query("on", "The date to route on; today by default.", DATE),
                ],
                "responses": {
                    "200": json_response("The routing.", ref("RoutingPreview")),
                    "400": json_response(
                        "Malformed input, an unknown place, or several assets cover the "
                        "place (`asset_ambiguous`, the choices in `fields.asset`).",
                        ref("Error")),
                    **errors(401),
                    "404": json_response("No community with this code that the caller may "
                                         "see.", ref("Error")),
                },
            }
        },
    },
    schemas={
        **serializers.SCHEMAS,
        "NewTicket": {
            "type": "object",
            "required": ["category", "community", "description"],
            "properties": {
                "category": _CATEGORY_PARAM,
                "community": _CODE_IN,
                "building": nullable(_CODE_IN),
                "unit": nullable({**_CODE_IN, "description": "Needs `building`."}),
                "household": nullable(_HOUSEHOLD),
                "inside_home": {"type": "boolean", "description": "Inside the home (needs "
                                "`household`): past the meter, a utility's category is the "
                                "owner's."},
                "asset": nullable({**_CODE_IN, "description": "The asset at fault."}),
                "description": {"type": "string", "minLength": 1,
                                "maxLength": MAX_DESCRIPTION},
                "priority": nullable({"type": "string", "enum": serializers.PRIORITIES,
                                      "description": "By default the category's, or "
                                      "`emergency` for words like a gas smell."}),
                "reported_at": nullable({"type": "string", "format": "date-time"}),
                "caller": nullable({
                    "type": "object",
                    "description": "A hotline caller (street officers, bureau admins).",
                    "required": ["name"],
                    "properties": {
                        "name": {"type": "string", "minLength": 1, "maxLength": 200},
                        "phone": nullable({"type": "string", "maxLength": 20}),
                    },
                }),
            },
        },
        "TicketAction": {
            "type": "object",
            "required": ["action"],
            "properties": {
                "action": {"type": "string", "enum": list(lifecycle.ACTION_NAMES)},
                "note": {"type": "string", "maxLength": MAX_NOTE},
                "rating": {"type": "integer", "minimum": 1, "maximum": 5,
                           "description": "`confirm`: the reporter's rating of the fix."},
                "org": {**CODE, "description": "`reassign`: the new assignee's code."},
                "handover": {"type": "boolean", "description": "`reassign`: also draft a "
                             "hand-over of the ticket's asset to `org`."},
            },
        },
    },
)
