"""API: building leaders and grid workers — their assignment by the street office, filing for
a household of their buildings, their buildings' open tickets, follow-up visits
(docs/api.md#building-leaders, docs/domain.md#building-leaders)."""

from __future__ import annotations

from typing import Annotated, Literal

from flask import g, request
from flask_babel import get_locale
from pydantic import Field

from pmsys import throttle, unit_of_work
from pmsys.api import bp
from pmsys.api.answer_types import Id, Moment
from pmsys.api.helpers import api_login_required
from pmsys.api.tickets import serializers
from pmsys.api.tickets.serializers import CategoryCode, PriorityName, TicketAnswer, time_str
from pmsys.api.tickets.tickets import TICKET_PATH, caller
from pmsys.api.typed import (
    CODE_LENGTH,
    Answer,
    Boolean,
    Code,
    DateText,
    Day,
    Input,
    Page,
    endpoint,
    text,
)
from pmsys.extensions import db
from pmsys.models.leaders import BuildingAssignment, TicketVisit, VisitOutcome
from pmsys.models.tickets import Ticket
from pmsys.tickets import queries
from pmsys.tickets import services as ticket_services
from pmsys.tickets.services import leaders
from pmsys.tickets.services.actions import MAX_NOTE
from pmsys.tickets.services.filing import MAX_DESCRIPTION
from pmsys.unit_of_work import reads_first

ASSIGNMENT_PATH = {"code": "The community's code."}
KINDS = ("building-leaders", "grids")


class AssignmentAnswer(Answer):
    """One building held by a building leader or grid worker."""

    id: Id
    user: str
    name: Annotated[str, Field(description="The person's name (a leader), else the username.")]
    building: str
    start: DateText
    end: DateText | None


class NewAssignment(Input):
    user: Annotated[text(64, 1), Field(description="The username of an active building leader "
                                       "(`building-leaders`) or grid worker (`grids`).")]
    buildings: Annotated[list[Code], Field(min_length=1, max_length=leaders.MAX_BUILDINGS,
                                           description="Building codes of the community.")]
    start: Annotated[Day | None, Field(description="From this day (today by default).")] = None


class EndAssignment(Input):
    user: text(64, 1)
    buildings: Annotated[list[Code] | None, Field(
        description="Only these buildings (all of the user's here by default).")] = None
    end: Annotated[Day | None, Field(description="The last day (today by default).")] = None


class Ended(Answer):
    ended: Annotated[int, Field(ge=1, description="Assignments ended.")]


def assignment_json(row: BuildingAssignment) -> dict:
    person = row.user.person
    return {"id": row.id, "user": row.user.username,
            "name": person.name if person else row.user.username,
            "building": row.building.code, "start": row.start.isoformat(),
            "end": row.end.isoformat() if row.end else None}


def _listing(kind: str, code: str):
    actor = caller()
    community = leaders.assigner_community(db.session, actor, code)
    rows = leaders.assignments(db.session, community, kind)
    return {"items": [assignment_json(row) for row in rows], "total": len(rows)}


def _assigning(kind: str, code: str, body: NewAssignment):
    actor = caller()
    community = leaders.assigner_community(db.session, actor, code)
    leaders.assign(db.session, actor, community, kind, **body.model_dump())
    rows = leaders.assignments(db.session, community, kind)
    return {"items": [assignment_json(row) for row in rows], "total": len(rows)}, 201


def _ending(kind: str, code: str, body: EndAssignment):
    actor = caller()
    community = leaders.assigner_community(db.session, actor, code)
    return {"ended": leaders.end_assignments(db.session, actor, community, kind,
                                             **body.model_dump())}


LIST_REFUSALS = {403: "Not the street office (or community office) of the community "
                      "(`not_assigner`).", 404: "No community with this code that the caller "
                                                "may see."}
WRITE_REFUSALS = {**LIST_REFUSALS,
                  400: "Malformed input; unknown buildings; not an active user of the role, "
                       "or a grid worker of another office (`user_not_assignable`); a day "
                       "in the past."}


