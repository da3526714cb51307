"""Building leaders and grid workers (docs/domain.md#building-leaders): who is assigned which
buildings, the open tickets of their buildings, and their follow-up visits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, joinedload, selectinload

from pmsys import audit, clock
from pmsys.auth import permissions
from pmsys.errors import Conflict, Forbidden, InvalidInput
from pmsys.models.auth import OrgKind, Role, User
from pmsys.models.leaders import BuildingAssignment, TicketVisit, VisitOutcome
from pmsys.models.places import Building, Community, Unit
from pmsys.models.tickets import OPEN_STATUSES, Ticket, TicketEvent
from pmsys.tickets.services.actions import MAX_NOTE

# The most buildings one request assigns.
MAX_BUILDINGS = 200


def _assigned_role(kind: str) -> Role:
    role = permissions.ASSIGNED_ROLES.get(kind)
    if role is None:
        raise InvalidInput("building-leaders or grids", fields={"kind": "unknown"})
    return role


def assigner_community(session: Session, actor, code: str) -> Community:
    """The community if `actor` assigns its building leaders and grid workers.

    Who does not see it is told it does not exist (404); who sees it but does not
    assign is refused (403 `not_assigner`).
    """
    community = permissions.get_community_or_404(session, actor, code)
    allowed = session.scalar(select(Community.id).where(
        Community.id == community.id, permissions.assignment_clause(actor)))
    if allowed is None:
        raise Forbidden("building leaders and grid workers are assigned by the street office",
                        code="not_assigner")
    return community


def assignments(session: Session, community: Community, kind: str) -> list[BuildingAssignment]:
    """The community's current and future assignments of one kind, by building and user."""
    role = _assigned_role(kind)
    today = clock.today()
    return list(session.scalars(
        select(BuildingAssignment)
        .join(Building, Building.id == BuildingAssignment.building_id)
        .join(User, User.id == BuildingAssignment.user_id)
        .where(Building.community_id == community.id, User.role == role,
               or_(BuildingAssignment.end.is_(None), BuildingAssignment.end >= today))
        .options(joinedload(BuildingAssignment.user).joinedload(User.person),
                 joinedload(BuildingAssignment.building))
        .order_by(Building.code, User.username, BuildingAssignment.start)))


def _day(value, field: str) -> date:
    if value in (None, ""):
        return clock.today()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        pass
    raise InvalidInput(f"{field} must be a date (YYYY-MM-DD)", fields={field: "not a date"})


def _assignee(session: Session, community: Community, role: Role, username) -> User:
    if not isinstance(username, str) or not username.strip():
        raise InvalidInput("name the user", fields={"user": "required"})
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.active or user.role is not role:
        raise InvalidInput(f"no active {role.value} {username}", code="user_not_assignable",
                           fields={"user": f"not an active {role.value}"})
    if role is Role.grid_worker and not serves(user.organization, community):
        raise InvalidInput("a grid worker works for the community's street or community "
                           "office", code="user_not_assignable",
                           fields={"user": "not an office of this community"})
    return user


def serves(org, community: Community) -> bool:
    """Whether a grid worker's organisation serves `community`: its street office or its
    community office."""
    return org is not None and (
        (org.kind is OrgKind.street_office and org.region_id == community.street_id)
        or (org.kind is OrgKind.community_office and org.id == community.community_office_id))


def _buildings(session: Session, community: Community, codes) -> list[Building]:
    if isinstance(codes, str):
        codes = [code.strip() for code in codes.replace("，", ",").split(",") if code.strip()]
    if (not isinstance(codes, list) or not codes or len(codes) > MAX_BUILDINGS
            or not all(isinstance(code, str) and code for code in codes)):
        raise InvalidInput("name the buildings", fields={"buildings": "a list of building codes"})
    found = list(session.scalars(select(Building).where(
        Building.community_id == community.id, Building.code.in_(set(codes)))
        .order_by(Building.code)))
    unknown = sorted(set(codes) - {b.code for b in found})
    if unknown:
        raise InvalidInput("no such building here: " + ", ".join(unknown),
                           fields={"buildings": "unknown: " + ", ".join(unknown)})
    return found


