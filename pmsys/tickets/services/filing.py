"""Filing a ticket and previewing its routing (docs/domain.md#routing, #tickets)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import Session, make_transient_to_detached

from pmsys import audit, categories, clock, unit_of_work
from pmsys.auth import permissions
from pmsys.db import Write, insert_values, write_all
from pmsys.errors import Forbidden, InvalidInput, NotFound
from pmsys.models.auth import Role, User
from pmsys.models.places import Building, Community, Household, HouseholdResident, Person, Unit
from pmsys.models.tickets import Channel, Priority, Ticket, TicketEvent, TicketStatus
from pmsys.notify import notify_users, org_write, reporter_writes
from pmsys.outbox import ticket_write
from pmsys.places.services import active_terms
from pmsys.settings import get_setting
from pmsys.tickets import queries, routing, sla, summary
from pmsys.tickets.services.facts import gather_facts
from pmsys.tickets.services.places import Place, resolve_place, text_field

# Who files a public report in the audit trail (no login; never the phone number).
PUBLIC_ACTOR = "public"

MAX_DESCRIPTION = 2000
# How far back hotline staff may date a call they enter late.
MAX_BACKDATE = timedelta(days=30)


def _category(value) -> str:
    if not isinstance(value, str) or value not in categories.CODES:
        raise InvalidInput(
            "unknown category", fields={"category": "one of " + ", ".join(sorted(categories.CODES))}
        )
    return value


def _route(session: Session, place: Place, category: str, on: date) -> routing.Routing:
    try:
        return routing.route(gather_facts(session, place, category, on))
    except routing.RoutingError as refused:
        fields = {"asset": refused.message}
        if refused.choices:
            fields["asset"] = "one of " + ", ".join(a.code for a in refused.choices)
        raise InvalidInput(refused.message, code=refused.code, fields=fields) from None


def preview_routing(session: Session, actor, *, category, on: date | None = None,
                    **place_fields) -> routing.Routing:
    """Who would get this ticket on `on` (default today), and why; files nothing."""
    if not permissions.is_active_user(actor):
        raise NotFound("no such community", code="community_not_found")
    category = _category(category)
    place = resolve_place(session, actor, category=category, **place_fields)
    return _route(session, place, category, on or clock.today())


def _reported_at(actor, value, for_caller: bool) -> datetime:
    now = clock.now()
    if value is None or value == "":
        return now
    # docs/api.md#tickets: honoured only for bureau administrators and hotline entries.
    if not (actor.role in (Role.bureau_admin, Role.sysadmin) or for_caller):
        return now
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = clock.parse_instant(value) if isinstance(value, str) else None
        except (ValueError, OverflowError):  # year 1 cannot be shifted to UTC
            moment = None
    if moment is None:
        raise InvalidInput("reported_at must be an ISO 8601 time",
                           fields={"reported_at": "not a time"})
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clock.LOCAL_TZ)
    if moment > now:
        raise InvalidInput("a call cannot come from the future",
                           fields={"reported_at": "in the future"})
    if now - moment > MAX_BACKDATE:
        raise InvalidInput("the call is more than 30 days old",
                           fields={"reported_at": "more than 30 days ago"})
    return moment


def deadline_windows(session: Session, ticket_category: str, priority: str,
                     org, community: Community) -> sla.Windows:
    """The windows for this ticket from the `ticket_deadlines` setting of its region."""
    policy = get_setting(session, "ticket_deadlines", community.street_id)
    try:
        return sla.windows(priority, ticket_category, org.code, policy)
    except sla.PolicyError:
        # A broken setting must not stop a repair: fall back to the defaults.
        return sla.windows(priority, ticket_category, None, None)


def _reporter(session: Session, actor, caller) -> tuple[int | None, str, str | None, bool]:
    """(reporter user id, name, phone, entered for a caller)."""
    if caller is not None:
        if not permissions.may_file_for_callers(actor):
            raise Forbidden("only hotline staff enter calls for callers",
                            code="not_hotline_staff")
        if not isinstance(caller, dict):
            raise InvalidInput("caller must be an object with name and phone",
                               fields={"caller": "an object"})
        name = text_field(caller.get("name"), "caller.name", 200, required=True)
        phone = text_field(caller.get("phone"), "caller.phone", 20)
        if phone and not phone.replace("-", "").replace("+", "").isdigit():
            raise InvalidInput("the caller's phone has digits only",
                               fields={"caller.phone": "digits only"})
        return None, name, phone or None, True
    person = actor.person
    if person is not None:
        return actor.id, person.name, person.phone, False
    org = actor.organization
    return actor.id, actor.username + (f" ({org.name})" if org else ""), None, False


def _what(category, description, priority) -> tuple[str, str, str]:
    """The checked category, description and priority (by default the category's)."""
    category = _category(category)
    description = text_field(description, "description", MAX_DESCRIPTION, required=True)
    if priority in (None, ""):
        priority = categories.default_priority(category, description)
    if not isinstance(priority, str) or priority not in Priority.__members__:
        raise InvalidInput("unknown priority",
                           fields={"priority": "one of emergency, urgent, normal"})
    return category, description, priority


def file_ticket(
    session: Session,
    actor,
    *,
    category,
    community,
    description,
    building=None,
    unit=None,
    household=None,
    inside_home=False,
    asset=None,
    priority=None,
    reported_at=None,
    caller=None,
    channel: Channel | str = Channel.web,
) -> Ticket:
    """File a ticket, route it at once and start its deadlines (docs/domain.md#routing, #deadlines).

    A resident files for the communities they live in; staff for those they
    see; hotline staff (`caller`: {"name", "phone"}) for a caller, dated at the
    time of the call. Arrears never matter here (Civil Code Art. 944).
    """
    if not permissions.may_file_tickets(actor):
        raise Forbidden("this login does not file tickets", code="may_not_file")
    category, description, priority = _what(category, description, priority)
    reporter_id, name, phone, for_caller = _reporter(session, actor, caller)
    moment = _reported_at(actor, reported_at, for_caller)
    place = resolve_place(session, actor, community=community, building=building, unit=unit,
                          household=household, inside_home=inside_home, asset=asset,
                          category=category)
    return _open(session, actor, place, category=category, description=description,
                 priority=priority, moment=moment, reporter=(reporter_id, name, phone),
                 channel=Channel.hotline if for_caller else Channel(channel))


def _next_ticket_id(session: Session) -> int:
    """The id the ticket about to be filed gets, so that its number is written with it.

    PostgreSQL: the next value of the id's sequence, as the column's default would take it.
    SQLite: one past the largest id, as SQLite itself would choose it; the writes' transaction
    holds the write lock from its start (pmsys/db.py), so no other writer can take it meanwhile.
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return connection.execute(_NEXT_ID_POSTGRESQL).scalar_one()
    return connection.execute(_NEXT_ID_SQLITE).scalar_one()


_NEXT_ID_POSTGRESQL = select(func.nextval(func.pg_get_serial_sequence("tickets", "id")))
_NEXT_ID_SQLITE = select(func.coalesce(func.max(Ticket.id), 0) + 1)
_INSERT_TICKET = insert(Ticket.__table__)
# A new ticket's columns that only its life fills in (as the columns' defaults would).
_NOT_YET = {
    "responded_at": None, "resolved_at": None, "closed_at": None, "cancelled_at": None,
    "resolution_note": "", "dispute_reason": "", "escalation_level": 0, "escalated_at": None,
    "rating": None, "reopen_count": 0, "dispute_count": 0, "hurry_count": 0,
    "hurried_at": None, "version": 1,
}
# The first event of a ticket's trail, written without the ORM's unit of work: filing
# writes one per ticket.
_FILE_EVENT = insert_values(TicketEvent.__table__, (
    "ticket_id", "at", "actor_id", "actor_org_id", "action", "status_after", "note", "data"))


def _open(session: Session, actor, place: Place, *, category: str, description: str,
          priority: str, moment: datetime, reporter: tuple[int | None, str, str | None],
          channel: Channel, client: str | None = None) -> Ticket:
    """Route a checked ticket, start its deadlines, record and announce it.

    `actor` is the login that files it, or None for a public report (then `client`,
    its address, goes into the audit record).
    """
    reporter_id, name, phone = reporter
    decided = _route(session, place, category, moment.astimezone(clock.LOCAL_TZ).date())
    assignee = decided.assignee
    now = clock.now()
    windows = deadline_windows(session, category, priority, assignee, place.community)
    due_respond, due_resolve = sla.deadlines(moment, windows)
    household_unit = place.household.unit if place.household else None
    unit_row = place.unit or household_unit
    # Every column, so that the ticket below is whole without reading it back.
    values = {
        "status": TicketStatus.assigned,
        "category": category,
        "priority": Priority(priority),
        "channel": channel,
        "community_id": place.community.id,
        "building_id": (place.building.id if place.building
                        else unit_row.building_id if unit_row else None),
        "unit_id": unit_row.id if unit_row else None,
        "household_id": place.household.id if place.household else None,
        "inside_home": place.inside_home,
        "asset_id": (decided.asset.id if decided.asset
                     else place.asset.id if place.asset else None),
        "description": description,
        "reported_at": moment,
        "reporter_id": reporter_id,
        "reporter_name": name,
        "reporter_phone": phone,
        "filed_by_id": actor.id if actor else None,
        "assignee_id": assignee.id,
        "routing_reason": decided.reason,
        "routing_flags": sorted(decided.flags),
        "routing_steps": [step.as_dict() for step in decided.steps],
        "due_respond_at": due_respond,
        "due_resolve_at": due_resolve,
        "assigned_at": now,
        **_NOT_YET,
        "created_at": now,
    }
    # Routed and timed: on SQLite the write lock is taken only now (pmsys/unit_of_work.py).
    unit_of_work.start_writing(session)
    ticket_id = _next_ticket_id(session)
    values["id"] = ticket_id
    values["number"] = f"{moment.astimezone(clock.LOCAL_TZ):%Y%m%d}-{ticket_id:06d}"
    # Written in Core, not by the unit of work's flush (a quarter of a filing's time in the
    # write lock); the ticket then joins the session as if loaded, with what was written.
    session.connection().execute(_INSERT_TICKET, values)
    ticket = Ticket(**values)
    make_transient_to_detached(ticket)
    session.add(ticket)
    # The rest in one statement on PostgreSQL (db.write_all): none reads what another writes.
    writes = [
        *summary.refresh_writes(session.get_bind().dialect.name, [ticket_id]),
        audit.record_write(actor or PUBLIC_ACTOR, "ticket_filed", "ticket", ticket.number,
                           client=client, category=category, community=place.community.code,
                           assignee=assignee.code, reason=decided.reason,
                           priority=ticket.priority.value, channel=ticket.channel.value),
        Write(_FILE_EVENT, {
            "ticket_id": ticket.id, "at": now, "actor_id": actor.id if actor else None,
            "actor_org_id": actor.organization_id if actor else None, "action": "file",
            "status_after": ticket.status.value, "note": "",
            "data": {"assignee": assignee.code, "reason": decided.reason,
                     "flags": sorted(decided.flags)}}),
        org_write(assignee.id, "new", ticket),
    ]
    published = ticket_write(assignee.id, "ticket.assigned", ticket)
    if published is not None:
        writes.append(published)
    if routing.NOTIFY_MANAGER in decided.flags:
        term = active_terms(session, [place.community.id], clock.today()).get(place.community.id)
        if term is not None and term.organization_id != assignee.id:
            writes.append(org_write(term.organization_id, "gas_notice", ticket))
    writes.extend(reporter_writes(ticket, "filed", actor=actor))
    write_all(session, writes)
    asset = decided.asset or place.asset
    queries.remember_filed(session, ticket_id, queries.Filed(
        place.community, place.building, unit_row, place.household,
        queries.Ref(assignee.code, assignee.name),
        queries.Ref(asset.code, asset.name) if asset else None,
        now, actor.username if actor else None, actor.organization_id if actor else None))
    return ticket


def household_of_buildings(session: Session, actor, path) -> Household:
    """The household COMMUNITY/BUILDING/UNIT/HOUSEHOLD of a building assigned to `actor`.

    Any other household, and one that exists nowhere, is NotFound alike
    (`household_not_found`).
    """
    parts = path.split("/") if isinstance(path, str) and len(path) <= 260 else []
    if len(parts) != 4 or not all(parts):
        raise InvalidInput("household must be COMMUNITY/BUILDING/UNIT/HOUSEHOLD",
                           fields={"household": "COMMUNITY/BUILDING/UNIT/HOUSEHOLD"})
    community, building, unit, code = parts
    found = session.scalar(
        select(Household)
        .join(Unit, Unit.id == Household.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .join(Community, Community.id == Building.community_id)
        .where(Community.code == community, Building.code == building, Unit.code == unit,
               Household.code == code,
               Building.id.in_(permissions.assigned_building_ids(actor.id))))
    if found is None:
        raise NotFound(f"no household {path}", code="household_not_found")
    return found


def household_logins(session: Session, household: Household) -> list[tuple[int, int]]:
    """(user id, person id) of the active resident logins of a household's owner and residents,
    the owner's first."""
    lived = select(HouseholdResident.person_id).where(
        HouseholdResident.household_id == household.id)
    rows = session.execute(
        select(User.id, User.person_id).where(
            User.role == Role.resident, User.active.is_(True),
            or_(User.person_id == household.owner_id, User.person_id.in_(lived)))
        .order_by(User.id)).all()
    return sorted(((row.id, row.person_id) for row in rows),
                  key=lambda row: (row[1] != household.owner_id, row[0]))


def file_for_household(session: Session, actor, *, household, category, description,
                       inside_home=True, priority=None) -> Ticket:
    """File a ticket for a household of `actor`'s buildings (docs/domain.md#building-leaders).

    A building leader or grid worker takes the report of a resident without a phone: the
    ticket is the household's (its owner's login, if any, is the reporter, and every
    resident login of the household sees it and is told), `actor` is its filer, the
    channel is `proxy`, and it is routed like any ticket. The reporter's name and phone are
    the owner's, for the assignee to call back.
    """
    if not permissions.may_file_for_households(actor):
        raise Forbidden("only building leaders and grid workers file for a household",
                        code="may_not_file")
    if not isinstance(inside_home, bool):
        raise InvalidInput("inside_home must be true or false", fields={"inside_home": "boolean"})
    category, description, priority = _what(category, description, priority)
    home = household_of_buildings(session, actor, household)
    unit = home.unit
    place = Place(unit.building.community, building=unit.building, unit=unit, household=home,
                  inside_home=inside_home)
    logins = household_logins(session, home)
    owner = session.get(Person, home.owner_id)
    reporter_id = logins[0][0] if logins else None
    ticket = _open(session, actor, place, category=category, description=description,
                   priority=priority, moment=clock.now(),
                   reporter=(reporter_id, owner.name, owner.phone), channel=Channel.proxy)
    notify_users(session, [uid for uid, _person in logins[1:]], "filed", ticket)
    return ticket


# A mainland mobile number (11 digits) or a landline with its area code, as a caller
# back would dial it; spaces and dashes are dropped.
PHONE_NUMBER = re.compile(r"^(1[3-9][0-9]{9}|0[1-9][0-9]{8,10})$")
MAX_PUBLIC_NAME = 50


def public_phone(value) -> str:
    """The phone number of a public report, digits only; InvalidInput when it is not one."""
    phone = text_field(value, "phone", 20, required=True).replace(" ", "").replace("-", "")
    if not PHONE_NUMBER.match(phone):
        raise InvalidInput("a mobile number (11 digits) or a landline with its area code",
                           fields={"phone": "not a phone number"})
    return phone


def file_public_report(session: Session, *, community, building, category, description, name,
                       phone, client: str | None = None) -> Ticket:
    """File a fault in a building's common areas reported without a login (docs/domain.md#qr).

    Anyone who scans the building's QR code may report one with a name and a phone
    number, for a call back by whoever handles it. Never inside a home; routed like any
    ticket; the reporter has no login, so the phone is shown in full only to the
    assignee while the ticket is open. The caller checks the rate limits first.
    """
    category, description, priority = _what(category, description, None)
    name = text_field(name, "name", MAX_PUBLIC_NAME, required=True)
    phone = public_phone(phone)
    place = resolve_place(session, None, community=community, building=building,
                          category=category, common_area=True)
    return _open(session, None, place, category=category, description=description,
                 priority=priority, moment=clock.now(), reporter=(None, name, phone),
                 channel=Channel.public, client=client)