@bp.get("/communities/<code>/building-leaders")
@api_login_required
@endpoint(answers={200: ("The community's building leaders.", Page[AssignmentAnswer])},
          refusals=LIST_REFUSALS, path=ASSIGNMENT_PATH, tags=("building-leaders",))
def list_building_leaders(code: str):
    """The community's building leaders (楼栋长) and their buildings

    One item per building held today or from a later day, by building.
    """
    return _listing("building-leaders", code)


@bp.post("/communities/<code>/building-leaders")
@api_login_required
@endpoint(body=NewAssignment, answers={201: ("The community's building leaders.",
                                             Page[AssignmentAnswer])},
          refusals=WRITE_REFUSALS, path=ASSIGNMENT_PATH, tags=("building-leaders",))
def assign_building_leader(code: str, body: NewAssignment):
    """Assign buildings to a building leader

    A building the leader already holds is left as it is. Audited (`buildings_assigned`).
    """
    return _assigning("building-leaders", code, body)


@bp.post("/communities/<code>/building-leaders/end")
@api_login_required
@endpoint(body=EndAssignment, answers={200: ("How many assignments ended.", Ended)},
          refusals={**WRITE_REFUSALS, 409: "The user holds none of these buildings "
                    "(`not_assigned`)."}, path=ASSIGNMENT_PATH, tags=("building-leaders",))
def end_building_leader(code: str, body: EndAssignment):
    """End a building leader's buildings in the community

    Audited (`buildings_unassigned`); the rows stay, with their last day.
    """
    return _ending("building-leaders", code, body)


@bp.get("/communities/<code>/grids")
@api_login_required
@endpoint(answers={200: ("The community's grid workers.", Page[AssignmentAnswer])},
          refusals=LIST_REFUSALS, path=ASSIGNMENT_PATH, tags=("building-leaders",))
def list_grids(code: str):
    """The community's grid workers (网格员) and their buildings

    A grid is the set of a grid worker's buildings, possibly in several communities of
    the street; this lists its part in this community.
    """
    return _listing("grids", code)


@bp.post("/communities/<code>/grids")
@api_login_required
@endpoint(body=NewAssignment, answers={201: ("The community's grid workers.",
                                             Page[AssignmentAnswer])},
          refusals=WRITE_REFUSALS, path=ASSIGNMENT_PATH, tags=("building-leaders",))
def assign_grid(code: str, body: NewAssignment):
    """Add buildings of the community to a grid worker's grid

    The grid worker works for the community's street office or community office.
    Audited (`buildings_assigned`).
    """
    return _assigning("grids", code, body)


@bp.post("/communities/<code>/grids/end")
@api_login_required
@endpoint(body=EndAssignment, answers={200: ("How many assignments ended.", Ended)},
          refusals={**WRITE_REFUSALS, 409: "The user holds none of these buildings "
                    "(`not_assigned`)."}, path=ASSIGNMENT_PATH, tags=("building-leaders",))
def end_grid(code: str, body: EndAssignment):
    """Take buildings of the community out of a grid worker's grid

    Audited (`buildings_unassigned`).
    """
    return _ending("grids", code, body)


class ProxyTicket(Input):
    household: Annotated[text(4 * CODE_LENGTH + 3, 1), Field(
        description="The household's full path COMMUNITY/BUILDING/UNIT/HOUSEHOLD, in one of "
                    "the caller's buildings.")]
    category: CategoryCode
    description: text(MAX_DESCRIPTION, 1)
    inside_home: Annotated[Boolean, Field(description="Inside the home (the default), or "
                                          "the building's common areas.")] = True
    priority: PriorityName | None = None


@bp.post("/proxy-tickets")
@api_login_required
@endpoint(body=ProxyTicket, answers={201: ("The filed ticket.", TicketAnswer)}, refusals={
    400: "Malformed input.",
    403: "Not a building leader or grid worker (`may_not_file`).",
    404: "No such household in the caller's buildings (`household_not_found`)."},
    tags=("building-leaders",))
