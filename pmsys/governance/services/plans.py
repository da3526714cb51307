"""Long-term management plans (长效管理机制, docs/domain.md#plans): how a community without a
term in force will be managed after its renovation, recorded by the street office or the
bureau; and which communities have no long-term management arrangement at all.

CONTRACT (written first; the body follows it exactly).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from pmsys import audit, clock
from pmsys.errors import Forbidden, InvalidInput
from pmsys.governance import access
from pmsys.governance.services.coverage import term_in_force
from pmsys.models.governance import ManagementMode, ManagementPlan
from pmsys.models.places import Community

# The modes a plan may name: the legacy original-unit mode is never planned.
PLAN_MODES = ("professional", "self", "community")
NOTE_MAX = 2000


def record_plan(session: Session, actor, community: Community, *, mode, note,
                starts_on: date | None = None) -> ManagementPlan:
    """Record a long-term management plan for `community`.

    Who: `access.may_record_plan` else Forbidden. mode one of PLAN_MODES else
    InvalidInput(fields={"mode"}); note required, at most NOTE_MAX characters, else
    InvalidInput(fields={"note"}); starts_on a date or None else InvalidInput(fields=
    {"starts_on"}). recorded_on is today (Asia/Shanghai). Never edits an older plan: the
    newest one is the community's plan. Audit "management_plan_recorded".
    """
    if not access.may_record_plan(session, actor, community):
        raise Forbidden("only the street office or the bureau records a management plan")
    if not isinstance(mode, str) or mode not in PLAN_MODES:
        raise InvalidInput(f"unknown plan mode {mode!r}", fields={"mode": ", ".join(PLAN_MODES)})
    text = note.strip() if isinstance(note, str) else ""
    if not text or len(text) > NOTE_MAX:
        raise InvalidInput("say what was agreed", fields={
            "note": f"required, at most {NOTE_MAX} characters"})
    if starts_on is not None and not isinstance(starts_on, date):
        raise InvalidInput("starts_on must be a date", fields={"starts_on": "a date"})
    plan = ManagementPlan(community_id=community.id, mode=ManagementMode(mode), note=text,
                          starts_on=starts_on, recorded_on=clock.today(),
                          recorded_by_id=actor.id)
    session.add(plan)
    session.flush()
    audit.record(session, actor, "management_plan_recorded", "community", community.code,
                 plan=plan.id, mode=mode,
                 starts_on=starts_on.isoformat() if starts_on else None)
    return plan


def plans_of(session: Session, community: Community) -> list[ManagementPlan]:
    """The community's plans, newest first."""
    return list(session.scalars(select(ManagementPlan)
                                .where(ManagementPlan.community_id == community.id)
                                .order_by(ManagementPlan.recorded_at.desc(),
                                          ManagementPlan.id.desc())))


def without_arrangement(session: Session, community_ids: Iterable[int], on: date) -> list[str]:
    """The codes (sorted) of those communities with neither a management term in force on
    `on` nor a recorded plan: no long-term management arrangement. One statement."""
    ids = list(community_ids)
    if not ids:
        return []
    term = exists().where(*term_in_force(on))
    plan = exists().where(ManagementPlan.community_id == Community.id)
    return list(session.scalars(select(Community.code).where(
        Community.id.in_(ids), ~term, ~plan).order_by(Community.code)))
