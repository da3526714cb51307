"""Who keeps, signs and reads a community's maintenance fund (docs/domain.md#fund)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from pmsys.auth.permissions.communities import _is_user, can_see_community
from pmsys.auth.permissions.tickets import may_arbitrate
from pmsys.models.auth import Role
from pmsys.models.governance import Committee, CommitteeStatus
from pmsys.models.places import Community


def sits_on_fund_committee(session: Session, actor, community: Community) -> bool:
    """Whether `actor` is a member login of the community's committee in office."""
    if not _is_user(actor) or actor.role is not Role.committee_member:
        return False
    in_office = session.scalar(select(Committee.organization_id).where(
        Committee.community_id == community.id, Committee.status == CommitteeStatus.active))
    return in_office is not None and in_office == actor.organization_id


def can_keep_fund(session: Session, actor, community: Community) -> bool:
    """Whether `actor` records the fund's entries: deposits, interest, spends, corrections.

    The street office of the community (or its community office), the bureau over it, a
    sysadmin, and the owners' committee in office. Not the manager: the fund is the owners'.
    """
    if not _is_user(actor):
        return False
    if actor.role is Role.sysadmin:
        return True
    if actor.role is Role.bureau_admin:
        return can_see_community(session, actor, community)
    return (may_arbitrate(session, actor, community)
            or sits_on_fund_committee(session, actor, community))


def fund_signing_side(session: Session, actor, community: Community) -> str | None:
    """The side `actor` signs a spend for ("committee", "street_office"), or None."""
    if sits_on_fund_committee(session, actor, community):
        return "committee"
    if may_arbitrate(session, actor, community):
        return "street_office"
    return None
