"""The append-only audit trail that every service writes to (RELIABILITY.md §16)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, event, insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from pmsys.db import Base, UTCDateTime, utcnow


class AuditRecord(Base):
    """Who did what to which object, and when. Never updated, never deleted."""

    __tablename__ = "audit_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # The username at the time, or "system" / "cli" for unattended work.
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_key: Mapped[str] = mapped_column(String(200), default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    client: Mapped[str | None] = mapped_column(String(64))

    def __repr__(self) -> str:
        return f"<AuditRecord {self.action} {self.object_type}:{self.object_key}>"


class AuditTamperError(RuntimeError):
    """Raised when code tries to change or delete an audit record."""


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session, _context, _instances):
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditRecord):
            raise AuditTamperError("audit records are append-only")


def record(
    session: Session,
    actor,
    action: str,
    object_type: str,
    object_key: object = "",
    *,
    client: str | None = None,
    **data,
) -> AuditRecord:
    """Append one audit record; `actor` is a User, or a string for unattended work.

    `data` must hold no secret: no password, token or full phone number.
    """
    actor_id, actor_name = _who(actor)
    entry = AuditRecord(
        actor_id=actor_id,
        actor=actor_name,
        action=action,
        object_type=object_type,
        object_key=str(object_key),
        data=data,
        client=client,
    )
    session.add(entry)
    return entry


def record_many(
    session: Session, actor, action: str, object_type: str,
    entries: Iterable[tuple[object, dict]],
) -> int:
    """Append one record of `action` per (object key, data) of `entries`, in one statement.

    For work that records thousands at once (a region bundle's hand-overs); the
    records are the same as `record` would append. Returns how many.
    """
    actor_id, actor_name = _who(actor)
    rows = [
        {"actor_id": actor_id, "actor": actor_name, "action": action,
         "object_type": object_type, "object_key": str(key), "data": data, "client": None}
        for key, data in entries
    ]
    if rows:
        session.execute(insert(AuditRecord.__table__), rows)
    return len(rows)


def _who(actor) -> tuple[int | None, str]:
    """(user id, name) of a User, or (None, the string) for unattended work."""
    if isinstance(actor, str) or actor is None:
        return None, actor or "system"
    return actor.id, actor.username