@reads_first
def file_proxy_ticket(body: ProxyTicket):
    """File a ticket for a household of the caller's buildings (channel `proxy`)

    For a resident without a phone: the ticket is the household's — its owner's login, if
    there is one, is the reporter, and every resident login of the household sees it and
    is told — the caller is recorded as its filer, and it is routed like any ticket.
    """
    actor = caller()
    throttle.check_filing(db.session, actor, request.remote_addr)
    ticket = ticket_services.file_for_household(db.session, actor, **body.model_dump())
    unit_of_work.writes_done(db.session)
    return serializers.ticket_json(actor, queries.filed_view(db.session, ticket)), 201


@bp.get("/building-tickets")
@api_login_required
@endpoint(answers={200: ("The open tickets of the caller's buildings.", Page[TicketAnswer])},
          refusals={403: "Not a building leader or grid worker (`not_building_role`)."},
          tags=("building-leaders",))
def list_building_tickets():
    """The open tickets of the caller's buildings, the nearest deadline first

    Building leaders and grid workers; at most 200. Reporters' phones are masked.
    """
    actor = caller()
    where = leaders.building_ticket_conditions(actor)
    rows = queries.ticket_views(db.session, where, order_by=leaders.BUILDING_TICKET_ORDER,
                                limit=200, trail=False)
    locale = str(get_locale())
    return {"items": serializers.tickets_json(actor, rows, locale, listed=True),
            "total": len(rows)}


class NewVisit(Input):
    visited_on: Annotated[Day | None, Field(description="The day of the visit (today by "
                                            "default).")] = None
    outcome: Annotated[Literal[tuple(VisitOutcome)], Field(description=(
        "`resolved`: the resident says it is solved; `not_resolved`; `not_home`."))]
    note: text(MAX_NOTE) | None = None


class VisitAnswer(Answer):
    """One follow-up visit."""

    id: Id
    ticket: Id
    number: str
    visited_on: DateText
    outcome: Literal[tuple(VisitOutcome)]
    note: str
    visitor: str
    recorded_at: Moment


def visit_json(visit: TicketVisit, ticket: Ticket) -> dict:
    return {"id": visit.id, "ticket": ticket.id, "number": ticket.number,
            "visited_on": visit.visited_on.isoformat(), "outcome": visit.outcome.value,
            "note": visit.note, "visitor": visit.visitor.username,
            "recorded_at": time_str(visit.created_at)}


def _find(ticket_id):
    return ticket_services.get_ticket_or_404(db.session, caller(), ticket_id)


@bp.post("/tickets/<int:ticket_id>/visits")
@api_login_required
@endpoint(body=NewVisit, answers={201: ("The visit, recorded.", VisitAnswer)}, refusals={
    403: "Not a building leader or grid worker of the ticket's building (`not_your_action`).",
    404: "", 400: "Malformed input; a day in the future or before the report."},
    path=TICKET_PATH, tags=("building-leaders",), find=_find)
def add_visit(ticket_id: int, body: NewVisit, found: Ticket):
    """Record a follow-up visit (上门回访) on a ticket of the caller's buildings

    Audited (`ticket_visited`); it joins the ticket's trail (action `visit`).
    """
    visit = leaders.record_visit(db.session, g.api_user, found, **body.model_dump())
    return visit_json(visit, found), 201


@bp.get("/tickets/<int:ticket_id>/visits")
@api_login_required
@endpoint(answers={200: ("The ticket's visits, oldest first.", Page[VisitAnswer])},
          refusals={404: ""}, path=TICKET_PATH, tags=("building-leaders",), find=_find)
def list_visits(ticket_id: int, found: Ticket):
    """The follow-up visits on a ticket the caller sees"""
    rows = leaders.visits_of(db.session, found)
    return {"items": [visit_json(row, found) for row in rows], "total": len(rows)}