def assign(session: Session, actor, community: Community, kind: str, *, user, buildings,
           start=None) -> list[BuildingAssignment]:
    """Assign buildings of `community` to a building leader or a grid worker from `start`.

    A building the user already holds on that day is left as it is. Audited.
    """
    role = _assigned_role(kind)
    person = _assignee(session, community, role, user)
    chosen = _buildings(session, community, buildings)
    start = _day(start, "start")
    if start < clock.today():
        raise InvalidInput("an assignment starts today or later", fields={"start": "in the past"})
    rows = _grant(session, actor.id, person, chosen, start)
    audit.record(session, actor, "buildings_assigned", "user", person.username,
                 role=role.value, community=community.code,
                 buildings=[row.building.code for row in rows], start=start.isoformat())
    return rows


def _grant(session: Session, assigned_by_id: int, person: User, chosen: list[Building],
           start: date) -> list[BuildingAssignment]:
    """Assign the `chosen` buildings the user does not hold on `start` already; flushed."""
    held = set(session.scalars(select(BuildingAssignment.building_id).where(
        BuildingAssignment.user_id == person.id,
        BuildingAssignment.building_id.in_([b.id for b in chosen]),
        or_(BuildingAssignment.end.is_(None), BuildingAssignment.end >= start))))
    rows = [BuildingAssignment(user_id=person.id, building=b, start=start,
                               assigned_by_id=assigned_by_id)
            for b in chosen if b.id not in held]
    session.add_all(rows)
    session.flush()
    return rows


def import_assignment(session: Session, actor, community: Community, *, user: User,
                      buildings: list[str], start: date) -> int:
    """Assign buildings of a region bundle (pmsys/imports, which checked the actor, the
    user's role and organisation and the buildings); a start in the past is history.

    A building the user already holds on `start` is left as it is; the number assigned is
    returned. Unattended work (a string actor) records the user as the one who assigned.
    Audited when anything was assigned.
    """
    chosen = _buildings(session, community, buildings)
    rows = _grant(session, getattr(actor, "id", None) or user.id, user, chosen, start)
    if rows:
        audit.record(session, actor, "buildings_assigned", "user", user.username,
                     role=user.role.value, community=community.code,
                     buildings=[row.building.code for row in rows], start=start.isoformat())
    return len(rows)


def end_assignments(session: Session, actor, community: Community, kind: str, *, user,
                    buildings=None, end=None) -> int:
    """End a user's assignments in `community` on `end` (default today): the named buildings,
    or all. 409 `not_assigned` when there is none to end. Audited."""
    role = _assigned_role(kind)
    person = _assignee_any(session, role, user)
    end = _day(end, "end")
    if end < clock.today():
        raise InvalidInput("an assignment ends today or later", fields={"end": "in the past"})
    here = select(Building.id).where(Building.community_id == community.id)
    if buildings not in (None, "", []):
        here = here.where(Building.id.in_([b.id for b in _buildings(session, community,
                                                                     buildings)]))
    ended = session.execute(
        update(BuildingAssignment)
        .where(BuildingAssignment.user_id == person.id, BuildingAssignment.building_id.in_(here),
               BuildingAssignment.start <= end,
               or_(BuildingAssignment.end.is_(None), BuildingAssignment.end > end))
        .values(end=end).execution_options(synchronize_session=False)).rowcount
    if not ended:
        raise Conflict(f"{person.username} holds no such building here on {end}",
                       code="not_assigned")
    audit.record(session, actor, "buildings_unassigned", "user", person.username,
                 role=role.value, community=community.code, end=end.isoformat(), count=ended)
    return ended


def _assignee_any(session: Session, role: Role, username) -> User:
    if not isinstance(username, str) or not username.strip():
        raise InvalidInput("name the user", fields={"user": "required"})
    user = session.scalar(select(User).where(User.username == username.strip(),
                                             User.role == role))
    if user is None:
        raise InvalidInput(f"no {role.value} {username}", code="user_not_assignable",
                           fields={"user": f"not a {role.value}"})
    return user


def my_buildings(session: Session, actor) -> list[Building]:
    """The buildings assigned to `actor` today, with their units and households (3 statements)."""
    if not permissions.has_buildings(actor):
        return []
    return list(session.scalars(
        select(Building).where(Building.id.in_(permissions.assigned_building_ids(actor.id)))
        .join(Community, Community.id == Building.community_id)
        .options(joinedload(Building.community),
                 selectinload(Building.units).selectinload(Unit.households))
        .order_by(Community.code, Building.code)))


