"""Who sees, files and rules on repair tickets (docs/domain.md#routing, #tickets)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import Session

from pmsys.auth.permissions.communities import (
    _is_user,
    _visible_community_ids,
    managed_community_ids,
    mask_phone,
    sees_every_community,
)
from pmsys.auth.permissions.leaders import assigned_building_ids, has_buildings
from pmsys.models.auth import BUILDING_ROLES, OrgKind, Role
from pmsys.models.places import Community, Household, HouseholdResident
from pmsys.models.tickets import Channel, Ticket

# Roles that read every ticket of the communities they see (masked phones): the
# committee watches its community; the street office and the bureau their area.
TICKET_OVERSEERS = frozenset({Role.committee_member, Role.street_officer, Role.bureau_admin})


def ticket_clause(actor) -> ColumnElement[bool]:
    """The filter on Ticket for the tickets `actor` may see.

    A resident sees only the tickets they reported; staff see the tickets assigned
    to their organisation and those they entered for a caller; a manager also
    sees every ticket of the communities it manages today; committee members,
    street officers and bureau administrators those of the communities they see.
    An operator never sees another organisation's tickets. A building leader or grid
    worker sees the tickets of the buildings assigned to them today; the residents of a
    household see what a leader filed for it (channel proxy) as their own.
    """

    if not _is_user(actor):
        return false()
    if actor.role is Role.sysadmin:
        return true()
    if actor.role is Role.resident:
        return or_(Ticket.reporter_id == actor.id,
                   (Ticket.channel == Channel.proxy)
                   & Ticket.household_id.in_(_homes(actor.person_id)))
    clauses = [Ticket.filed_by_id == actor.id]
    if actor.role in BUILDING_ROLES:
        # Never their office's queue: a grid worker sees their grid, nothing more.
        return or_(*clauses, Ticket.building_id.in_(assigned_building_ids(actor.id)))
    if actor.organization_id is not None:
        clauses.append(Ticket.assignee_id == actor.organization_id)
        if actor.role is Role.manager:
            clauses.append(Ticket.community_id.in_(managed_community_ids(actor.organization_id)))
    if actor.role in TICKET_OVERSEERS:
        clauses.append(Ticket.community_id.in_(_visible_community_ids(actor)))
    return or_(*clauses)


def sees_every_ticket(session: Session, actor) -> bool:
    """Whether `actor` sees every ticket (the ticket measures' rollups serve only such readers).

    A sysadmin does; a bureau administrator or a street officer when it sees every
    community (ticket_clause: each ticket has one); no other role ever does.
    """
    return sees_every_community(session, actor)


def _homes(person_id: int):
    """A selectable of the households a person owns or lives in."""
    lived = select(HouseholdResident.household_id).where(
        HouseholdResident.person_id == person_id)
    return select(Household.id).where(or_(Household.owner_id == person_id,
                                          Household.id.in_(lived)))


def may_file_tickets(actor) -> bool:
    """Whether `actor` may file tickets at all (for a community it sees; a resident: its own).

    Building leaders and grid workers file for the households of their buildings instead
    (`may_file_for_households`).
    """
    return _is_user(actor) and actor.role is not Role.sysadmin and not has_buildings(actor)


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
    return arbiter_test(actor)(street_id, community_office_id)


def _never(*_args) -> bool:
    return False


def arbiter_test(actor) -> Callable[[int, int | None], bool]:
    """`arbitrates` for one actor over many communities: the actor is read once.

    The test takes the community's street and community office, as `arbitrates` does.
    """
    if not _is_user(actor) or actor.role is not Role.street_officer or actor.organization is None:
        return _never
    org = actor.organization
    if org.kind is OrgKind.community_office:
        office_id = org.id
        return lambda _street_id, community_office_id: (
            community_office_id is not None and community_office_id == office_id)
    if org.kind is OrgKind.street_office:
        street_id = org.region_id
        return lambda community_street_id, _office_id: street_id == community_street_id
    return _never


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
    return phone_sight(actor, listed=listed)(ticket)


def phone_sight(actor, *, listed: bool = False) -> Callable[[object], bool]:
    """`can_see_reporter_phone` for one actor over many tickets: the actor is read once."""
    if not _is_user(actor):
        return _never
    actor_id, org_id = actor.id, actor.organization_id

    def sees(ticket) -> bool:
        if ticket.reporter_id is not None and ticket.reporter_id == actor_id:
            return True
        return (not listed and org_id is not None and org_id == ticket.assignee_id
                and ticket.is_open)

    return sees


def reporter_phone(actor, ticket, *, listed: bool = False) -> str | None:
    """The reporter's phone as `actor` may read it: in full or masked (138****0000)."""
    return reporter_phones(actor, listed=listed)(ticket)


def reporter_phones(actor, *, listed: bool = False) -> Callable[[object], str | None]:
    """`reporter_phone` for one actor over many tickets (a page): the actor is read once."""
    sees = phone_sight(actor, listed=listed)

    def phone_of(ticket) -> str | None:
        phone = ticket.reporter_phone
        if phone and not sees(ticket):
            return mask_phone(phone)
        return phone

    return phone_of


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
    return (_is_user(actor) and org is not None and org.kind not in NO_TICKET_KINDS
            and actor.role not in BUILDING_ROLES)


# Staff who serve a community print its buildings' QR codes; residents and operators do not.
QR_PRINTERS = frozenset(
    {Role.manager, Role.committee_member, Role.street_officer, Role.bureau_admin, Role.sysadmin}
)


def may_print_qr(actor) -> bool:
    """Whether `actor`'s role prints the QR codes of the buildings it sees."""
    return _is_user(actor) and actor.role in QR_PRINTERS
