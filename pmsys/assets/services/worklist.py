"""What waits for whom in the hand-over workflow: the hand-overs waiting for a login, the
actions open to it, and the count of open hand-overs (docs/domain.md#handovers).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pmsys.assets import workflow
from pmsys.assets.services.handovers import OPEN_STATES, handover_parties, signed_by
from pmsys.assets.workflow import State, TransitionRefused
from pmsys.auth import permissions
from pmsys.models.assets import (
    Handover,
    HandoverStatus,
)


def waiting_for(session: Session, actor) -> list[Handover]:
    """The hand-overs waiting for `actor`'s organisation to act (submit, inspect or sign)."""
    if getattr(actor, "organization_id", None) is None:
        return []
    candidates = session.scalars(
        select(Handover)
        .where(permissions.handover_clause(actor),
               Handover.status.in_([HandoverStatus.draft, HandoverStatus.returned,
                                    HandoverStatus.submitted, HandoverStatus.inspected]))
        .order_by(Handover.created_at, Handover.id)
    ).all()
    return [h for h in candidates
            if set(available_actions(session, actor, h)) & {"submit", "inspect", "sign"}]


def available_actions(session: Session, actor, handover: Handover) -> list[str]:
    """The actions the workflow lets `actor` take on this hand-over now, in workflow order.

    A sign with open defects is listed (the refusal then says why); fix_defect
    only while a defect is open. take_action checks everything again.
    """
    parties = handover_parties(session, actor, handover)
    if not parties:
        return []
    signed = signed_by(session, actor, handover, parties)
    state = State(handover.status.value)
    open_now = []
    for name in workflow.ACTIONS:
        try:
            workflow.check(name, state, parties, signed_by=signed)
        except TransitionRefused:
            continue
        if name != "fix_defect" or any(d.fixed_at is None for d in handover.defects):
            open_now.append(name)
    return open_now


def count_open(session: Session) -> int:
    """How many hand-overs are not yet effective (for reminders)."""
    return session.scalar(
        select(func.count(Handover.id)).where(Handover.status.in_(OPEN_STATES))
    ) or 0
