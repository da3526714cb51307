"""Telling people (docs/domain.md#notifications): the in-app notifications every domain writes.

The assignee organisation's staff on a new, reassigned or escalated ticket; the
reporter on every change of status; the escalation level's organisation; the
parties of a hand-over; the owners of a vote. A notification stores its kind
and parameters, so each reader sees it in their own language. Writing one is a
row in the same transaction as the change; reading, marking and wording them is
pmsys/notifications (a layer above the domains).
"""

from __future__ import annotations

from sqlalchemy import JSON, Integer, String, bindparam, insert, select
from sqlalchemy.orm import Session

from pmsys import clock
from pmsys.db import UTCDateTime, Write, insert_values
from pmsys.models.auth import Role, User
from pmsys.models.tickets import Notification, Ticket

KINDS = (
    "new", "reassigned", "escalated", "gas_notice", "filed", "status", "comment", "disputed",
    "upheld", "reopened", "hurried",
)


def notify_users(session: Session, user_ids, kind: str, ticket: Ticket | None, **data) -> int:
    """Add one notification per user; returns how many were written (one statement)."""
    rows = _user_rows(user_ids, kind, ticket, data)
    if rows:
        session.execute(insert(Notification), rows)
    return len(rows)


def users_writes(user_ids, kind: str, ticket: Ticket | None, **data) -> list[Write]:
    """The inserts `notify_users` makes, one per user, for `db.write_all` with others."""
    return [Write(_NOTIFY_USER, row) for row in _user_rows(user_ids, kind, ticket, data)]


def _user_rows(user_ids, kind: str, ticket: Ticket | None, data: dict) -> list[dict]:
    ids = sorted({uid for uid in user_ids if uid is not None})
    payload = {"number": ticket.number, "status": ticket.status.value, **data} if ticket else data
    now = clock.now()
    return [{"user_id": uid, "kind": kind, "ticket_id": ticket.id if ticket else None,
             "data": payload, "created_at": now} for uid in ids]


_NOTIFY_USER = insert_values(Notification.__table__,
                             ("user_id", "kind", "ticket_id", "data", "created_at"))


def org_user_ids(session: Session, org_id: int) -> list[int]:
    """The active users of an organisation."""
    return list(session.scalars(
        select(User.id).where(User.organization_id == org_id, User.active.is_(True),
                              User.role != Role.grid_worker)
    ))


# Built once, run with parameters: building an INSERT … SELECT costs more than running it.
# On the table, not the entity: with parameters the ORM would take it for a bulk insert.
_NOTIFY_ORG = insert(Notification.__table__).from_select(
    ["user_id", "kind", "ticket_id", "data", "created_at"],
    select(
        User.id, bindparam("kind", type_=String), bindparam("ticket_id", type_=Integer),
        bindparam("data", type_=JSON), bindparam("created_at", type_=UTCDateTime),
    ).where(User.organization_id == bindparam("org_id"), User.active.is_(True),
            # A grid worker sees their grid, not their office's tickets.
            User.role != Role.grid_worker),
)


def notify_org(session: Session, org_id: int, kind: str, ticket: Ticket, **data) -> int:
    """Tell every active user of an organisation (one statement)."""
    statement, params = org_write(org_id, kind, ticket, **data)
    return session.execute(statement, params).rowcount


def org_write(org_id: int, kind: str, ticket: Ticket, **data) -> Write:
    """The insert `notify_org` makes, for `db.write_all` with others."""
    payload = {"number": ticket.number, "status": ticket.status.value, **data}
    return Write(_NOTIFY_ORG, {"org_id": org_id, "kind": kind, "ticket_id": ticket.id,
                               "data": payload, "created_at": clock.now()})


def notify_reporter(session: Session, ticket: Ticket, kind: str = "status", *, actor=None,
                    **data) -> int:
    """Tell the reporter (not when the reporter is the one acting)."""
    if ticket.reporter_id is None or getattr(actor, "id", None) == ticket.reporter_id:
        return 0
    return notify_users(session, [ticket.reporter_id], kind, ticket, **data)


def reporter_writes(ticket: Ticket, kind: str = "status", *, actor=None, **data) -> list[Write]:
    """The insert `notify_reporter` makes (none when the reporter acts), for `db.write_all`."""
    if ticket.reporter_id is None or getattr(actor, "id", None) == ticket.reporter_id:
        return []
    return users_writes([ticket.reporter_id], kind, ticket, **data)
