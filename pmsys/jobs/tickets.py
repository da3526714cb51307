"""The ticket jobs: escalation past deadlines and closing unanswered resolutions
(docs/domain.md#escalation).

Both take an explicit `now` and run as one unit of work (pmsys/scheduling.py
commits it), so `run-job NAME --now ISO` and the scheduler run the same code.
Running either twice for the same `now` changes nothing the second time: a level
is never raised twice and a closed ticket is not closed again. Each ticket is
changed in a savepoint: when another run took it first (its version moved on),
that ticket is skipped and counted, and the run goes on.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from pmsys import audit
from pmsys.extensions import db
from pmsys.models.places import Community
from pmsys.models.tickets import OPEN_STATUSES, Ticket, TicketEvent, TicketStatus
from pmsys.notify import notify_org, notify_reporter
from pmsys.outbox import publish_ticket
from pmsys.places.services import housing_bureau, street_office
from pmsys.scheduling import job
from pmsys.settings import get_setting
from pmsys.tickets import rollup, sla
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
    raised = tickets = skipped = 0
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
            outcome = _one_at_a_time(session, _escalate_one, ticket, now)
            if outcome is None:
                skipped += 1
            elif outcome:
                tickets += 1
                raised += outcome
    return {"tickets": tickets, "levels": raised, **_skipped(skipped)}


def _one_at_a_time(session: Session, change, ticket: Ticket, now: datetime):
    """Apply `change(session, ticket, now)` in a savepoint; None when another run changed the
    ticket first (its version moved on), which undoes this ticket's part only."""
    try:
        with session.begin_nested():
            result = change(session, ticket, now)
            session.flush()
        return result
    except StaleDataError:
        return None


def _escalate_one(session: Session, ticket: Ticket, now: datetime) -> int:
    """Raise one ticket to the level its missed deadlines call for; the levels raised."""
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
        return 0
    raised = 0
    for level in range(ticket.escalation_level + 1, target + 1):
        org = level_recipient(session, ticket, level)
        session.add(TicketEvent(
            ticket_id=ticket.id, action="escalate", status_after=ticket.status.value,
            at=now, data={"level": level, "org": org.code if org else None,
                          "missed": missed}))
        if org is not None:
            notify_org(session, org.id, "escalated", ticket, level=level)
            publish_ticket(session, org.id, "ticket.escalated", ticket, level=level,
                           missed=missed)
        if ticket.assignee_id != getattr(org, "id", None):
            # The assignee learns that its ticket went over its head.
            publish_ticket(session, ticket.assignee_id, "ticket.escalated", ticket, level=level,
                           missed=missed)
        raised += 1
    ticket.escalation_level = target
    ticket.escalated_at = now
    audit.record(session, SYSTEM, "ticket_escalated", "ticket", ticket.number,
                 level=target, missed=missed)
    return raised


def auto_close_tickets(session: Session, now: datetime) -> dict:
    """Close tickets resolved more than the configured hours ago with no answer (72 h)."""
    closed = skipped = 0
    hours = get_setting(session, "ticket_auto_close_hours")
    cutoff = now - timedelta(hours=hours)
    last_id = 0
    while True:
        batch = session.scalars(
            select(Ticket)
            .where(Ticket.id > last_id, Ticket.status == TicketStatus.resolved,
                   Ticket.resolved_at < cutoff)
            .order_by(Ticket.id)
            .limit(BATCH)
        ).all()
        if not batch:
            break
        for ticket in batch:
            last_id = ticket.id
            if _one_at_a_time(session, _close_one, ticket, now) is None:
                skipped += 1
            else:
                closed += 1
    return {"closed": closed, **_skipped(skipped)}


def _skipped(count: int) -> dict:
    """The tickets another run changed first, when there were any."""
    return {"skipped_taken_by_another_run": count} if count else {}


def _close_one(session: Session, ticket: Ticket, now: datetime) -> bool:
    ticket.status = TicketStatus.closed
    ticket.closed_at = now
    session.add(TicketEvent(ticket_id=ticket.id, action="auto_close",
                            status_after=ticket.status.value, at=now,
                            data={"resolved_at": ticket.resolved_at.isoformat()}))
    notify_reporter(session, ticket, "status", action="auto_close")
    audit.record(session, SYSTEM, "ticket_auto_closed", "ticket", ticket.number)
    return True


@job("escalate", "Escalate open tickets past their deadlines, one level per missed deadline.",
     trigger="interval", minutes=5)
def escalate(now: datetime) -> dict:
    summary = escalate_tickets(db.session, now)
    audit.record(db.session, SYSTEM, "job_run", "job", "escalate", **summary)
    return summary


@job("auto_close", "Close tickets resolved over 72 hours ago without an answer.",
     trigger="interval", minutes=15)
def auto_close(now: datetime) -> dict:
    summary = auto_close_tickets(db.session, now)
    audit.record(db.session, SYSTEM, "job_run", "job", "auto_close", **summary)
    return summary



@job("ticket_rollups", "Write the ticket measures' rollups of closed months (new or changed).",
     trigger="interval", minutes=30)
def ticket_rollups(now: datetime) -> dict:
    summary = rollup.refresh(db.session, now)
    audit.record(db.session, SYSTEM, "job_run", "job", "ticket_rollups", **summary)
    return summary
