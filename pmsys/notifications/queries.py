"""Reading a user's notifications and marking them read (docs/domain.md#notifications)."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from pmsys import clock
from pmsys.auth import permissions
from pmsys.db import valid_id
from pmsys.errors import NotFound
from pmsys.governance.access import vote_clause
from pmsys.models.assets import Handover
from pmsys.models.governance import Vote
from pmsys.models.places import Community
from pmsys.models.tickets import Notification, Ticket


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
