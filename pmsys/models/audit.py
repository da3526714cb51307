"""The append-only audit trail's table (docs/reliability.md#audit)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, event
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
