"""API: follow-up calls (回访) on closed tickets, and the street office's call list
(docs/api.md#callbacks, docs/domain.md#callbacks)."""

from __future__ import annotations

from typing import Annotated, Literal

from flask import g
from pydantic import Field

from pmsys.api import bp
from pmsys.api.answer_types import Count, Id, Moment
from pmsys.api.helpers import api_login_required
from pmsys.api.tickets.serializers import time_str
from pmsys.api.tickets.tickets import TICKET_PATH, caller
from pmsys.api.typed import Answer, Boolean, Input, Page, Paged, endpoint, text
from pmsys.extensions import db
from pmsys.models.tickets import Ticket, TicketCallback
from pmsys.tickets import services as ticket_services
from pmsys.tickets.services import callbacks
from pmsys.tickets.services.actions import MAX_NOTE


class NewCallback(Input):
    reached: Annotated[Boolean, Field(description="Whether the call reached the reporter.")]
    satisfied: Annotated[Boolean | None, Field(description=(
        "Whether the reporter is satisfied with how the ticket was handled: required when "
        "`reached`, absent otherwise."))] = None
    note: text(MAX_NOTE) | None = None


class CallbackAnswer(Answer):
    """One follow-up call."""

    id: Id
    ticket: Id
    number: str
    at: Moment
    caller: str
    reached: bool
    satisfied: bool | None
    note: str


class Contact(Answer):
    """Whom to call: the reporter's name and phone, in full."""

    name: str
    phone: str | None


class CallItemAnswer(Answer):
    """A closed ticket waiting for its follow-up call."""

    ticket: Id
    number: str
    community: str
    community_name: str
    category: str
    closed_at: Moment
    rating: Annotated[int | None, Field(description="The reporter's own rating, 1–5.")]
    reporter: Contact
    reasons: Annotated[list[Literal["disputed", "reopened", "sample"]], Field(description=(
        "Why it is called: it was disputed or reopened (always called), or it is in the "
        "sample."))]
    attempts: Annotated[Count, Field(description="Earlier calls that did not reach the "
                                     "reporter.")]


def callback_json(call: TicketCallback, ticket: Ticket, username: str) -> dict:
    return {"id": call.id, "ticket": ticket.id, "number": ticket.number,
            "at": time_str(call.at), "caller": username, "reached": call.reached,
            "satisfied": call.satisfied, "note": call.note}


@bp.post("/tickets/<int:ticket_id>/callbacks")
@api_login_required
@endpoint(body=NewCallback, answers={201: ("The call, recorded.", CallbackAnswer)},
          refusals={
              403: "Not the street or community office of the ticket's community "
                   "(`not_your_action`).", 404: "",
              409: "The ticket is not closed (`wrong_state`), a call already reached the "
                   "reporter (`already_called`), or someone acted at the same time "
                   "(`concurrent_update`).",
              422: "`satisfied` missing on a call that reached the reporter, or given on "
                   "one that did not (`satisfied_needs_reached`)."},
          path=TICKET_PATH, tags=("tickets",),
          find=lambda ticket_id: ticket_services.get_ticket_or_404(db.session, caller(),
                                                                   ticket_id))
def add_callback(ticket_id: int, body: NewCallback, found: Ticket):
    """Record a follow-up call (回访) on a closed ticket

    The street office of the ticket's community (or its community office) calls the
    reporter back: `reached` says whether the call got through and, if it did,
    `satisfied` whether the reporter is satisfied. A call that did not get through may be
    tried again; once one did, the ticket leaves the call list. Reached calls count in
    the ticket measures (`callbacks`, `callback_satisfaction_rate`).
    """
    call = callbacks.record_callback(db.session, g.api_user, found, **body.model_dump())
    return callback_json(call, found, g.api_user.username), 201


@bp.get("/callbacks")
@api_login_required
@endpoint(query=Paged, answers={200: ("A page of the call list.", Page[CallItemAnswer])},
          refusals={403: "Only street and community offices make follow-up calls."},
          tags=("tickets",))
def get_call_list(query: Paged):
    """The street office's call list: closed tickets of its area waiting for a call

    A stable sample of the closed tickets (the setting `callback_sample_percent` of the
    street, 20 % by default, chosen by the ticket's id) and every ticket that was
    disputed or reopened, until a call reaches the reporter; the ticket closed longest
    ago first. The reporter's phone is shown in full: the office needs it for the call.
    """
    items, total = callbacks.call_list(db.session, caller(), page=query.page,
                                       per_page=query.per_page)
    return {"items": [
        {"ticket": item.ticket_id, "number": item.number, "community": item.community,
         "community_name": item.community_name, "category": item.category,
         "closed_at": time_str(item.closed_at), "rating": item.rating,
         "reporter": {"name": item.reporter_name, "phone": item.reporter_phone},
         "reasons": list(item.reasons), "attempts": item.attempts}
        for item in items], "total": total}
