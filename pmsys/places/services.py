"""Reading places: community summaries and details, filtered by permissions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from sqlalchemy import bindparam, case, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from pmsys import clock, money
from pmsys.auth import permissions
from pmsys.db import one_of_ids
from pmsys.errors import InvalidInput, NotFound
from pmsys.models.auth import Organization, OrgKind, Role
from pmsys.models.governance import Committee, CommitteeStatus, ManagementMode, ManagementTerm
from pmsys.models.places import (
    Building,
    Community,
    Household,
    HouseholdResident,
    Person,
    Region,
    Unit,
)
from pmsys.settings import region_lineage_ids


@dataclass
class CommunitySummary:
    """A community with its counts and its management arrangement on a date."""

    community: Community
    buildings: int = 0
    households: int = 0
    area: Decimal = Decimal("0.00")
    term: ManagementTerm | None = None
    # The organisation of the committee in office (owners' or interim), if any.
    committee: Organization | None = None
    # "none", "preparing", "active" or "expired", as governance.services.committees.status_of.
    committee_state: str = "none"

    @property
    def mode(self) -> ManagementMode | None:
        return self.term.mode if self.term else None

    @property
    def manager(self) -> Organization | None:
        return self.term.organization if self.term else None

    @property
    def committee_status(self) -> str:
        return self.committee_state


# Built once, run with parameters (filing a ticket reads both).
_ACTIVE_TERMS = (
    select(ManagementTerm)
    .options(joinedload(ManagementTerm.organization))
    .where(
        one_of_ids(ManagementTerm.community_id, "community_ids"),
        ManagementTerm.start <= bindparam("on"),
        or_(ManagementTerm.end.is_(None), ManagementTerm.end >= bindparam("on")),
    )
)
_STREET_OFFICE = (
    select(Organization)
    .where(Organization.kind == OrgKind.street_office,
           Organization.region_id == bindparam("street_id"))
    .order_by(Organization.code)
    .limit(1)
)


def active_terms(session: Session, community_ids: list[int], on: date) -> dict[int, ManagementTerm]:
    """Return the term in force on `on` for each of the communities that has one."""
    if not community_ids:
        return {}
    terms = session.scalars(_ACTIVE_TERMS, {"community_ids": list(community_ids), "on": on})
    return {term.community_id: term for term in terms}


def summarise(
    session: Session, communities: list[Community], on: date | None = None
) -> list[CommunitySummary]:
    """Counts, area and arrangement for each community, in a fixed number of queries."""
    on = on or clock.today()
    ids = [c.id for c in communities]
    summaries = {c.id: CommunitySummary(c) for c in communities}
    if not ids:
        return []
    for community_id, count in session.execute(
        select(Building.community_id, func.count(Building.id))
        .where(Building.community_id.in_(ids))
        .group_by(Building.community_id)
    ):
        summaries[community_id].buildings = count
    for community_id, count, area in session.execute(
        select(Building.community_id, func.count(Household.id), func.sum(Household.area))
        .join(Unit, Unit.building_id == Building.id)
        .join(Household, Household.unit_id == Unit.id)
        .where(Building.community_id.in_(ids))
        .group_by(Building.community_id)
    ):
        summaries[community_id].households = count
        summaries[community_id].area = money.round_half_up(area or 0, 2)
    for community_id, term in active_terms(session, ids, on).items():
        summaries[community_id].term = term
    for community_id, preparing, active, count in session.execute(
        select(
            Committee.community_id,
            func.max(case((Committee.status == CommitteeStatus.preparing, 1), else_=0)),
            func.max(case((Committee.status == CommitteeStatus.active, 1), else_=0)),
            func.count(Committee.id),
        )
        .where(Committee.community_id.in_(ids))
        .group_by(Committee.community_id)
    ):
        summaries[community_id].committee_state = (
            "preparing" if preparing else "active" if active else "expired" if count else "none"
        )
    for community_id, org in active_committees(session, ids).items():
        summaries[community_id].committee = org
    return [summaries[i] for i in ids]


@dataclass
class AreaTotals:
    """Totals over the communities an actor sees, for the home pages."""

    communities: int = 0
    buildings: int = 0
    households: int = 0
    area: Decimal = Decimal("0.00")
    by_mode: Counter = field(default_factory=Counter)
    without_term: list[Community] = field(default_factory=list)

    @property
    def coverage(self) -> Decimal:
        """Share of communities with an active term (docs/domain.md#management), to 4 places,
        half up (pmsys/money.py)."""
        if not self.communities:
            return Decimal("0.0000")
        covered = self.communities - len(self.without_term)
        return money.ratio(covered, self.communities)


def totals(session: Session, actor, on: date | None = None) -> AreaTotals:
    """Sum the summaries of every community `actor` may see."""
    communities = list(session.scalars(permissions.visible_communities(actor)))
    result = AreaTotals()
    for summary in summarise(session, communities, on):
        result.communities += 1
        result.buildings += summary.buildings
        result.households += summary.households
        result.area += summary.area
        if summary.mode is None:
            result.without_term.append(summary.community)
        else:
            result.by_mode[summary.mode.value] += 1
    return result


@dataclass
class HouseholdView:
    """A household as the actor may see it: owner only for some roles, phone maybe masked."""

    household: Household
    owner_name: str | None
    owner_phone: str | None


@dataclass
class UnitView:
    unit: Unit
    households: list[HouseholdView]


@dataclass
class BuildingView:
    building: Building
    units: list[UnitView]
    household_count: int
    area: Decimal


@dataclass
class CommunityDetail:
    """Everything a community page or API answer shows, already permission-filtered."""

    summary: CommunitySummary
    buildings: list[BuildingView]
    terms: list[ManagementTerm]
    shows_households: bool
    shows_owners: bool


def community_detail(session: Session, actor, community: Community) -> CommunityDetail:
    """The community's buildings, units, the households `actor` may read, and its terms."""
    summary = summarise(session, [community])[0]
    shows_owners = permissions.can_see_owners(actor)
    full_phone = permissions.can_see_full_phone(session, actor, community)
    clause = permissions.household_clause(actor, community)
    buildings = list(
        session.scalars(
            select(Building)
            .where(Building.community_id == community.id)
            .options(selectinload(Building.units))
            .order_by(Building.id)
        )
    )
    unit_ids = [unit.id for b in buildings for unit in b.units]
    households: dict[int, list[Household]] = {uid: [] for uid in unit_ids}
    stats: dict[int, tuple[int, Decimal]] = {}
    if unit_ids:
        for household in session.scalars(
            select(Household)
            .where(Household.unit_id.in_(unit_ids), clause)
            .options(selectinload(Household.owner))
            .order_by(Household.unit_id, Household.id)
        ):
            households[household.unit_id].append(household)
        for building_id, count, area in session.execute(
            select(Unit.building_id, func.count(Household.id), func.sum(Household.area))
            .join(Household, Household.unit_id == Unit.id)
            .where(Unit.id.in_(unit_ids))
            .group_by(Unit.building_id)
        ):
            stats[building_id] = (count, money.round_half_up(area or 0, 2))

    def view(household: Household) -> HouseholdView:
        owner: Person = household.owner
        if not shows_owners and household.owner_id != getattr(actor, "person_id", None):
            return HouseholdView(household, None, None)
        phone = owner.phone if full_phone else permissions.mask_phone(owner.phone)
        return HouseholdView(household, owner.name, phone)

    building_views = [
        BuildingView(
            building=b,
            units=[UnitView(u, [view(h) for h in households[u.id]]) for u in b.units],
            household_count=stats.get(b.id, (0, Decimal("0.00")))[0],
            area=stats.get(b.id, (0, Decimal("0.00")))[1],
        )
        for b in buildings
    ]
    terms = list(
        session.scalars(
            select(ManagementTerm)
            .where(ManagementTerm.community_id == community.id)
            .options(selectinload(ManagementTerm.organization))
            .order_by(ManagementTerm.start)
        )
    )
    shows_households = any(unit.households for b in building_views for unit in b.units)
    return CommunityDetail(summary, building_views, terms, shows_households, shows_owners)


# Filters of the community list: a management mode, or "none" for no active term.
LIST_MODES = (*(mode.value for mode in ManagementMode), "none")


@dataclass
class CommunityPage:
    """One page of the communities an actor may see, summarised."""

    items: list[CommunitySummary]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def filter_communities(
    actor, *, street: str | None = None, mode: str | None = None, on: date | None = None
):
    """A select of the visible communities of one street (by code) and one of LIST_MODES on `on`.

    Streets are loaded with the rows, so naming each row's street costs no query.
    """
    on = on or clock.today()
    query = permissions.visible_communities(actor).options(selectinload(Community.street))
    if street:
        query = query.join(Region, Region.id == Community.street_id).where(Region.code == street)
    if mode:
        if mode not in LIST_MODES:
            raise InvalidInput(f"unknown management mode {mode}", code="invalid_mode")
        in_force = select(ManagementTerm.community_id).where(
            ManagementTerm.start <= on,
            or_(ManagementTerm.end.is_(None), ManagementTerm.end >= on),
        )
        if mode == "none":
            query = query.where(Community.id.not_in(in_force))
        else:
            query = query.where(Community.id.in_(in_force.where(ManagementTerm.mode == mode)))
    return query


def list_communities(
    session: Session,
    actor,
    *,
    street: str | None = None,
    mode: str | None = None,
    page: int = 1,
    per_page: int = 50,
    on: date | None = None,
) -> CommunityPage:
    """Page through the visible communities, optionally of one street and one mode.

    A page past the end gives the last page, so a stale link never shows an
    empty list nor asks the database for an absurd offset.
    """
    on = on or clock.today()
    query = filter_communities(actor, street=street, mode=mode, on=on)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    communities = list(session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    return CommunityPage(summarise(session, communities, on), total, page, per_page)


def visible_streets(session: Session, actor) -> list[Region]:
    """The streets that hold at least one community `actor` may see, by code."""
    streets = select(Community.street_id).where(permissions.community_clause(actor))
    return list(session.scalars(select(Region).where(Region.id.in_(streets)).order_by(Region.code)))


def own_region(actor) -> Region | None:
    org = getattr(actor, "organization", None)
    return org.region if org is not None else None


def region_or_404(session: Session, actor, code: str | None) -> Region | None:
    """The region a report asks for (default: the reader's own; a sysadmin's: every region, None).

    A region outside the reader's own answers like one that does not exist.
    """
    mine = own_region(actor)
    if code is None:
        if actor.role is Role.sysadmin or mine is not None:
            return mine
        raise NotFound("no region", code="region_not_found")
    region = session.scalar(select(Region).where(Region.code == code))
    if region is not None and actor.role is not Role.sysadmin:
        if mine is None or region.id not in set(
                session.scalars(permissions.region_subtree(mine.id))):
            region = None
    if region is None:
        raise NotFound(f"no region {code}", code="region_not_found")
    return region


def own_households(session: Session, actor) -> list[Household]:
    """The households a resident owns or lives in, with their unit, building and community."""
    person_id = getattr(actor, "person_id", None)
    if person_id is None:
        return []
    lived = select(HouseholdResident.household_id).where(
        HouseholdResident.person_id == person_id
    )
    return list(
        session.scalars(
            select(Household)
            .where(or_(Household.owner_id == person_id, Household.id.in_(lived)))
            .options(
                selectinload(Household.unit)
                .selectinload(Unit.building)
                .selectinload(Building.community)
            )
            .order_by(Household.id)
        )
    )


def building_detail(
    session: Session, actor, community: Community, building_code: str
) -> CommunityDetail:
    """The community's detail narrowed to one building; NotFound if it has no such building."""
    detail = community_detail(session, actor, community)
    chosen = [view for view in detail.buildings if view.building.code == building_code]
    if not chosen:
        raise NotFound(f"no building {building_code} in {community.code}",
                       code="building_not_found")
    return replace(
        detail,
        buildings=chosen,
        shows_households=any(unit.households for unit in chosen[0].units),
    )


def active_committees(session: Session, community_ids: Iterable[int]) -> dict[int, Organization]:
    """The organisation of the committee in office for each of these communities that has one.

    The committee in office is the one whose status is active (docs/domain.md#committees): an
    elected owners' committee or an interim management committee acting for
    the owners. Hand-over and acceptance sign-offs name its organisation.
    """
    ids = list(set(community_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(Committee.community_id, Organization)
        .join(Organization, Organization.id == Committee.organization_id)
        .where(Committee.status == CommitteeStatus.active, Committee.community_id.in_(ids))
    )
    return {community_id: org for community_id, org in rows}


def street_office(session: Session, community: Community) -> Organization | None:
    """The street office of the community's street."""
    return session.scalar(_STREET_OFFICE, {"street_id": community.street_id})


def housing_bureau(session: Session, community: Community) -> Organization | None:
    """The housing bureau nearest to the community (its district's, else its city's)."""
    lineage = region_lineage_ids(session, community.street_id)
    order = {region_id: index for index, region_id in enumerate(lineage)}
    rows = session.scalars(
        select(Organization).where(
            Organization.kind == OrgKind.housing_bureau, Organization.region_id.in_(list(order))
        )
    ).all()
    return min(rows, key=lambda o: (order[o.region_id], o.code), default=None)
