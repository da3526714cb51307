"""In-app notifications (docs/domain.md#notifications): who is told what about a ticket.

The assignee organisation's staff on a new, reassigned or escalated ticket; the
reporter on every change of status; the escalation level's organisation. A
notification stores its kind and parameters, so each reader sees it in their
own language.
"""

from __future__ import annotations

from sqlalchemy import JSON, Integer, String, func, insert, literal, select, update
from sqlalchemy.orm import Session

from pmsys import clock
from pmsys.auth.models import User
from pmsys.db import UTCDateTime, valid_id
from pmsys.errors import NotFound
from pmsys.tickets.models import Notification, Ticket

KINDS = (
    "new", "reassigned", "escalated", "gas_notice", "filed", "status", "comment", "disputed",
    "upheld", "reopened",
)


def notify_users(session: Session, user_ids, kind: str, ticket: Ticket | None, **data) -> int:
    """Add one notification per user; returns how many were written (one statement)."""
    ids = sorted({uid for uid in user_ids if uid is not None})
    if not ids:
        return 0
    payload = {"number": ticket.number, "status": ticket.status.value, **data} if ticket else data
    now = clock.now()
    session.execute(
        insert(Notification),
        [
            {"user_id": uid, "kind": kind, "ticket_id": ticket.id if ticket else None,
             "data": payload, "created_at": now}
            for uid in ids
        ],
    )
    return len(ids)


def org_user_ids(session: Session, org_id: int) -> list[int]:
    """The active users of an organisation."""
    return list(session.scalars(
        select(User.id).where(User.organization_id == org_id, User.active.is_(True))
    ))


def notify_org(session: Session, org_id: int, kind: str, ticket: Ticket, **data) -> int:
    """Tell every active user of an organisation (one statement)."""
    payload = {"number": ticket.number, "status": ticket.status.value, **data}
    staff = select(
        User.id, literal(kind, String), literal(ticket.id, Integer),
        literal(payload, JSON), literal(clock.now(), UTCDateTime),
    ).where(User.organization_id == org_id, User.active.is_(True))
    inserted = session.execute(
        insert(Notification).from_select(
            ["user_id", "kind", "ticket_id", "data", "created_at"], staff)
    )
    return inserted.rowcount


def notify_reporter(session: Session, ticket: Ticket, kind: str = "status", *, actor=None,
                    **data) -> int:
    """Tell the reporter (not when the reporter is the one acting)."""
    if ticket.reporter_id is None or getattr(actor, "id", None) == ticket.reporter_id:
        return 0
    return notify_users(session, [ticket.reporter_id], kind, ticket, **data)


def notifications_for(user):
    """A select of a user's notifications, newest first."""
    return (
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


def unread_count(session: Session, user) -> int:
    return session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    ) or 0


def mark_read(session: Session, user, notification_id=None) -> int:
    """Mark one notification (or, with None, all) of `user` read; NotFound for another's."""
    query = update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        key = valid_id(notification_id)
        owned = session.scalar(
            select(Notification.id).where(Notification.id == key,
                                          Notification.user_id == user.id)
        ) if key is not None else None
        if owned is None:
            raise NotFound("no such notification", code="notification_not_found")
        query = query.where(Notification.id == key)
    return session.execute(query.values(read_at=clock.now())).rowcount or 0


def still_visible(session: Session, user, rows) -> tuple[set[int], set[str], set[int], set[str]]:
    """Of the tickets, hand-overs, votes and communities these notifications name, those
    `user` may still open.

    A ticket reassigned away, or a hand-over the user is no longer party to, keeps its
    notification (what was said was said) but loses its link.
    """
    from pmsys.assets.models import Handover
    from pmsys.auth import permissions
    from pmsys.governance.access import vote_clause
    from pmsys.governance.models import Vote
    from pmsys.places.models import Community

    ticket_ids = {n.ticket_id for n in rows if n.ticket_id is not None}
    codes = {(n.data or {}).get("handover") for n in rows} - {None}
    vote_ids = {(n.data or {}).get("vote") for n in rows} - {None}
    vote_ids = {v for v in vote_ids if isinstance(v, int)}
    community_codes = {
        (n.data or {}).get("community") for n in rows if n.kind == "committee_term_ending"
    } - {None}
    tickets = set(session.scalars(
        select(Ticket.id).where(Ticket.id.in_(ticket_ids), permissions.ticket_clause(user))
    )) if ticket_ids else set()
    handovers = set(session.scalars(
        select(Handover.code).where(Handover.code.in_(codes), permissions.handover_clause(user))
    )) if codes else set()
    votes = set(session.scalars(
        select(Vote.id).where(Vote.id.in_(vote_ids), vote_clause(user))
    )) if vote_ids else set()
    communities = set(session.scalars(
        select(Community.code).where(Community.code.in_(community_codes),
                                     permissions.community_clause(user))
    )) if community_codes else set()
    return tickets, handovers, votes, communities
