"""The append-only audit trail that every service writes to (docs/reliability.md#audit)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import insert
from sqlalchemy.orm import Session

from pmsys import unit_of_work
from pmsys.db import Write, insert_values, utcnow
from pmsys.models.audit import AuditRecord, AuditTamperError

__all__ = ["AuditRecord", "AuditTamperError", "record", "record_many", "record_now", "record_write",
           "refusal",
           "refused_request"]


def _who(actor) -> tuple[int | None, str]:
    """(user id, name) of a User, or (None, the string) for unattended work."""
    if isinstance(actor, str) or actor is None:
        return None, actor or "system"
    return actor.id, actor.username


def _entry(actor, action, object_type, object_key, client, data) -> AuditRecord:
    actor_id, actor_name = _who(actor)
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


def record_now(session: Session, actor, action: str, object_type: str, object_key: object = "",
               *, client: str | None = None, **data) -> None:
    """Append one record as `record` does, but at once, in a statement of its own.

    For a path whose other writes skip the unit of work's flush (filing a ticket):
    the record is not left for the next flush to write.
    """
    statement, params = record_write(actor, action, object_type, object_key, client=client,
                                     **data)
    session.execute(statement, params)


def record_write(actor, action: str, object_type: str, object_key: object = "", *,
                 client: str | None = None, **data) -> Write:
    """The insert of one record as `record_now` makes it, for `db.write_all` with others."""
    actor_id, actor_name = _who(actor)
    return Write(_INSERT, {"at": utcnow(), "actor_id": actor_id, "actor": actor_name,
                           "action": action, "object_type": object_type,
                           "object_key": str(object_key), "data": data, "client": client})


_INSERT = insert_values(AuditRecord.__table__, ("at", "actor_id", "actor", "action",
                                                "object_type", "object_key", "data", "client"))


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
    unit_of_work.note_refusal(session)


def refused_request(session: Session, actor, *, status: int, method: str, path: str,
                    code: str | None = None, hidden: tuple[str, str] | None = None) -> None:
    """One record for a request refused with 403, or with 404 for an object that exists.

    Every domain's refusals come through here, whatever view or API answered
    (docs/reliability.md#audit); a service that recorded its own refusal record
    (with more detail) in this unit of work is not recorded twice. The record
    names who, the request and the object; never a body, a query string or a phone.
    """
    if unit_of_work.refusals_noted(session):
        return
    if status == 403:
        refusal(session, actor, "request_refused", "request", f"{method} {path}",
                status=status, code=code)
    elif status == 404 and hidden is not None:
        object_type, key = hidden
        refusal(session, actor, "hidden_object_probed", object_type, key,
                status=status, code=code, request=f"{method} {path}")


def record_many(
    session: Session, actor, action: str, object_type: str,
    entries: Iterable[tuple[object, dict]],
) -> int:
    """Append one record of `action` per (object key, data) of `entries`, in one statement.

    For work that records thousands at once (a region bundle's hand-overs); the
    records are the same as `record` would append. Returns how many.
    """
    actor_id, actor_name = _who(actor)
    at = utcnow()
    rows = [
        {"at": at, "actor_id": actor_id, "actor": actor_name, "action": action,
         "object_type": object_type, "object_key": str(key), "data": data, "client": None}
        for key, data in entries
    ]
    if rows:
        session.execute(insert(AuditRecord.__table__), rows)
    return len(rows)
