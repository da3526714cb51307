"""Who may see and do what (docs/domain.md#visibility). The one place that answers it.

Object checks and list filters are built from the same clauses, so a list
never shows what the object check would refuse, and a forbidden object
answers like a missing one (404).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.orm import Session

from pmsys import clock
from pmsys.errors import NotFound
from pmsys.models.assets import (
    Asset,
    AssetMaintainer,
    Handover,
    HandoverAsset,
    Project,
    ProjectCommunity,
    ProjectItem,
)
from pmsys.models.auth import OrgKind, Role, User
from pmsys.models.fees import Bill
from pmsys.models.governance import ManagementTerm
from pmsys.models.places import Building, Community, Household, HouseholdResident, Region, Unit
from pmsys.models.tickets import Ticket

# Roles that may read a visible community's households and their owners.
HOUSEHOLD_READERS = frozenset(
    {Role.sysadmin, Role.bureau_admin, Role.street_officer, Role.manager, Role.committee_member}
)


def _is_user(actor) -> bool:
    return isinstance(actor, User) and actor.active


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


def visible_communities(actor):
    """A select of the communities `actor` may see, by name."""
    return select(Community).where(community_clause(actor)).order_by(Community.code)


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


def get_community_or_404(session: Session, actor, code: str) -> Community:
    """Return the community with this code if `actor` may see it; else NotFound."""
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


# --- Assets, projects and hand-overs (docs/domain.md#projects, #handovers) ------------------------

# Roles that keep the asset register and record projects, within their region.
REGISTER_KEEPERS = frozenset({Role.bureau_admin, Role.sysadmin})
# Roles that oversee hand-overs in the communities they see without being a party.
HANDOVER_OVERSEERS = frozenset(
    {Role.committee_member, Role.street_officer, Role.bureau_admin, Role.sysadmin}
)


def _visible_community_ids(actor):
    return select(Community.id).where(community_clause(actor))


def asset_clause(actor) -> ColumnElement[bool]:
    """The filter on Asset for the assets `actor` may see.

    Everyone who sees a community sees its assets; an operator also sees the
    assets it maintains (or maintained) or holds under warranty, wherever they are.
    """

    if not _is_user(actor):
        return false()
    clauses = [Asset.community_id.in_(_visible_community_ids(actor))]
    if actor.organization_id is not None and actor.role is Role.operator:
        maintained = select(AssetMaintainer.asset_id).where(
            AssetMaintainer.organization_id == actor.organization_id
        )
        clauses += [
            Asset.warranty_contractor_id == actor.organization_id,
            Asset.id.in_(maintained),
        ]
    return or_(*clauses)


def project_clause(actor) -> ColumnElement[bool]:
    """The filter on Project: projects covering a community the actor sees, or its own work.

    "Its own work": the organisation is the project's contractor or the contractor
    of one of its items.
    """

    if not _is_user(actor):
        return false()
    covering = select(ProjectCommunity.project_id).where(
        ProjectCommunity.community_id.in_(_visible_community_ids(actor))
    )
    clauses = [Project.id.in_(covering)]
    if actor.organization_id is not None and actor.role is Role.operator:
        built = select(ProjectItem.project_id).where(
            ProjectItem.contractor_id == actor.organization_id
        )
        clauses += [Project.contractor_id == actor.organization_id, Project.id.in_(built)]
    return or_(*clauses)


def handover_clause(actor) -> ColumnElement[bool]:
    """The filter on Handover: the parties' own, and those over assets the actor oversees.

    Parties (staff of the transferor or the receiver) see theirs; committee members,
    street officers, bureau administrators and sysadmins see those touching
    communities they see. Residents, and managers or operators that are not a
    party, see none.
    """

    if not _is_user(actor):
        return false()
    clauses = []
    if actor.organization_id is not None:
        clauses += [
            Handover.from_org_id == actor.organization_id,
            Handover.to_org_id == actor.organization_id,
        ]
    if actor.role in HANDOVER_OVERSEERS:
        touching = (
            select(HandoverAsset.handover_id)
            .join(Asset, Asset.id == HandoverAsset.asset_id)
            .where(Asset.community_id.in_(_visible_community_ids(actor)))
        )
        clauses.append(Handover.id.in_(touching))
    return or_(*clauses) if clauses else false()


def is_active_user(actor) -> bool:
    """Whether `actor` is a logged-in, active user (not anonymous, not the scheduler)."""
    return _is_user(actor)


def may_keep_registers(actor) -> bool:
    """Whether `actor`'s role keeps projects and the asset register anywhere at all."""
    return _is_user(actor) and actor.role in REGISTER_KEEPERS


def can_keep_register(session: Session, actor, community: Community) -> bool:
    """Whether `actor` may record projects and assets for this community."""
    return may_keep_registers(actor) and can_see_community(session, actor, community)


# The bureau and the street offices watch the hand-over backlog (docs/domain.md#backlog); operators
# see their own worklist instead (the hand-overs waiting for them).
BACKLOG_READERS = frozenset({Role.bureau_admin, Role.street_officer, Role.sysadmin})


def can_see_handover_backlog(actor) -> bool:
    """Whether `actor` may read the hand-over backlog report (of the communities it sees)."""
    return _is_user(actor) and actor.role in BACKLOG_READERS


# --- Repair tickets (docs/domain.md#routing, #tickets) --------------------------------------------

# Roles that read every ticket of the communities they see (masked phones): the
# committee watches its community; the street office and the bureau their area.
TICKET_OVERSEERS = frozenset({Role.committee_member, Role.street_officer, Role.bureau_admin})


