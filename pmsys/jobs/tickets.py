"""The ticket jobs: escalation past deadlines and closing unanswered resolutions
(docs/domain.md#escalation).

Both take an explicit `now` and commit in batches, so `run-job NAME --now ISO`
and the scheduler run the same code. Running either twice for the same `now`
changes nothing the second time: a level is never raised twice and a closed
ticket is not closed again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from pmsys import audit
from pmsys.extensions import db
from pmsys.models.places import Community
from pmsys.models.tickets import OPEN_STATUSES, Ticket, TicketEvent, TicketStatus
from pmsys.notify import notify_org, notify_reporter
from pmsys.places.services import housing_bureau, street_office
from pmsys.scheduling import job
from pmsys.settings import get_setting
from pmsys.tickets import sla
from pmsys.tickets.services.filing import deadline_windows

BATCH = 200
SYSTEM = "scheduler"


def level_recipient(session: Session, ticket: Ticket, level: int):
    """The organisation told at an escalation level: the assignee, its street office, the bureau."""
    community = session.get(Community, ticket.community_id)
    if level == sla.ORG_MANAGERS:
        return ticket.assignee
    if level == sla.STREET_OFFICE:
        return street_office(session, community)
    return housing_bureau(session, community)


def escalate_tickets(session: Session, now: datetime) -> dict:
    """Raise every open ticket one level per missed deadline; record and notify each level."""
    raised = tickets = 0
    last_id = 0
    while True:
        batch = session.scalars(
            select(Ticket)
            .where(
                Ticket.id > last_id,
                Ticket.status.in_(list(OPEN_STATUSES)),
                Ticket.escalation_level < sla.TOP_LEVEL,
                (Ticket.due_respond_at < now) | (Ticket.due_resolve_at < now),
            )
            .order_by(Ticket.id)
            .limit(BATCH)
        ).all()
        if not batch:
            break
        for ticket in batch:
            last_id = ticket.id
            community = session.get(Community, ticket.community_id)
            windows = deadline_windows(session, ticket.category, ticket.priority.value,
                                       ticket.assignee, community)
            missed = sla.missed_deadlines(
                now,
                due_respond_at=ticket.due_respond_at,
                responded_at=ticket.responded_at,
                due_resolve_at=ticket.due_resolve_at,
                resolved_at=ticket.resolved_at,
                resolve_window=windows.resolve,
            )
            target = sla.escalation_target(ticket.escalation_level, missed)
            if target == ticket.escalation_level:
                continue
            tickets += 1
            for level in range(ticket.escalation_level + 1, target + 1):
                org = level_recipient(session, ticket, level)
                session.add(TicketEvent(
                    ticket_id=ticket.id, action="escalate", status_after=ticket.status.value,
                    at=now, data={"level": level, "org": org.code if org else None,
                                  "missed": missed}))
                if org is not None:
                    notify_org(session, org.id, "escalated", ticket, level=level)
                raised += 1
            ticket.escalation_level = target
            ticket.escalated_at = now
            audit.record(session, SYSTEM, "ticket_escalated", "ticket", ticket.number,
                         level=target, missed=missed)
        session.commit()
    return {"tickets": tickets, "levels": raised}


def auto_close_tickets(session: Session, now: datetime) -> dict:
    """Close tickets resolved more than the configured hours ago with no answer (72 h)."""
    closed = 0
    hours = get_setting(session, "ticket_auto_close_hours")
    cutoff = now - timedelta(hours=hours)
    while True:
        batch = session.scalars(
            select(Ticket)
            .where(Ticket.status == TicketStatus.resolved, Ticket.resolved_at < cutoff)
            .order_by(Ticket.id)
            .limit(BATCH)
        ).all()
        if not batch:
            break
        for ticket in batch:
            ticket.status = TicketStatus.closed
            ticket.closed_at = now
            session.add(TicketEvent(ticket_id=ticket.id, action="auto_close",
                                    status_after=ticket.status.value, at=now,
                                    data={"resolved_at": ticket.resolved_at.isoformat()}))
            notify_reporter(session, ticket, "status", action="auto_close")
            audit.record(session, SYSTEM, "ticket_auto_closed", "ticket", ticket.number)
            closed += 1
        session.commit()
    return {"closed": closed}


@job("escalate", "Escalate open tickets past their deadlines, one level per missed deadline.",
     trigger="interval", minutes=5)
def escalate(now: datetime) -> dict:

    summary = escalate_tickets(db.session, now)
    audit.record(db.session, SYSTEM, "job_run", "job", "escalate", **summary)
    db.session.commit()
    return summary


@job("auto_close", "Close tickets resolved over 72 hours ago without an answer.",
     trigger="interval", minutes=15)
def auto_close(now: datetime) -> dict:

    summary = auto_close_tickets(db.session, now)
    audit.record(db.session, SYSTEM, "job_run", "job", "auto_close", **summary)
    db.session.commit()
    return summary

