"""Open311 GeoReport v2 shapes: categories as services, tickets as service requests.

A service request's id is the ticket's number (20250602-000001); its address is
the place code (CA, CA/1, CA/1/1 or CA/1/1/101). Texts are in the caller's
language; times are ISO 8601 in China Standard Time. The public shape (a read
without an api_key) carries no personal data: a request of a home shows its
building and none of the free texts, other requests their texts with every
phone-like number masked.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _

from pmsys import categories
from pmsys.api.tickets.serializers import place_code, time_str
from pmsys.auth.permissions import mask_phone
from pmsys.categories import Category
from pmsys.models.tickets import OPEN_STATUSES, Ticket, TicketStatus
from pmsys.tickets import explain

# Open311 knows two states; a resolved ticket waits only for the reporter's word.
OPEN, CLOSED = "open", "closed"
PLACE_PARTS = ("community", "building", "unit", "household")
# The assignee's words to the reporter; disputes, arbitration and comments stay inside.
PUBLIC_NOTE_ACTIONS = frozenset({"accept", "start", "resolve"})
# Seven digits or more in a row (spaces and dashes allowed between): a phone number, maybe.
_PHONE_LIKE = re.compile(r"\d(?:[ -]?\d){6,}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
TRUE, FALSE = "true", "false"


def service_description(category: Category) -> str:
    """Who handles this service, in a sentence."""
    if category.by_duty:
        return _("Handled by duty by the competent authority.")
    if category.utility:
        return _("Handled by the utility that maintains the network; inside a home, past "
                 "the meter, it is the owner's.")
    return _("Handled by the community's manager, or under warranty by the contractor.")


def attributes(category: Category) -> list[dict]:
    """What a filing of `category` may add (GeoReport v2 attributes), in order.

    A utility's network ends at the meter: inside a home it is the owner's, and
    several networks (carriers) may serve one building, so the filing may name
    the asset (its code on the plate or in the register).
    """
    if not category.utility:
        return []
    return [
        {
            "variable": True, "code": "inside_home", "datatype": "singlevaluelist",
            "required": False, "datatype_description": None, "order": 1,
            "description": _("Is the problem inside the home, past the meter?"),
            "values": [{"key": TRUE, "name": _("yes")}, {"key": FALSE, "name": _("no")}],
        },
        {
            "variable": True, "code": "asset", "datatype": "string",
            "required": False, "datatype_description": _("An asset code, as on its plate."),
            "order": 2,
            "description": _("Which line or device is it? Needed where several networks "
                             "serve the building."),
            "values": [],
        },
    ]


def service_definition_json(category: Category) -> dict:
    """A category's service definition: its code and its attributes."""
    return {"service_code": category.code, "attributes": attributes(category)}


def service_json(category: Category) -> dict:
    """A category as an Open311 service."""
    return {
        "service_code": category.code,
        "service_name": category.label,
        "description": service_description(category),
        "metadata": bool(attributes(category)),
        "type": "realtime",
        "keywords": ", ".join((category.code, category.name_zh, category.name_en)),
        "group": "utility" if category.utility else "community",
    }


def services_json() -> list[dict]:
    """Every category as a service, in the order of docs/domain.md#categories."""
    return [service_json(category) for category in categories.CATEGORIES]


def open311_status(ticket: Ticket) -> str:
    """open while somebody must still act; closed once resolved, closed or cancelled."""
    return OPEN if ticket.status in OPEN_STATUSES else CLOSED


def service_notice(ticket: Ticket) -> str:
    """Why the ticket went where it went: the routing step that decided."""
    texts = explain.steps_text(ticket.routing_steps)
    return texts[-1] if texts else explain.reason_label(ticket.routing_reason)


def status_notes(ticket: Ticket) -> str:
    """The latest note of the assignee to the reporter, else the status in words."""
    for event in sorted(ticket.events, key=lambda e: (e.at, e.id), reverse=True):
        if event.action in PUBLIC_NOTE_ACTIONS and event.note.strip():
            return event.note
    if ticket.status in (TicketStatus.resolved, TicketStatus.closed) and ticket.resolution_note:
        return ticket.resolution_note
    return explain.status_label(ticket.status.value)


def mask_phones(text: str) -> str:
    """`text` with every phone-like number masked (138****0000)."""
    def masked(found: re.Match) -> str:
        if _DATE.fullmatch(found.group()):
            return found.group()  # a date such as 2025-06-02 is no phone number
        return mask_phone(re.sub(r"[ -]", "", found.group()))

    return _PHONE_LIKE.sub(masked, text)


def public_request_json(ticket: Ticket) -> dict:
    """A ticket as anybody may read it: no names, phone numbers or home numbers."""
    data = request_json(ticket)
    if ticket.household is not None or ticket.inside_home:
        parts = [ticket.community.code] + ([ticket.building.code] if ticket.building else [])
        data["address"] = "/".join(parts)
        data["description"] = ""
        data["status_notes"] = explain.status_label(ticket.status.value)
    else:
        data["description"] = mask_phones(data["description"])
        data["status_notes"] = mask_phones(data["status_notes"])
    return data


def request_json(ticket: Ticket) -> dict:
    """A ticket as an Open311 service request (no personal data of the reporter)."""
    updated = max((event.at for event in ticket.events), default=ticket.reported_at)
    notes = status_notes(ticket)
    return {
        "service_request_id": ticket.number,
        "status": open311_status(ticket),
        "status_notes": notes,
        "service_name": explain.category_label(ticket.category),
        "service_code": ticket.category,
        "description": ticket.description,
        "agency_responsible": ticket.assignee.name,
        "service_notice": service_notice(ticket),
        "requested_datetime": time_str(ticket.reported_at),
        "updated_datetime": time_str(updated),
        "expected_datetime": time_str(ticket.due_resolve_at),
        "address": place_code(ticket),
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }


def parse_address(value: str) -> dict[str, str]:
    """A place code as the place fields of file_ticket; ValueError when malformed."""
    parts = value.strip().split("/")
    if not 1 <= len(parts) <= len(PLACE_PARTS) or not all(p.strip() for p in parts):
        raise ValueError(f"not a place code: {value!r}")
    return {name: part.strip() for name, part in zip(PLACE_PARTS, parts, strict=False)}


def caller_name(first_name: str, last_name: str) -> str:
    """A caller's full name: family name first for Chinese names, given name first else."""
    first, last = first_name.strip(), last_name.strip()
    if not first or not last:
        return first or last
    if (first + last).isascii():
        return f"{first} {last}"
    return last + first
