"""Which tickets an actor sees: lists, the queue and the one-ticket look-up."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from pmsys import clock
from pmsys.auth import permissions
from pmsys.auth.models import Organization
from pmsys.db import valid_id
from pmsys.errors import InvalidInput, NotFound
from pmsys.places.models import Community
from pmsys.tickets.models import Ticket, TicketStatus


def visible_tickets(actor, *, status=None, community=None, assignee=None, category=None,
                    date_from: date | None = None, date_to: date | None = None):
    """A select of the tickets `actor` may see, filtered, most urgent deadline first."""
    query = select(Ticket).where(permissions.ticket_clause(actor))
    if status:
        if not isinstance(status, str) or status not in TicketStatus.__members__:
            raise InvalidInput("unknown status", fields={
                "status": "one of " + ", ".join(s.value for s in TicketStatus)})
        query = query.where(Ticket.status == TicketStatus(status))
    if community:
        query = query.where(Ticket.community_id.in_(
            select(Community.id).where(Community.code == community)))
    if assignee:
        query = query.where(Ticket.assignee_id.in_(
            select(Organization.id).where(Organization.code == assignee)))
    if category:
        query = query.where(Ticket.category == category)
    if date_from:
        query = query.where(Ticket.reported_at >= _local_midnight(date_from))
    if date_to:
        end = _local_midnight(min(date_to, _LATEST) + timedelta(days=1))
        query = query.where(Ticket.reported_at < end)
    return query


# Bounds far outside any ticket that still survive the shift between time zones.
_EARLIEST, _LATEST = date(1900, 1, 1), date(9000, 12, 31)


def _local_midnight(day: date) -> datetime:
    day = min(max(day, _EARLIEST), _LATEST)
    return datetime(day.year, day.month, day.day, tzinfo=clock.LOCAL_TZ)


def get_ticket_or_404(session: Session, actor, ticket_id) -> Ticket:
    """The ticket with this id if `actor` may see it; else NotFound."""
    key = valid_id(ticket_id)
    ticket = None
    if key is not None:
        ticket = session.scalar(
            select(Ticket).where(Ticket.id == key, permissions.ticket_clause(actor))
        )
    if ticket is None:
        raise NotFound(f"no ticket {ticket_id}", code="ticket_not_found")
    return ticket


def open_queue(actor):
    """The caller organisation's open tickets, nearest resolution deadline first."""
    return (
        select(Ticket)
        .where(
            Ticket.assignee_id == actor.organization_id,
            permissions.ticket_clause(actor),
            or_(*(Ticket.status == s for s in
                  (TicketStatus.assigned, TicketStatus.accepted, TicketStatus.in_progress,
                   TicketStatus.disputed))),
        )
        .order_by(Ticket.due_resolve_at, Ticket.id)
    )


def ticket_communities(actor):
    """A select of the communities to filter `actor`'s tickets by, by code.

    The communities it sees, and those of the tickets it sees elsewhere (a
    contractor without a region holds tickets in communities it does not watch).
    """
    with_tickets = select(Ticket.community_id).where(permissions.ticket_clause(actor))
    return (
        select(Community)
        .where(or_(permissions.community_clause(actor), Community.id.in_(with_tickets)))
        .order_by(Community.code)
    )
