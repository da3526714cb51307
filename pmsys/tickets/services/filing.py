"""Filing a ticket and previewing its routing (DESIGN.md §8–§9).

Gathering the facts for `routing.route()` costs a fixed number of statements
whatever the size of the register: the community's assets of the one category
(with their maintainer stints in one more query), its term on the date, and the
organisations along its region lineage.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from pmsys import audit, clock
from pmsys.assets.maintainers import Stint
from pmsys.assets.models import Asset, AssetMaintainer
from pmsys.auth import permissions
from pmsys.auth.models import Organization, OrganizationCategory, OrgKind, Role
from pmsys.errors import Forbidden, InvalidInput, NotFound
from pmsys.places.models import Building, Community, Household, Region, Unit
from pmsys.places.services import active_terms, get_setting
from pmsys.tickets import categories, routing, sla
from pmsys.tickets.models import Channel, Priority, Ticket, TicketEvent, TicketStatus
from pmsys.tickets.services.notifications import notify_org, notify_reporter

MAX_DESCRIPTION = 2000
# How far back hotline staff may date a call they enter late.
MAX_BACKDATE = timedelta(days=30)


@dataclass
class Place:
    """Where a ticket says the problem is: the community, and possibly more precisely."""

    community: Community
    building: Building | None = None
    unit: Unit | None = None
    household: Household | None = None
    inside_home: bool = False
    asset: Asset | None = None


def _org(org: Organization | None) -> routing.Org | None:
    return None if org is None else routing.Org(org.id, org.code, org.name)


def _text(value, field: str, limit: int, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be text", fields={field: "must be text"})
    value = value.strip()
    if required and not value:
        raise InvalidInput(f"{field} is required", fields={field: "required"})
    if len(value) > limit:
        raise InvalidInput(f"{field} is too long", fields={field: f"at most {limit} characters"})
    return value


def _code(value, field: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 64:
        raise InvalidInput(f"{field} must be a code", fields={field: "must be a code"})
    return value


def resolve_place(
    session: Session,
    actor,
    *,
    community,
    building=None,
    unit=None,
    household=None,
    inside_home=False,
    asset=None,
    category: str | None = None,
) -> Place:
    """Look up the place a ticket names, by codes relative to the community.

    `household` may also be the full path COMMUNITY/BUILDING/UNIT/HOUSEHOLD.
    The community must be one `actor` may see (a resident: one they live in).
    """
    community_code = _code(community, "community")
    if community_code is None:
        raise InvalidInput("name the community", fields={"community": "required"})
    if not isinstance(inside_home, bool):
        raise InvalidInput("inside_home must be true or false", fields={"inside_home": "boolean"})
    household_code = _code(household, "household")
    if household_code and "/" in household_code:
        parts = household_code.split("/")
        if len(parts) != 4 or parts[0] != community_code:
            raise InvalidInput(
                "household must be HOUSEHOLD or COMMUNITY/BUILDING/UNIT/HOUSEHOLD",
                fields={"household": "not a household of this community"},
            )
        _, building, unit, household_code = parts
    found = permissions.get_community_or_404(session, actor, community_code)
    place = Place(found, inside_home=inside_home)
    building_code, unit_code = _code(building, "building"), _code(unit, "unit")
    if unit_code and not building_code:
        raise InvalidInput("a unit needs its building", fields={"building": "required"})
    if household_code and not unit_code:
        raise InvalidInput("a household needs its unit", fields={"unit": "required"})
    if building_code:
        place.building = session.scalar(
            select(Building).where(
                Building.community_id == found.id, Building.code == building_code
            )
        )
        if place.building is None:
            raise InvalidInput("no such building here", fields={"building": "unknown"})
    if unit_code:
        place.unit = session.scalar(
            select(Unit).where(Unit.building_id == place.building.id, Unit.code == unit_code)
        )
        if place.unit is None:
            raise InvalidInput("no such unit in this building", fields={"unit": "unknown"})
    if household_code:
        place.household = session.scalar(
            select(Household).where(
                Household.unit_id == place.unit.id, Household.code == household_code
            )
        )
        if place.household is None:
            raise InvalidInput("no such household in this unit", fields={"household": "unknown"})
    if inside_home and place.household is None:
        raise InvalidInput(
            "a problem inside a home names the household", fields={"household": "required"}
        )
    if place.household is not None and actor.role is Role.resident:
        own = session.scalar(
            select(Household.id).where(
                Household.id == place.household.id, permissions.household_clause(actor, found)
            )
        )
        if own is None:
            # A resident reports about their own home only; others' homes look unknown.
            raise InvalidInput("no such household in this unit", fields={"household": "unknown"})
    asset_code = _code(asset, "asset")
    if asset_code:
        place.asset = session.scalar(
            select(Asset).where(Asset.code == asset_code, Asset.community_id == found.id)
        )
        if place.asset is None or (category is not None and place.asset.category != category):
            raise InvalidInput(
                "the asset is not one of this category in this community",
                fields={"asset": "unknown here"},
            )
    return place


def _lineage(session: Session, community: Community) -> list[Region]:
    region = session.get(Region, community.street_id)
    return region.lineage() if region is not None else []


def _serving(session: Session, kind: OrgKind, category: str, lineage: list[Region]):
    """Organisations of `kind` serving `category` along the lineage, nearest region first."""
    order = {region.id: index for index, region in enumerate(lineage)}
    rows = session.scalars(
        select(Organization)
        .join(OrganizationCategory, OrganizationCategory.organization_id == Organization.id)
        .where(
            Organization.kind == kind,
            OrganizationCategory.category == category,
            Organization.region_id.in_(list(order)),
        )
        .order_by(Organization.code)
    ).all()
    return tuple(_org(o) for o in sorted(rows, key=lambda o: order[o.region_id]))


def street_office(session: Session, community: Community) -> Organization | None:
    """The street office of the community's street."""
    return session.scalar(
        select(Organization)
        .where(Organization.kind == OrgKind.street_office,
               Organization.region_id == community.street_id)
        .order_by(Organization.code)
        .limit(1)
    )


