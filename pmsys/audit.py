"""The append-only audit trail that every service writes to (docs/reliability.md#audit)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from pmsys import unit_of_work
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


def _entry(actor, action, object_type, object_key, client, data) -> AuditRecord:
    if isinstance(actor, str) or actor is None:
        actor_id, actor_name = None, actor or "system"
    else:
        actor_id, actor_name = actor.id, actor.username
    return AuditRecord(
        at=utcnow(),
        actor_id=actor_id,
        actor=actor_name,
        action=action,
        object_type=object_type,
        object_key=str(object_key),
        data=data,
        client=client,
    )


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
    entry = _entry(actor, action, object_type, object_key, client, data)
    session.add(entry)
    return entry


def refusal(session: Session, actor, action: str, object_type: str, object_key: object = "",
            **details) -> None:
    """Record a refused attempt; the record stays although the refused work is rolled back.

    It is written in a short transaction of its own when the unit of work ends
    (pmsys/unit_of_work.py), whether or not that commits. `details` as `record`'s
    `data` (and its `client`).
    """
    client = details.pop("client", None)
    entry = _entry(actor, action, object_type, object_key, client, details)
    unit_of_work.after_end(session, lambda later: later.add(entry))
