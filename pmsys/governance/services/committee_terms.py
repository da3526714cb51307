"""Committee terms over time, for the daily job: expiry and the warning before the end."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from pmsys import audit, clock
from pmsys.auth import permissions
from pmsys.governance import committees as rules_mod
from pmsys.governance.services.committees import end_committee, rules_for
from pmsys.models.auth import Organization, OrgKind, Role, User
from pmsys.models.governance import Committee, CommitteeStatus
from pmsys.models.places import Community
from pmsys.notify import notify_users

ACTIVE = CommitteeStatus.active


def _rules_cache(session: Session):
    """rules_for, asked once per street."""
    cache: dict[int, dict[str, int]] = {}

    def rules(community: Community) -> dict[str, int]:
        if community.street_id not in cache:
            cache[community.street_id] = rules_for(session, community)
        return cache[community.street_id]

    return rules


def expire_due(session: Session, today: date) -> dict:
    """For the job: expire committees whose term ended; warn once those ending within warn_days.

    The warning is a notification (kind "committee_term_ending", data:
    community code and name, term_end, days) to the committee's logins and
    the street office's; `warned_at` is set so it goes out once. Returns
    {"expired": n, "warned": m}.
    """

    done, rules = {"expired": 0, "warned": 0}, _rules_cache(session)
    for committee in session.scalars(
        select(Committee).where(Committee.status == ACTIVE, Committee.term_end.is_not(None))
        .options(selectinload(Committee.community)).order_by(Committee.id)
    ).all():
        community = committee.community
        if rules_mod.expired_by(committee.term_end, today):
            end_committee(session, "scheduler", committee, committee.term_end, "term_over")
            done["expired"] += 1
        elif committee.warned_at is None and rules_mod.warning_due(
                committee.term_end, today, rules(community)):
            watchers = select(Organization.id).where(or_(
                Organization.id == committee.organization_id,
                Organization.id == community.community_office_id,
                (Organization.kind == OrgKind.street_office)
                & (Organization.region_id == community.street_id)))
            # A grid worker of the street office follows their grid, not its committees.
            users = session.scalars(select(User.id).where(
                User.organization_id.in_(watchers), User.active.is_(True),
                User.role != Role.grid_worker))
            notify_users(session, users, "committee_term_ending", None,
                         community=community.code, community_name=community.name,
                         term_end=committee.term_end.isoformat(),
                         days=(committee.term_end - today).days)
            committee.warned_at = clock.now()
            audit.record(session, "scheduler", "committee_term_warned", "committee",
                         committee.id, community=community.code,
                         term_end=committee.term_end.isoformat())
            done["warned"] += 1
    session.flush()
    return done


def ending_soon(session: Session, actor, today: date) -> list[Committee]:
    """Committees in office of the communities `actor` sees whose term ends within warn_days."""
    rules = _rules_cache(session)
    rows = session.scalars(
        select(Committee).join(Community, Community.id == Committee.community_id)
        .where(Committee.status == ACTIVE, Committee.term_end >= today,
               permissions.community_clause(actor))
        .options(selectinload(Committee.community)).order_by(Committee.term_end, Committee.id))
    return [c for c in rows if rules_mod.warning_due(c.term_end, today, rules(c.community))]