def building_ticket_conditions(actor) -> list:
    """The conditions on Ticket for the open tickets of `actor`'s buildings.

    Building leaders and grid workers only (403 `not_building_role` for the others).
    """
    if not permissions.has_buildings(actor):
        raise Forbidden("the tickets of assigned buildings are building leaders' and grid "
                        "workers'", code="not_building_role")
    return [Ticket.building_id.in_(permissions.assigned_building_ids(actor.id)),
            Ticket.status.in_(sorted(OPEN_STATUSES))]


BUILDING_TICKET_ORDER = (Ticket.due_resolve_at, Ticket.id)


def building_tickets(session: Session, actor, *, limit: int = 200) -> list[Ticket]:
    """The open tickets of `actor`'s buildings, the most urgent deadline first (one statement)."""
    return list(session.scalars(
        select(Ticket).where(*building_ticket_conditions(actor))
        .options(joinedload(Ticket.community), joinedload(Ticket.building),
                 joinedload(Ticket.unit), joinedload(Ticket.household))
        .order_by(*BUILDING_TICKET_ORDER).limit(limit)))


@dataclass(frozen=True)
class VisitInput:
    visited_on: date
    outcome: VisitOutcome
    note: str


def _visit_input(ticket: Ticket, visited_on, outcome, note) -> VisitInput:
    day = _day(visited_on, "visited_on")
    if day > clock.today():
        raise InvalidInput("a visit cannot be in the future", fields={"visited_on": "future"})
    if day < ticket.reported_at.astimezone(clock.LOCAL_TZ).date():
        raise InvalidInput("a visit comes after the report",
                           fields={"visited_on": "before the ticket was reported"})
    if not isinstance(outcome, str) or outcome not in VisitOutcome.__members__:
        raise InvalidInput("unknown outcome",
                           fields={"outcome": "one of " + ", ".join(VisitOutcome)})
    if note is None:
        note = ""
    if not isinstance(note, str) or len(note.strip()) > MAX_NOTE:
        raise InvalidInput("the note is too long", fields={"note": f"at most {MAX_NOTE}"})
    return VisitInput(day, VisitOutcome(outcome), note.strip())


def may_visit(session: Session, actor, ticket: Ticket) -> bool:
    """Whether `actor` records visits on this ticket: it is in one of their buildings."""
    if not permissions.may_record_visits(actor) or ticket.building_id is None:
        return False
    mine = permissions.assigned_building_ids(actor.id).where(
        BuildingAssignment.building_id == ticket.building_id)
    return session.scalar(mine) is not None


def record_visit(session: Session, actor, ticket: Ticket, *, visited_on=None, outcome=None,
                 note=None) -> TicketVisit:
    """Record a follow-up visit on a ticket of `actor`'s buildings; audited, in the trail.

    403 `not_your_action` (audited) for whoever sees the ticket but is not its building's
    leader or grid worker; 422 for a bad date, outcome or note.
    """
    if not may_visit(session, actor, ticket):
        audit.refusal(session, actor, "ticket_visit_refused", "ticket", ticket.number,
                      reason="not_your_action")
        raise Forbidden("visits are recorded by the building's leader or grid worker",
                        code="not_your_action")
    given = _visit_input(ticket, visited_on, outcome, note)
    visit = TicketVisit(ticket_id=ticket.id, visited_on=given.visited_on, outcome=given.outcome,
                        note=given.note, visitor_id=actor.id)
    session.add(visit)
    detail = {"visited_on": given.visited_on.isoformat(), "outcome": given.outcome.value}
    session.add(TicketEvent(ticket_id=ticket.id, at=clock.now(), actor_id=actor.id,
                            actor_org_id=actor.organization_id, action="visit",
                            status_after=ticket.status.value, note=given.note, data=detail))
    session.flush()
    audit.record(session, actor, "ticket_visited", "ticket", ticket.number, **detail)
    return visit


def visits_of(session: Session, ticket: Ticket) -> list[TicketVisit]:
    """The ticket's follow-up visits, oldest first, with their visitors (one statement)."""
    return list(session.scalars(
        select(TicketVisit).where(TicketVisit.ticket_id == ticket.id)
        .options(joinedload(TicketVisit.visitor))
        .order_by(TicketVisit.visited_on, TicketVisit.id)))