def housing_bureau(session: Session, community: Community) -> Organization | None:
    """The housing bureau nearest to the community (its district's, else its city's)."""
    lineage = _lineage(session, community)
    order = {region.id: index for index, region in enumerate(lineage)}
    rows = session.scalars(
        select(Organization).where(
            Organization.kind == OrgKind.housing_bureau, Organization.region_id.in_(list(order))
        )
    ).all()
    return min(rows, key=lambda o: (order[o.region_id], o.code), default=None)


def gather_facts(session: Session, place: Place, category: str, on: date) -> routing.Facts:
    """Collect what `routing.route()` needs for a ticket at `place` on `on`."""
    spec = categories.get(category)
    assets = session.scalars(
        select(Asset)
        .options(
            selectinload(Asset.stints).selectinload(AssetMaintainer.organization),
            selectinload(Asset.warranty_contractor),
        )
        .where(Asset.community_id == place.community.id, Asset.category == category)
    ).all()
    facts_assets = tuple(
        routing.AssetFacts(
            id=a.id,
            code=a.code,
            name=a.name or a.code,
            category=a.category,
            building_id=a.building_id,
            unit_id=a.unit_id,
            warranty_contractor=_org(a.warranty_contractor),
            warranty_until=a.warranty_until,
            stints=tuple(Stint(_org(s.organization), s.start, s.end) for s in a.stints),
        )
        for a in assets
    )
    term = active_terms(session, [place.community.id], on).get(place.community.id)
    lineage = _lineage(session, place.community)
    unit = place.unit or (place.household.unit if place.household else None)
    return routing.Facts(
        category=category,
        utility=spec.utility,
        by_duty=spec.by_duty is not None,
        on=on,
        building_id=place.building.id if place.building else None,
        unit_id=unit.id if unit else None,
        inside_home=place.inside_home,
        asset_id=place.asset.id if place.asset else None,
        assets=facts_assets,
        manager=_org(term.organization) if term else None,
        street_office=_org(street_office(session, place.community)),
        duty_authorities=(
            _serving(session, OrgKind.authority, category, lineage) if spec.by_duty else ()
        ),
        gas_utilities=(
            _serving(session, OrgKind.utility, "gas", lineage) if category == "gas" else ()
        ),
    )


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
    # API.md: honoured only for bureau administrators and hotline entries.
    if not (actor.role in (Role.bureau_admin, Role.sysadmin) or for_caller):
        return now
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = clock.parse_instant(value) if isinstance(value, str) else None
        except ValueError:
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
                     org: Organization, community: Community) -> sla.Windows:
    """The windows for this ticket from the `ticket_deadlines` setting of its region."""
    region = session.get(Region, community.street_id)
    policy = get_setting(session, "ticket_deadlines", region)
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
        name = _text(caller.get("name"), "caller.name", 200, required=True)
        phone = _text(caller.get("phone"), "caller.phone", 20)
        if phone and not phone.replace("-", "").replace("+", "").isdigit():
            raise InvalidInput("the caller's phone has digits only",
                               fields={"caller.phone": "digits only"})
        return None, name, phone or None, True
    person = actor.person
    if person is not None:
        return actor.id, person.name, person.phone, False
    org = actor.organization
    return actor.id, actor.username + (f" ({org.name})" if org else ""), None, False


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
    """File a ticket, route it at once and start its deadlines (DESIGN §8–§9).

    A resident files for the communities they live in; staff for those they
    see; hotline staff (`caller`: {"name", "phone"}) for a caller, dated at the
    time of the call. Arrears never matter here (Civil Code Art. 944).
    """
    if not permissions.may_file_tickets(actor):
        raise Forbidden("this login does not file tickets", code="may_not_file")
    category = _category(category)
    description = _text(description, "description", MAX_DESCRIPTION, required=True)
    if priority in (None, ""):
        priority = categories.default_priority(category, description)
    if priority not in Priority.__members__:
        raise InvalidInput("unknown priority",
                           fields={"priority": "one of emergency, urgent, normal"})
    reporter_id, name, phone, for_caller = _reporter(session, actor, caller)
    moment = _reported_at(actor, reported_at, for_caller)
    place = resolve_place(session, actor, community=community, building=building, unit=unit,
                          household=household, inside_home=inside_home, asset=asset,
                          category=category)
    decided = _route(session, place, category, moment.astimezone(clock.LOCAL_TZ).date())
    assignee = session.get(Organization, decided.assignee.id)
    now = clock.now()
    windows = deadline_windows(session, category, priority, assignee, place.community)
    due_respond, due_resolve = sla.deadlines(moment, windows)
    household_unit = place.household.unit if place.household else None
    unit_row = place.unit or household_unit
    ticket = Ticket(
        # A unique placeholder until the id is known (the number is built from it).
        number="new-" + secrets.token_hex(8),
        status=TicketStatus.assigned,
        category=category,
        priority=Priority(priority),
        channel=Channel.hotline if for_caller else Channel(channel),
        community_id=place.community.id,
        building_id=(place.building.id if place.building
                     else unit_row.building_id if unit_row else None),
        unit_id=unit_row.id if unit_row else None,
        household_id=place.household.id if place.household else None,
        inside_home=place.inside_home,
        asset_id=decided.asset.id if decided.asset else (place.asset.id if place.asset else None),
        description=description,
        reported_at=moment,
        reporter_id=reporter_id,
        reporter_name=name,
        reporter_phone=phone,
        filed_by_id=actor.id,
        assignee_id=assignee.id,
        routing_reason=decided.reason,
        routing_flags=sorted(decided.flags),
        routing_steps=[step.as_dict() for step in decided.steps],
        due_respond_at=due_respond,
        due_resolve_at=due_resolve,
        assigned_at=now,
    )
    session.add(ticket)
    session.flush()
    ticket.number = f"{moment.astimezone(clock.LOCAL_TZ):%Y%m%d}-{ticket.id:06d}"
    session.add(TicketEvent(ticket_id=ticket.id, actor_id=actor.id,
                            actor_org_id=actor.organization_id, action="file",
                            status_after=ticket.status.value,
                            data={"assignee": assignee.code, "reason": decided.reason,
                                  "flags": sorted(decided.flags)}))
    session.flush()
    notify_org(session, assignee.id, "new", ticket)
    if routing.NOTIFY_MANAGER in decided.flags:
        term = active_terms(session, [place.community.id], clock.today()).get(place.community.id)
        if term is not None and term.organization_id != assignee.id:
            notify_org(session, term.organization_id, "gas_notice", ticket)
    notify_reporter(session, ticket, "filed", actor=actor)
    audit.record(session, actor, "ticket_filed", "ticket", ticket.number,
                 category=category, community=place.community.code, assignee=assignee.code,
                 reason=decided.reason, priority=ticket.priority.value,
                 channel=ticket.channel.value)
    return ticket


