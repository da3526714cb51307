"""Ticket use cases: filing and routing, lifecycle actions, notifications, jobs."""

# The ticket summary keeps its rows in step with every flush (a listener): imported with the
# services, so that whatever writes tickets through them keeps it.
from pmsys.tickets import summary  # noqa: F401
from pmsys.tickets.queries import (
    get_ticket_or_404,
    open_queue,
    ticket_communities,
    visible_tickets,
)
from pmsys.tickets.services.actions import allowed_actions, take_action, ticket_parties
from pmsys.tickets.services.facts import gather_facts
from pmsys.tickets.services.filing import (
    file_for_household,
    file_public_report,
    file_ticket,
    preview_routing,
    public_phone,
)
from pmsys.tickets.services.places import resolve_place

__all__ = [
    "allowed_actions",
    "file_for_household",
    "file_public_report",
    "file_ticket",
    "gather_facts",
    "get_ticket_or_404",
    "open_queue",
    "preview_routing",
    "public_phone",
    "resolve_place",
    "take_action",
    "ticket_communities",
    "ticket_parties",
    "visible_tickets",
]