def ticket_clause(actor) -> ColumnElement[bool]:
    """The filter on Ticket for the tickets `actor` may see.

    A resident sees only the tickets they reported; staff see the tickets assigned
    to their organisation and those they entered for a caller; a manager also
    sees every ticket of the communities it manages today; committee members,
    street officers and bureau administrators those of the communities they see.
    An operator never sees another organisation's tickets.
    """

    if not _is_user(actor):
        return false()
    if actor.role is Role.sysadmin:
        return true()
    if actor.role is Role.resident:
        return Ticket.reporter_id == actor.id
    clauses = [Ticket.filed_by_id == actor.id]
    if actor.organization_id is not None:
        clauses.append(Ticket.assignee_id == actor.organization_id)
        if actor.role is Role.manager:
            clauses.append(Ticket.community_id.in_(managed_community_ids(actor.organization_id)))
    if actor.role in TICKET_OVERSEERS:
        clauses.append(Ticket.community_id.in_(_visible_community_ids(actor)))
    return or_(*clauses)


def may_file_tickets(actor) -> bool:
    """Whether `actor` may file tickets at all (for a community it sees; a resident: its own)."""
    return _is_user(actor) and actor.role is not Role.sysadmin


def may_report_common_areas_anywhere(actor) -> bool:
    """Whether `actor` may report a fault in the common areas of any community's building.

    A building's QR code is posted where anyone passing by may scan it, and anyone may
    report a common-area fault there with a name and phone (docs/domain.md#qr); a
    resident of another community may do the same logged in. Never inside a home: a
    resident reports about their own home only. Staff file only where they serve.
    """
    return _is_user(actor) and actor.role is Role.resident


def find_community(session: Session, code: str) -> Community | None:
    """The community with this code, whoever asks: for a building's public QR page."""
    return session.scalar(select(Community).where(Community.code == code))


def may_file_for_callers(actor) -> bool:
    """Whether `actor` enters hotline calls (a caller's name, phone and time of the call)."""
    return _is_user(actor) and actor.role in (Role.street_officer, Role.bureau_admin)


def may_arbitrate(session: Session, actor, community: Community) -> bool:
    """Whether `actor` decides disputes of this community's tickets (docs/domain.md#disputes)."""
    return arbitrates(actor, community.street_id, community.community_office_id)


def arbitrates(actor, street_id: int, community_office_id: int | None) -> bool:
    """Whether `actor` decides disputes in a community of this street and community office.

    The street office of the community's street, or its delegate community office.
    """
    if not _is_user(actor) or actor.role is not Role.street_officer or actor.organization is None:
        return False
    org = actor.organization
    if org.kind is OrgKind.community_office:
        return community_office_id is not None and community_office_id == org.id
    return org.kind is OrgKind.street_office and org.region_id == street_id


def may_rule_on_disputes(actor) -> bool:
    """Whether `actor` belongs to an office that decides disputes (see `arbitrates`)."""
    return (_is_user(actor) and actor.role is Role.street_officer
            and actor.organization is not None
            and actor.organization.kind in (OrgKind.street_office, OrgKind.community_office))


def arbitration_clause(actor) -> ColumnElement[bool]:
    """The filter on Community for the communities whose disputes `actor` decides.

    The same rule as `arbitrates`, as SQL: a street office its street's
    communities, a community office the communities it is the office of.
    """
    if not may_rule_on_disputes(actor):
        return false()
    org = actor.organization
    if org.kind is OrgKind.community_office:
        return Community.community_office_id == org.id
    return Community.street_id == org.region_id


def can_see_reporter_phone(actor, ticket, *, listed: bool = False) -> bool:
    """Whether `actor` may read the reporter's phone in full (docs/domain.md#privacy).

    The reporter reads their own; the assigned organisation on the ticket itself
    while the ticket is open; everyone else, and every list or export
    (`listed`), shows it masked (Personal Information Protection Law, minimum
    necessary).
    """
    if not _is_user(actor):
        return False
    if ticket.reporter_id is not None and ticket.reporter_id == actor.id:
        return True
    return (
        not listed
        and actor.organization_id is not None
        and actor.organization_id == ticket.assignee_id
        and ticket.is_open
    )


def reporter_phone(actor, ticket, *, listed: bool = False) -> str | None:
    """The reporter's phone as `actor` may read it: in full or masked (138****0000)."""
    phone = ticket.reporter_phone
    if phone and not can_see_reporter_phone(actor, ticket, listed=listed):
        return mask_phone(phone)
    return phone


# Roles that read the ticket measures of the communities (or the organisation) they see.
TICKET_REPORT_READERS = frozenset(
    {Role.bureau_admin, Role.street_officer, Role.sysadmin, Role.manager, Role.operator,
     Role.committee_member}
)


def can_read_ticket_reports(actor) -> bool:
    """Whether `actor` may read ticket measures (always limited to the tickets it sees)."""
    return _is_user(actor) and actor.role in TICKET_REPORT_READERS


# Organisations that never hold tickets: the housing bureau watches and arbitrates upwards.
# (An owners' committee may manage its community itself, and then it holds tickets.)
NO_TICKET_KINDS = frozenset({OrgKind.housing_bureau})


def has_ticket_queue(actor) -> bool:
    """Whether `actor`'s organisation may be assigned tickets (and so has a queue)."""
    org = getattr(actor, "organization", None)
    return _is_user(actor) and org is not None and org.kind not in NO_TICKET_KINDS


# Staff who serve a community print its buildings' QR codes; residents and operators do not.
QR_PRINTERS = frozenset(
    {Role.manager, Role.committee_member, Role.street_officer, Role.bureau_admin, Role.sysadmin}
)


def may_print_qr(actor) -> bool:
    """Whether `actor`'s role prints the QR codes of the buildings it sees."""
    return _is_user(actor) and actor.role in QR_PRINTERS


# --- Property fees (docs/domain.md#fees) -----------------------------------------------------

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