def visible_tickets(actor, *, status=None, community=None, assignee=None, category=None,
                    date_from: date | None = None, date_to: date | None = None):
    """A select of the tickets `actor` may see, filtered, most urgent deadline first."""
    query = select(Ticket).where(permissions.ticket_clause(actor))
    if status:
        query = query.where(Ticket.status == TicketStatus(status))
    if community:
        query = query.where(Ticket.community_id.in_(
            select(Community.id).where(Community.code == community)))
    if assignee:
        query = query.where(Ticket.assignee_id.in_(
            select(Organization.id).where(Organization.code == assignee)))
    if category:
        query = query.where(Ticket.category == category)
    if date_from:
        query = query.where(Ticket.reported_at >= _local_midnight(date_from))
    if date_to:
        query = query.where(Ticket.reported_at < _local_midnight(date_to + timedelta(days=1)))
    return query


def _local_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=clock.LOCAL_TZ)


def get_ticket_or_404(session: Session, actor, ticket_id) -> Ticket:
    """The ticket with this id if `actor` may see it; else NotFound."""
    try:
        key = int(ticket_id)
    except (TypeError, ValueError):
        key = None
    ticket = None
    if key is not None and 0 < key < 2**63:
        ticket = session.scalar(
            select(Ticket).where(Ticket.id == key, permissions.ticket_clause(actor))
        )
    if ticket is None:
        raise NotFound(f"no ticket {ticket_id}", code="ticket_not_found")
    return ticket


def open_queue(actor):
    """The caller organisation's open tickets, nearest resolution deadline first."""
    return (
        select(Ticket)
        .where(
            Ticket.assignee_id == actor.organization_id,
            permissions.ticket_clause(actor),
            or_(*(Ticket.status == s for s in
                  (TicketStatus.assigned, TicketStatus.accepted, TicketStatus.in_progress,
                   TicketStatus.disputed))),
        )
        .order_by(Ticket.due_resolve_at, Ticket.id)
    )
