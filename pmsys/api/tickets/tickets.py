"""API: filing, listing and reading tickets, acting on them, and the routing preview."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from flask import g, request
from flask_babel import get_locale
from pydantic import Field, StringConstraints

from pmsys import clock, throttle, unit_of_work
from pmsys.api import bp
from pmsys.api.helpers import api_login_required, use_callers_language
from pmsys.api.tickets import serializers
from pmsys.api.tickets.serializers import (
    CategoryCode,
    PriorityName,
    RoutingPreviewAnswer,
    Status,
    TicketAnswer,
)
from pmsys.api.typed import (
    CODE_LENGTH,
    Boolean,
    Code,
    Day,
    ErrorCode,
    Flag,
    Input,
    Integer,
    Page,
    Paged,
    Params,
    endpoint,
    text,
)
from pmsys.errors import InvalidInput
from pmsys.extensions import db
from pmsys.models.tickets import Channel, Ticket
from pmsys.tickets import lifecycle, queries
from pmsys.tickets import services as ticket_services
from pmsys.tickets.services.actions import MAX_NOTE
from pmsys.tickets.services.filing import MAX_DESCRIPTION
from pmsys.unit_of_work import reads_first

FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(9998, 12, 30)
TICKET_PATH = {"ticket_id": "The ticket's id."}
HouseholdCode = Annotated[text(4 * CODE_LENGTH + 3, 1), Field(
    description="The household's code in `unit`, or its full path "
    "COMMUNITY/BUILDING/UNIT/HOUSEHOLD.")]
Filter = ErrorCode("invalid_filter")
DateFilter = ErrorCode("invalid_date")


def caller():
    """The authenticated caller, whose language the answer is written in."""
    use_callers_language(g.api_user)
    return g.api_user


def ticket_answer(ticket_id: int) -> dict:
    """The ticket as the caller may read it."""
    return serializers.ticket_json(g.api_user, queries.ticket_view(db.session, g.api_user,
                                                                   ticket_id))


class TicketFilter(Paged):
    status: Annotated[Status | None, Field(description="Only tickets in this state."),
                      Filter] = None
    community: Annotated[Code | None, Field(description="Only this community's tickets."),
                         Filter] = None
    assignee: Annotated[Code | None, Field(description="Only those assigned to this "
                                           "organisation (code)."), Filter] = None
    category: Annotated[CategoryCode | None, Field(description="Only this category."),
                        Filter] = None
    date_from: Annotated[Day | None, Field(alias="from", description="Reported on or after "
                                           "this day."), DateFilter] = None
    date_to: Annotated[Day | None, Field(alias="to", description="Reported on or before this "
                                         "day."), DateFilter] = None


class Caller(Input):
    """A hotline caller (street officers, bureau admins)."""

    name: text(200, 1)
    phone: text(20) | None = None


class NewTicket(Input):
    category: CategoryCode
    community: Code
    building: Code | None = None
    unit: Annotated[Code | None, Field(description="Needs `building`.")] = None
    household: HouseholdCode | None = None
    inside_home: Annotated[Boolean, Field(description=(
        "Inside the home (needs `household`): past the meter, a utility's category is the "
        "owner's."))] = False
    asset: Annotated[Code | None, Field(description="The asset at fault.")] = None
    description: text(MAX_DESCRIPTION, 1)
    priority: Annotated[PriorityName | None, Field(description=(
        "By default the category's, or `emergency` for words like a gas smell."))] = None
    reported_at: Annotated[text(64) | None, Field(json_schema_extra={"format": "date-time"})
                           ] = None
    caller: Caller | None = None


class TicketAction(Input):
    action: Literal[tuple(lifecycle.ACTION_NAMES)]
    note: text(MAX_NOTE) | None = None
    rating: Annotated[Integer | None, Field(description="`confirm`: the reporter's rating of "
                                            "the fix.")] = None
    org: Annotated[Code | None, Field(description="`reassign`: the new assignee's code.")] = None
    handover: Annotated[Boolean, Field(description="`reassign`: also draft a hand-over of "
                                       "the ticket's asset to `org`.")] = False


class PlaceQuery(Params):
    category: CategoryCode
    community: Annotated[Code, Field(description="The community's code.")]
    building: Annotated[Code | None, Field(description="The building's code in the "
                                           "community.")] = None
    unit: Annotated[Code | None, Field(description="The unit's code in the building (needs "
                                       "`building`).")] = None
    household: Annotated[str | None, StringConstraints(max_length=CODE_LENGTH,
                                                       pattern=r"^[^/\x00]+$"),
                         Field(description="The household's code in the unit (needs "
                               "`unit`).")] = None
    inside_home: Annotated[Flag, Field(description="1: the problem is inside the home (needs "
                                       "`household`).")] = False
    asset: Annotated[Code | None, Field(description="The asset at fault, where several cover "
                                        "the place.")] = None
    on: Annotated[Day | None, Field(description="The date to route on; today by default."),
                  DateFilter] = None


@bp.get("/tickets")
@api_login_required
@endpoint(query=TicketFilter, answers={200: ("A page of tickets.", Page[TicketAnswer])},
          tags=("tickets",))
def list_tickets(query: TicketFilter):
    """The tickets the caller may see, newest first.

    A resident sees the tickets they reported; staff those assigned to their organisation
    and those they entered; a manager also every ticket of the communities it manages
    today; committee members, street officers and the bureau those of the communities they
    see. `from` and `to` bound the day of the report (China Standard Time), inclusive.
    A list shows reporters' phones masked (138****0000) to all but the reporter; the
    assignee reads the number in full from `GET /tickets/{id}` while the ticket is open.
    """
    actor = caller()
    filters = query.model_dump(exclude={"page", "per_page"})
    # Days beyond any ticket bound nothing, and near year 1 or 9999 the time-zone shift of
    # the query would overflow: leave such bounds out.
    if filters["date_from"] is not None and filters["date_from"] < FIRST_DAY:
        filters["date_from"] = None
    if filters["date_to"] is not None and filters["date_to"] > LAST_DAY:
        filters["date_to"] = None
    rows, total = queries.page_of(db.session, queries.ticket_conditions(actor, **filters),
                                  query.page, query.per_page)
    locale = str(get_locale())
    return {"items": serializers.tickets_json(actor, rows, locale, listed=True),
            "total": total}


@bp.post("/tickets")
@api_login_required
@endpoint(body=NewTicket, answers={201: ("The filed ticket.", TicketAnswer)}, refusals={
    400: "Malformed input; an unknown place; or several assets cover the place "
         "(`asset_ambiguous`, the choices in `fields.asset`).",
    403: "This login does not file tickets (`may_not_file`) or enter calls "
         "(`not_hotline_staff`).",
    404: "No community with this code that the caller may see."}, tags=("tickets",))
@reads_first
def create_ticket(body: NewTicket):
    """File a ticket; it is routed at once.

    The ticket goes at once to the organisation the routing rules name; `routing` says
    which step decided and why. A resident files for the communities they live in (and
    their own home only), and for the common areas of a named building anywhere (a QR
    code of another community). `reported_at` is honoured only for bureau administrators and
    hotline entries; otherwise it is now. `caller` (street officers and bureau
    administrators only) enters a hotline call for a caller.
    """
    actor = caller()
    fields = body.model_dump()
    if body.reported_at:
        try:
            clock.parse_instant(body.reported_at)
        except (ValueError, OverflowError):
            # Near year 1 the shift to UTC overflows, which the service does not expect.
            raise InvalidInput("missing or malformed fields",
                               fields={"reported_at": "an ISO 8601 time"}) from None
    throttle.check_filing(db.session, actor, request.remote_addr)
    ticket = ticket_services.file_ticket(db.session, actor, channel=Channel.api, **fields)
    unit_of_work.writes_done(db.session)
    return serializers.ticket_json(actor, queries.filed_view(db.session, ticket)), 201


@bp.get("/tickets/<int:ticket_id>")
@api_login_required
@endpoint(answers={200: ("The ticket.", TicketAnswer)}, refusals={404: ""}, path=TICKET_PATH,
          tags=("tickets",))
def get_ticket(ticket_id: int):
    """One ticket with its routing, trail, photos and allowed actions."""
    caller()
    return ticket_answer(ticket_id)


@bp.post("/tickets/<int:ticket_id>/actions")
@api_login_required
@endpoint(body=TicketAction, answers={200: ("The ticket after the action.", TicketAnswer)},
          refusals={
              403: "The action is not the caller's to take (`not_your_action`).", 404: "",
              409: "The action does not fit the ticket's state (`wrong_state`), an asset "
                   "already in an open hand-over, someone acted at the same time "
                   "(`concurrent_update`), or a `hurry` on a ticket within its deadlines "
                   "(`not_overdue`) or hurried less than 24 h ago (`hurried_recently`)."},
          path=TICKET_PATH, tags=("tickets",),
          find=lambda ticket_id: ticket_services.get_ticket_or_404(db.session, caller(),
                                                                   ticket_id))
def act_on_ticket(ticket_id: int, body: TicketAction, found: Ticket):
    """Take one lifecycle action on a ticket.

    The assignee's staff `accept`, `start`, `resolve` (`note` required) and `dispute`
    (`note`: why it is not theirs); the street office `reassign`s (`org`, and `handover`:
    true to draft a hand-over of the ticket's asset to it) or `uphold`s (`note`); the
    reporter `confirm`s (`rating` 1–5), `reopen`s (`note`) or `cancel`s before acceptance,
    and `hurry`s (催办) an open ticket past a deadline, once in 24 hours (counted in
    `hurry_count`; the assignee is told, and from the second time the street office);
    any of them may `comment` (`note`).
    """
    ticket_services.take_action(db.session, g.api_user, found, body.action,
                                **body.model_dump(exclude={"action"}))
    return ticket_answer(ticket_id)


@bp.get("/routing/preview")
@api_login_required
@endpoint(query=PlaceQuery, answers={200: ("The routing.", RoutingPreviewAnswer)}, refusals={
    400: "Malformed input, an unknown place, or several assets cover the place "
         "(`asset_ambiguous`, the choices in `fields.asset`).",
    404: "No community with this code that the caller may see."}, tags=("tickets",))
def preview_routing(query: PlaceQuery):
    """Who would get a ticket on a date, and why (files nothing)."""
    actor = caller()
    decided = ticket_services.preview_routing(db.session, actor,
                                              **query.model_dump())
    return serializers.preview_json(decided)
