"""Who sees which communities and their households (docs/domain.md#visibility): the clauses
the other permission modules build on."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, bindparam, false, func, or_, select, true
from sqlalchemy.orm import Session

from pmsys import clock
from pmsys.errors import NotFound
from pmsys.models.auth import OrgKind, Role, User
from pmsys.models.governance import ManagementTerm
from pmsys.models.places import Building, Community, Household, HouseholdResident, Region, Unit

# Roles that may read a visible community's households and their owners.
HOUSEHOLD_READERS = frozenset(
    {Role.sysadmin, Role.bureau_admin, Role.street_officer, Role.manager, Role.committee_member}
)


def _is_user(actor) -> bool:
    return isinstance(actor, User) and actor.active


def is_active_user(actor) -> bool:
    """Whether `actor` is a logged-in, active user (not anonymous, not the scheduler)."""
    return _is_user(actor)


def region_subtree(region_id: int):
    """A selectable of the ids of a region and everything below it."""
    tree = select(Region.id).where(Region.id == region_id).cte(recursive=True)
    tree = tree.union_all(select(Region.id).where(Region.parent_id == tree.c.id))
    return select(tree.c.id)


def managed_community_ids(org_id: int):
    """A selectable of the communities an organisation manages today."""
    today = clock.today()
    return select(ManagementTerm.community_id).where(
        ManagementTerm.organization_id == org_id,
        ManagementTerm.start <= today,
        or_(ManagementTerm.end.is_(None), ManagementTerm.end >= today),
    )


def resident_community_ids(person_id: int):
    """A selectable of the communities where a person owns or lives in a household."""
    owned = select(Household.id).where(Household.owner_id == person_id)
    lived = select(HouseholdResident.household_id).where(HouseholdResident.person_id == person_id)
    return (
        select(Building.community_id)
        .join(Unit, Unit.building_id == Building.id)
        .join(Household, Household.unit_id == Unit.id)
        .where(or_(Household.id.in_(owned), Household.id.in_(lived)))
    )


def community_clause(actor) -> ColumnElement[bool]:
    """The filter on Community that selects what `actor` may see."""
    if not _is_user(actor):
        return false()
    role, org = actor.role, actor.organization
    if role is Role.sysadmin:
        return true()
    if role is Role.resident:
        return Community.id.in_(resident_community_ids(actor.person_id))
    if org is None:
        return false()
    if role is Role.committee_member:
        return Community.id == org.community_id if org.community_id else false()
    if role is Role.manager:
        return Community.id.in_(managed_community_ids(org.id))
    if role is Role.street_officer and org.kind is OrgKind.community_office:
        return Community.community_office_id == org.id
    if role in (Role.street_officer, Role.bureau_admin, Role.operator):
        if org.region_id is None:
            return false()
        return Community.street_id.in_(region_subtree(org.region_id))
    return false()


def sees_every_community(session: Session, actor) -> bool:
    """Whether `actor` sees every community, so that a reading over all of them needs no list.

    A sysadmin does; a street officer or a bureau administrator when its area holds every
    community, which one short statement tells. The other roles see the communities of a
    list (a manager's, a committee's, a resident's, an operator's area only for its own
    tickets) and are not asked: False.
    """
    if not _is_user(actor):
        return False
    if actor.role is Role.sysadmin:
        return True
    if actor.role not in (Role.bureau_admin, Role.street_officer):
        return False
    unseen = select(Community.id).where(~func.coalesce(community_clause(actor), false()))
    return not session.scalar(select(unseen.exists()))


def visible_communities(actor):
    """A select of the communities `actor` may see, by name."""
    return select(Community).where(community_clause(actor)).order_by(Community.code)


def _visible_community_ids(actor):
    return select(Community.id).where(community_clause(actor))


def can_see_community(session: Session, actor, community: Community) -> bool:
    """Whether `actor` may see this community at all."""
    query = select(Community.id).where(Community.id == community.id, community_clause(actor))
    return session.scalar(query) is not None


def probe(session: Session, column, value, object_type: str) -> tuple[str, str] | None:
    """(object_type, value) if a row has `column == value`, for a 404 that hides it.

    The answer is the same 404 either way; only the audit trail learns that an
    existing object was asked for (docs/reliability.md#audit). Costs one query,
    on refusals only.
    """
    if value is None:
        return None
    found = session.scalar(select(column).where(column == value).limit(1))
    return None if found is None else (object_type, str(value))


# A resident's community by code: every filing by a resident asks it, so it is built once
# (the same clause as community_clause's for a resident).
_RESIDENTS_COMMUNITY = select(Community).where(
    Community.code == bindparam("code"),
    Community.id.in_(resident_community_ids(bindparam("person_id"))),
)


def get_community_or_404(session: Session, actor, code: str) -> Community:
    """Return the community with this code if `actor` may see it; else NotFound."""
    if _is_user(actor) and actor.role is Role.resident:
        community = session.scalar(_RESIDENTS_COMMUNITY,
                                   {"code": code, "person_id": actor.person_id})
    else:
        community = session.scalar(
            select(Community).where(Community.code == code, community_clause(actor))
        )
    if community is None:
        raise NotFound(f"no community {code}", code="community_not_found",
                       hidden=probe(session, Community.code, code, "community"))
    return community


def household_clause(actor, community: Community) -> ColumnElement[bool]:
    """The filter on Household for the households of `community` that `actor` may read.

    Staff who serve the community read all of them; a resident reads only the
    ones they own or live in; operators read none (minimum necessary, docs/domain.md#privacy).
    The clause is complete on its own: it also confines the rows to `community`
    and to a community the actor may see.
    """
    if not _is_user(actor):
        return false()
    if actor.role is Role.resident:
        lived = select(HouseholdResident.household_id).where(
            HouseholdResident.person_id == actor.person_id
        )
        readable = or_(Household.owner_id == actor.person_id, Household.id.in_(lived))
    elif actor.role in HOUSEHOLD_READERS:
        readable = true()
    else:
        return false()
    units_here = (
        select(Unit.id)
        .join(Building, Building.id == Unit.building_id)
        .join(Community, Community.id == Building.community_id)
        .where(Community.id == community.id, community_clause(actor))
    )
    return and_(Household.unit_id.in_(units_here), readable)


def can_see_owners(actor) -> bool:
    """Whether `actor`'s role may read owners of record in the communities it sees."""
    return _is_user(actor) and actor.role in HOUSEHOLD_READERS


def can_see_full_phone(session: Session, actor, community: Community) -> bool:
    """Whether `actor` may read owners' phone numbers unmasked in this community.

    Only the community's current manager needs to call owners; everyone else
    sees them masked (Personal Information Protection Law: minimum necessary).
    """
    if not _is_user(actor):
        return False
    if actor.role is Role.sysadmin:
        return True
    if actor.role is Role.manager and actor.organization_id is not None:
        managed = managed_community_ids(actor.organization_id).where(
            ManagementTerm.community_id == community.id
        )
        return session.scalar(managed) is not None
    return False


def mask_phone(phone: str | None) -> str | None:
    """Show the first three and last four digits only: 138****0000."""
    if not phone:
        return phone
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def can_import(actor) -> bool:
    """Whether `actor` may load region bundles (bureau administrators, sysadmins)."""
    return _is_user(actor) and actor.role in (Role.bureau_admin, Role.sysadmin)
