"""The append-only audit trail that every service writes to (docs/reliability.md#audit)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from pmsys import unit_of_work
from pmsys.db import utcnow
from pmsys.models.audit import AuditRecord, AuditTamperError

__all__ = ["AuditRecord", "AuditTamperError", "record", "refusal"]


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
