"""Open311 GeoReport v2 shapes: categories as services, tickets as service requests.

A service request's id is the ticket's number (20250602-000001); its address is
the place code (CA, CA/1, CA/1/1 or CA/1/1/101). Texts are in the caller's
language; times are ISO 8601 in China Standard Time.
"""

from __future__ import annotations

from flask_babel import gettext as _

from pmsys import categories
from pmsys.api.tickets.serializers import place_code, time_str
from pmsys.categories import Category
from pmsys.models.tickets import OPEN_STATUSES, Ticket, TicketStatus
from pmsys.tickets import explain

# Open311 knows two states; a resolved ticket waits only for the reporter's word.
OPEN, CLOSED = "open", "closed"
PLACE_PARTS = ("community", "building", "unit", "household")


def service_description(category: Category) -> str:
    """Who handles this service, in a sentence."""
    if category.by_duty:
        return _("Handled by duty by the competent authority.")
    if category.utility:
        return _("Handled by the utility that maintains the network; inside a home, past "
                 "the meter, it is the owner's.")
    return _("Handled by the community's manager, or under warranty by the contractor.")


def service_json(category: Category) -> dict:
    """A category as an Open311 service."""
    return {
        "service_code": category.code,
        "service_name": category.label,
        "description": service_description(category),
        "metadata": False,
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


def request_json(ticket: Ticket) -> dict:
    """A ticket as an Open311 service request (no personal data of the reporter)."""
    updated = max((event.at for event in ticket.events), default=ticket.reported_at)
    notes = explain.status_label(ticket.status.value)
    if ticket.status in (TicketStatus.resolved, TicketStatus.closed) and ticket.resolution_note:
        notes = ticket.resolution_note
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
