"""Reading tickets for lists, queues and answers: plain rows, a fixed number of statements.

A page of tickets costs three statements whatever its size: the tickets with
the names of their place and assignee, their trails with the actors' names, and
their photos. The rows are plain values (`TicketView`), cheap to build and to
serialise; the API and the pages read the same ones.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import Select, Text, cast, func, literal_column, or_, select, union
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BooleanClauseList

from pmsys import clock
from pmsys.auth import permissions
from pmsys.db import one_of_ids, valid_id
from pmsys.errors import InvalidInput, NotFound
from pmsys.models.assets import Asset
from pmsys.models.auth import Organization, User
from pmsys.models.places import Building, Community, Household, Unit
from pmsys.models.tickets import (
    OPEN_STATUSES,
    Channel,
    Priority,
    Ticket,
    TicketEvent,
    TicketPhoto,
    TicketStatus,
)


class Ref(NamedTuple):
    """A named row a ticket points to: its code and name."""

    code: str
    name: str | None = None


class EventView(NamedTuple):
    at: datetime
    action: str
    status_after: str
    actor: str | None
    org: str | None
    note: str


class PhotoView(NamedTuple):
    id: int
    ticket_id: int
    purpose: str
    content_type: str
    width: int
    height: int


@dataclass(slots=True)
class TicketView:
    """A ticket as lists and answers show it, with what permissions need to judge it."""

    id: int
    number: str
    status: TicketStatus
    category: str
    priority: Priority
    channel: Channel
    community_id: int
    street_id: int
    community_office_id: int | None
    community: Ref
    building: Ref | None
    unit: Ref | None
    household: Ref | None
    inside_home: bool
    asset: Ref | None
    description: str
    reported_at: datetime
    reporter_id: int | None
    reporter_name: str
    reporter_phone: str | None
    filed_by_id: int | None
    assignee_id: int
    assignee: Ref
    routing_reason: str
    routing_flags: list
    routing_steps_json: str
    due_respond_at: datetime
    due_resolve_at: datetime
    responded_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    cancelled_at: datetime | None
    resolution_note: str
    escalation_level: int
    rating: int | None
    reopen_count: int
    hurry_count: int
    hurried_at: datetime | None
    events: list[EventView] = field(default_factory=list)
    photos: list[PhotoView] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


_building, _unit, _household = aliased(Building), aliased(Unit), aliased(Household)
_asset, _assignee = aliased(Asset), aliased(Organization)

_TICKET_COLUMNS = (
    Ticket.id, Ticket.number, Ticket.status, Ticket.category, Ticket.priority, Ticket.channel,
    Ticket.community_id, Community.street_id, Community.community_office_id,
    Community.code.label("community_code"), Community.name.label("community_name"),
    _building.code.label("building_code"), _building.name.label("building_name"),
    _unit.code.label("unit_code"), _household.code.label("household_code"),
    Ticket.inside_home, _asset.code.label("asset_code"), _asset.name.label("asset_name"),
    Ticket.description, Ticket.reported_at, Ticket.reporter_id, Ticket.reporter_name,
    Ticket.reporter_phone, Ticket.filed_by_id, Ticket.assignee_id,
    _assignee.code.label("assignee_code"), _assignee.name.label("assignee_name"),
    Ticket.routing_reason, Ticket.routing_flags,
    cast(Ticket.routing_steps, Text).label("routing_steps_json"),
    Ticket.due_respond_at, Ticket.due_resolve_at, Ticket.responded_at, Ticket.resolved_at,
    Ticket.closed_at, Ticket.cancelled_at, Ticket.resolution_note, Ticket.escalation_level,
    Ticket.rating, Ticket.reopen_count, Ticket.hurry_count, Ticket.hurried_at,
)


# Built once: constructing a select of forty columns costs more than running it.
_VIEWS = (
    select(*_TICKET_COLUMNS)
    .select_from(Ticket)
    .join(Community, Community.id == Ticket.community_id)
    .join(_assignee, _assignee.id == Ticket.assignee_id)
    .outerjoin(_building, _building.id == Ticket.building_id)
    .outerjoin(_unit, _unit.id == Ticket.unit_id)
    .outerjoin(_household, _household.id == Ticket.household_id)
    .outerjoin(_asset, _asset.id == Ticket.asset_id)
)
_actor, _actor_org = aliased(User), aliased(Organization)
_EVENTS = (
    select(TicketEvent.ticket_id, TicketEvent.at, TicketEvent.action, TicketEvent.status_after,
           _actor.username, _actor_org.code, TicketEvent.note)
    .outerjoin(_actor, _actor.id == TicketEvent.actor_id)
    .outerjoin(_actor_org, _actor_org.id == TicketEvent.actor_org_id)
    .where(one_of_ids(TicketEvent.ticket_id, "ids"))
    .order_by(TicketEvent.ticket_id, TicketEvent.id)
)
_PHOTOS = (
    select(TicketPhoto.id, TicketPhoto.ticket_id, TicketPhoto.purpose, TicketPhoto.content_type,
           TicketPhoto.width, TicketPhoto.height)
    .where(one_of_ids(TicketPhoto.ticket_id, "ids"))
    .order_by(TicketPhoto.id)
)
NEWEST_FIRST = (Ticket.reported_at.desc(), Ticket.id.desc())


def _view(row) -> TicketView:
    # Unpacked by position, in the order of _TICKET_COLUMNS: a page builds fifty of these,
    # and reading a row's fields by name costs more than building the view.
    (id_, number, status, category, priority, channel, community_id, street_id, office_id,
     community_code, community_name, building_code, building_name, unit_code, household_code,
     inside_home, asset_code, asset_name, description, reported_at, reporter_id,
     reporter_name, reporter_phone, filed_by_id, assignee_id, assignee_code, assignee_name,
     routing_reason, routing_flags, routing_steps_json, due_respond_at, due_resolve_at,
     responded_at, resolved_at, closed_at, cancelled_at, resolution_note, escalation_level,
     rating, reopen_count, hurry_count, hurried_at) = row
    return TicketView(
        id_, number, status, category, priority, channel, community_id, street_id, office_id,
        Ref(community_code, community_name),
        Ref(building_code, building_name) if building_code else None,
        Ref(unit_code) if unit_code else None,
        Ref(household_code) if household_code else None,
        inside_home,
        Ref(asset_code, asset_name) if asset_code else None,
        description, reported_at, reporter_id, reporter_name, reporter_phone, filed_by_id,
        assignee_id, Ref(assignee_code, assignee_name),
        routing_reason, routing_flags or [], routing_steps_json or "[]",
        due_respond_at, due_resolve_at, responded_at, resolved_at, closed_at, cancelled_at,
        resolution_note or "", escalation_level, rating, reopen_count, hurry_count, hurried_at,
    )


# The wide rows of a chosen set of tickets: built once, so that neither its cache key nor its
# result columns are worked out again per request (that costs more than the query itself).
_VIEWS_OF = _VIEWS.where(one_of_ids(Ticket.id, "ids"))


def ticket_views(session: Session, where: Sequence, *, order_by: Sequence = NEWEST_FIRST,
                 limit: int | None = None, offset: int = 0,
                 trail: bool = True) -> list[TicketView]:
    """The tickets matching every condition of `where`, in order, as views.

    `where` and `order_by` are on the ticket's own columns (subqueries may reach
    further). With a `limit`, the page's ids are chosen first from the tickets
    alone, then their rows are read with the names they point to. With `trail`,
    each view carries its events (with the actors' usernames and organisation
    codes) and its photos: two more statements for the whole page.
    """
    connection = session.connection()
    if limit is None:
        rows = connection.execute(_VIEWS.where(*where).order_by(*order_by))
        return _with_trail(connection, [_view(row) for row in rows], trail)
    ids = list(connection.scalars(
        select(Ticket.id).where(*where).order_by(*order_by).limit(limit).offset(offset)))
    return views_of(session, ids, trail=trail)


def views_of(session: Session, ids: Sequence[int], *, trail: bool = True) -> list[TicketView]:
    """The tickets with these ids as views, in the order of `ids`."""
    if not ids:
        return []
    # Plain column selects run on the session's connection: the rows need none of the ORM's
    # result handling (identity map, entity loading).
    connection = session.connection()
    position = {ticket_id: index for index, ticket_id in enumerate(ids)}
    views = sorted([_view(row) for row in connection.execute(_VIEWS_OF, {"ids": list(ids)})
                    .all()], key=lambda view: position[view.id])
    return _with_trail(connection, views, trail)


def _with_trail(connection, views: list[TicketView], trail: bool, *,
                photos: bool = True) -> list[TicketView]:
    if trail and views:
        by_id = {view.id: view for view in views}
        ids = list(by_id)
        for ticket_id, *values in connection.execute(_EVENTS, {"ids": ids}).all():
            by_id[ticket_id].events.append(EventView(*values))
        if photos:
            for photo in connection.execute(_PHOTOS, {"ids": ids}).all():
                by_id[photo.ticket_id].photos.append(PhotoView(*photo))
    return views


class Filed(NamedTuple):
    """What a filing knows of its ticket beyond the ticket's own columns (see `filed_view`):
    the place it loaded (held here: the session keeps only what something refers to)."""

    community: Community
    building: Building | None
    unit: Unit | None
    household: Household | None
    assignee: Ref
    asset: Ref | None
    at: datetime
    actor: str | None
    actor_org_id: int | None


_FILED = "pmsys_filed"


def remember_filed(session: Session, ticket_id: int, filed: Filed) -> None:
    """Keep what the filing of `ticket_id` knows, for `filed_view` (only the last filing's:
    a view answers the filing just made)."""
    session.info[_FILED] = (ticket_id, filed)


def filed_view(session: Session, ticket: Ticket) -> TicketView:
    """The view of a ticket just filed in this unit of work, for the answer to its filer.

    Whoever files a ticket sees it (pmsys/auth/permissions/tickets.py: a resident as its
    reporter, staff as the one who entered it), and it has no photos yet. Built from what
    the filing wrote and remembered (`remember_filed`): the ticket's columns, its place, the
    names of its assignee and asset, its one event. Otherwise two statements (the row, its
    events), no permission clause to build.
    """
    ticket_id, filed = session.info.pop(_FILED, (None, None))
    if ticket_id != ticket.id:
        view = _view(session.connection().execute(_VIEWS_OF, {"ids": [ticket.id]}).one())
        return _with_trail(session.connection(), [view], True, photos=False)[0]
    community, building, unit, household = (filed.community, filed.building, filed.unit,
                                            filed.household)
    if building is None and ticket.building_id:
        building = session.get(Building, ticket.building_id)  # a household's, by its unit
    org = session.get(Organization, filed.actor_org_id) if filed.actor_org_id else None
    event = EventView(filed.at, "file", ticket.status.value, filed.actor,
                      org.code if org else None, "")
    return TicketView(
        ticket.id, ticket.number, ticket.status, ticket.category, ticket.priority,
        ticket.channel, ticket.community_id, community.street_id,
        community.community_office_id, Ref(community.code, community.name),
        Ref(building.code, building.name) if building else None,
        Ref(unit.code) if unit else None, Ref(household.code) if household else None,
        ticket.inside_home, filed.asset, ticket.description, ticket.reported_at,
        ticket.reporter_id, ticket.reporter_name, ticket.reporter_phone, ticket.filed_by_id,
        ticket.assignee_id, filed.assignee, ticket.routing_reason, ticket.routing_flags or [],
        json.dumps(ticket.routing_steps or []), ticket.due_respond_at, ticket.due_resolve_at,
        ticket.responded_at, ticket.resolved_at, ticket.closed_at, ticket.cancelled_at,
        ticket.resolution_note or "", ticket.escalation_level, ticket.rating,
        ticket.reopen_count, ticket.hurry_count, ticket.hurried_at, [event], [])


def ticket_view(session: Session, actor, ticket_id) -> TicketView:
    """The ticket with this id as a view if `actor` may see it; else NotFound."""
    key = valid_id(ticket_id)
    views = [] if key is None else ticket_views(
        session, [Ticket.id == key, permissions.ticket_clause(actor)])
    if not views:
        raise NotFound(f"no ticket {ticket_id}", code="ticket_not_found",
                       hidden=permissions.probe(session, Ticket.id, key, "ticket"))
    return views[0]


def page_of(session: Session, where: Sequence, page: int, per_page: int, *,
            order_by: Sequence = NEWEST_FIRST, trail: bool = True,
            clamp: bool = False) -> tuple[list[TicketView], int]:
    """One page of the tickets matching `where` as views, and how many match in all.

    The page's ids and the total come in one statement. Past the end the page is
    empty, or with `clamp` the last page.
    """
    page = max(page, 1)
    connection = session.connection()
    either = _either(where)
    counted = _counted(where, either, connection.dialect.name)
    rows = connection.execute(_page_ids(where, either, order_by, counted, page, per_page)).all()
    if rows:
        total = rows[0][1]
    else:
        total = session.scalar(select(func.count(Ticket.id)).where(*where)) or 0
        if not (clamp and total):
            return [], total
        last = -(-total // per_page)
        rows = connection.execute(_page_ids(where, either, order_by, counted, last,
                                             per_page)).all()
    return views_of(session, [row[0] for row in rows], trail=trail), total


def _either(where: Sequence) -> BooleanClauseList | None:
    """The condition of `where` that is an OR (who may see a ticket: its reporter, who
    entered it, its assignee, its community…), if one is."""
    return next((condition for condition in where if isinstance(condition, BooleanClauseList)
                 and condition.operator is operators.or_), None)


def _branches(where: Sequence, either: BooleanClauseList, *columns) -> list[Select]:
    """A select of `columns` per branch of the OR `either`, with the rest of `where`."""
    rest = [condition for condition in where if condition is not either]
    return [select(*columns).where(branch, *rest).correlate(None) for branch in either.clauses]


def _counted(where: Sequence, either: BooleanClauseList | None, dialect: str):
    """How many tickets match `where`, as a scalar subquery the database counts once.

    Of its own, not correlated with the page's rows: a window count carried every
    matching row through the window before the limit. On PostgreSQL an OR is counted as
    the union of its branches' ids, each read from its index alone, instead of one heap
    page per ticket (an operator's 853 tickets: 1.5 → 0.5 ms). SQLite counts an OR well as
    it stands (its union is slower there: 0.14 → 0.42 ms).
    """
    if either is not None and dialect == "postgresql":
        ids = union(*_branches(where, either, Ticket.id)).subquery()
        return select(func.count()).select_from(ids).correlate(None).scalar_subquery()
    return select(func.count()).select_from(Ticket).where(*where).correlate(None) \
        .scalar_subquery()


def _page_ids(where: Sequence, either: BooleanClauseList | None, order_by: Sequence, total,
              page: int, per_page: int) -> Select:
    """The ids of a page of the tickets matching `where`, each with `total`.

    Newest first, when one condition is an OR (`either`), each branch of the OR gives its
    newest tickets up to the page's end from its own index (column, reported_at, id), and
    the page is cut from their union: the database reads a few entries per branch instead
    of the row of every ticket the caller sees to sort them all (docs/performance.md). A
    ticket in several branches is one row of the union. Other orders, and conditions
    without an OR, are read as they stand.
    """
    offset = (page - 1) * per_page
    if either is None or order_by is not NEWEST_FIRST:
        return (select(Ticket.id, total).where(*where).order_by(*order_by)
                .limit(per_page).offset(offset))
    # The union's columns are named as text: a subquery's column objects (made at every
    # request, for a statement built at every request) cost more than running it.
    seen = union(*(
        select(_ALL).select_from(branch.order_by(*NEWEST_FIRST).limit(offset + per_page)
                                 .subquery())
        for branch in _branches(where, either, Ticket.id, Ticket.reported_at))).subquery()
    return (select(_ID, total).select_from(seen).order_by(_REPORTED.desc(), _ID.desc())
            .limit(per_page).offset(offset))


_ALL, _ID, _REPORTED = literal_column("*"), literal_column("id"), literal_column("reported_at")


# --- which tickets an actor sees ----------------------------------------------------------------

# Bounds far outside any ticket that still survive the shift between time zones.
_EARLIEST, _LATEST = date(1900, 1, 1), date(9000, 12, 31)


def _local_midnight(day: date) -> datetime:
    day = min(max(day, _EARLIEST), _LATEST)
    return datetime(day.year, day.month, day.day, tzinfo=clock.LOCAL_TZ)


def ticket_conditions(actor, *, status=None, community=None, assignee=None, category=None,
                      date_from: date | None = None, date_to: date | None = None) -> list:
    """The conditions on Ticket that select what `actor` may see, filtered."""
    where = [permissions.ticket_clause(actor)]
    if status:
        if not isinstance(status, str) or status not in TicketStatus.__members__:
            raise InvalidInput("unknown status", fields={
                "status": "one of " + ", ".join(s.value for s in TicketStatus)})
        where.append(Ticket.status == TicketStatus(status))
    if community:
        where.append(Ticket.community_id.in_(
            select(Community.id).where(Community.code == community)))
    if assignee:
        where.append(Ticket.assignee_id.in_(
            select(Organization.id).where(Organization.code == assignee)))
    if category:
        where.append(Ticket.category == category)
    if date_from:
        where.append(Ticket.reported_at >= _local_midnight(date_from))
    if date_to:
        end = _local_midnight(min(date_to, _LATEST) + timedelta(days=1))
        where.append(Ticket.reported_at < end)
    return where


def visible_tickets(actor, **filters):
    """A select of the tickets `actor` may see, filtered (see `ticket_conditions`)."""
    return select(Ticket).where(*ticket_conditions(actor, **filters))


def queue_conditions(actor) -> list:
    """The caller organisation's open tickets (its queue)."""
    return [
        Ticket.assignee_id == actor.organization_id,
        permissions.ticket_clause(actor),
        Ticket.status.in_(sorted(OPEN_STATUSES)),
    ]


QUEUE_ORDER = (Ticket.due_resolve_at, Ticket.id)


def ruling_conditions(actor) -> list:
    """The disputed tickets waiting for `actor`'s ruling (docs/domain.md#disputes).

    A street office rules on its street's communities, a community office on its
    own; a dispute waits until the office reassigns the ticket or sends it back.
    """
    return [
        Ticket.status == TicketStatus.disputed,
        Ticket.community_id.in_(
            select(Community.id).where(permissions.arbitration_clause(actor))),
        permissions.ticket_clause(actor),
    ]


# Disputes wait for a ruling oldest first: the one disputed earliest was reported earliest.
RULING_ORDER = (Ticket.reported_at, Ticket.id)


def open_queue(actor):
    """The caller organisation's open tickets, nearest resolution deadline first."""
    return select(Ticket).where(*queue_conditions(actor)).order_by(*QUEUE_ORDER)


def get_ticket_or_404(session: Session, actor, ticket_id) -> Ticket:
    """The ticket with this id if `actor` may see it; else NotFound."""
    key = valid_id(ticket_id)
    ticket = None
    if key is not None:
        ticket = session.scalar(
            select(Ticket).where(Ticket.id == key, permissions.ticket_clause(actor))
        )
    if ticket is None:
        raise NotFound(f"no ticket {ticket_id}", code="ticket_not_found",
                       hidden=permissions.probe(session, Ticket.id, key, "ticket"))
    return ticket


def ticket_communities(actor):
    """A select of the communities to filter `actor`'s tickets by, by code.

    The communities it sees, and those of the tickets it sees elsewhere (a
    contractor without a region holds tickets in communities it does not watch).
    """
    with_tickets = select(Ticket.community_id).where(permissions.ticket_clause(actor))
    return (
        select(Community)
        .where(or_(permissions.community_clause(actor), Community.id.in_(with_tickets)))
        .order_by(Community.code)
    )
