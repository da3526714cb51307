"""API: a common-area fault reported without a login, from a building's QR page."""

from __future__ import annotations

from typing import Annotated

from flask import request
from pydantic import Field

from pmsys import throttle, unit_of_work
from pmsys.api import bp
from pmsys.api.tickets.serializers import CategoryCode, OrgRef, Status
from pmsys.api.typed import Answer, Code, Input, endpoint, text
from pmsys.extensions import db
from pmsys.tickets import services as ticket_services
from pmsys.tickets.services.filing import MAX_DESCRIPTION, MAX_PUBLIC_NAME
from pmsys.unit_of_work import reads_first


class PublicReport(Input):
    community: Annotated[Code, Field(description="The community's code (on the QR page).")]
    building: Annotated[Code, Field(description="The building's code in the community.")]
    category: CategoryCode
    description: text(MAX_DESCRIPTION, 1)
    name: Annotated[text(MAX_PUBLIC_NAME, 1), Field(description="Who reports it.")]
    phone: Annotated[text(20, 1), Field(description=(
        "For a call back: a mobile number (11 digits) or a landline with its area code."))]


class PublicReportAnswer(Answer):
    """What the reporter may know of the filed ticket (no login: nothing more)."""

    number: Annotated[str, Field(description="The ticket's number, to quote on the phone.")]
    status: Status
    assignee: Annotated[OrgRef, Field(description="Who handles it (and will call back).")]


def filed(ticket) -> dict:
    """The answer to a public report: its number, state and assignee."""
    return {"number": ticket.number, "status": ticket.status.value,
            "assignee": {"org": ticket.assignee.code, "name": ticket.assignee.name}}


@bp.post("/public-reports")
@endpoint(body=PublicReport, public=True, tags=("tickets",),
          answers={201: ("The filed ticket.", PublicReportAnswer)},
          refusals={400: "Malformed input, an unknown building, or not a phone number.",
                    404: "No community with this code (`community_not_found`).",
                    429: "Too many reports from this phone or this client (`rate_limited`)."})
@reads_first
def create_public_report(body: PublicReport):
    """Report a fault in a building's common areas without a login.

    Anyone who scans the building's QR code may report a fault in its common areas
    (never inside a home) with a name and a phone number. It is routed like any ticket;
    the phone is shown in full only to the assignee while the ticket is open, masked
    everywhere else. At most 3 reports a day per phone number and 10 an hour per client.
    """
    phone = ticket_services.public_phone(body.phone)
    throttle.check_public_report(db.session, phone, request.remote_addr)
    ticket = ticket_services.file_public_report(
        db.session, client=request.remote_addr, **body.model_dump(exclude={"phone"}),
        phone=phone)
    unit_of_work.writes_done(db.session)
    return filed(ticket), 201
