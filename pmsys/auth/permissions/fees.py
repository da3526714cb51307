"""Who reads and keeps property fees and the public revenue ledger (docs/domain.md#fees)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.orm import Session

from pmsys.auth.permissions.communities import _is_user, community_clause, managed_community_ids
from pmsys.models.auth import Role
from pmsys.models.fees import Bill
from pmsys.models.governance import ManagementTerm
from pmsys.models.places import Community, Household, HouseholdResident

# Roles that read the fee figures (bills, payments, collection) of the communities they see.
FEE_READERS = frozenset(
    {Role.manager, Role.committee_member, Role.street_officer, Role.bureau_admin, Role.sysadmin}
)


def manages_community(session: Session, actor, community: Community) -> bool:
    """Whether `actor` is staff of the community's manager today (term in force)."""
    if not _is_user(actor) or actor.organization_id is None:
        return False
    managed = managed_community_ids(actor.organization_id).where(
        ManagementTerm.community_id == community.id
    )
    return session.scalar(managed) is not None


def can_keep_fees(session: Session, actor, community: Community) -> bool:
    """Whether `actor` sets fee standards, bills and records payments for this community.

    The manager in office does (docs/domain.md#fees); a sysadmin may, for repairs.
    """
    if not _is_user(actor):
        return False
    if actor.role is Role.sysadmin:
        return True
    return actor.role is Role.manager and manages_community(session, actor, community)


def can_read_fees(actor) -> bool:
    """Whether `actor`'s role reads fee figures (of the communities it sees)."""
    return _is_user(actor) and actor.role in FEE_READERS


def can_keep_revenue(session: Session, actor, community: Community) -> bool:
    """Whether `actor` writes the community's public revenue ledger: its manager or committee."""
    if not _is_user(actor):
        return False
    if actor.role is Role.committee_member:
        org = actor.organization
        return org is not None and org.community_id == community.id
    return can_keep_fees(session, actor, community)


def bill_clause(actor) -> ColumnElement[bool]:
    """The filter on Bill for the bills `actor` may read.

    The same rule as `permissions.household_clause`, over every community at once:
    staff who read fees (FEE_READERS) read the bills of the communities they see; a
    resident those of the households they own or live in; everybody else none.
    """

    if not _is_user(actor):
        return false()
    seen = select(Community.id).where(community_clause(actor))
    if actor.role is Role.resident:
        owned = select(Household.id).where(Household.owner_id == actor.person_id)
        lived = select(HouseholdResident.household_id).where(
            HouseholdResident.person_id == actor.person_id)
        return and_(Bill.community_id.in_(seen),
                    or_(Bill.household_id.in_(owned), Bill.household_id.in_(lived)))
    if can_read_fees(actor):
        return Bill.community_id.in_(seen)
    return false()
