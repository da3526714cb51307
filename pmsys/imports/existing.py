"""What the database holds of the rows a region bundle names, read before it is checked.

`load_existing` reads every row the bundle defines or refers to, a few queries
per kind whatever the bundle's size (long code lists go in chunks, one array
parameter each on PostgreSQL). The numerous kinds — people, buildings, units,
households, assets and their maintainers, hand-overs — are read as plain values
and compared by code, so a city's bundle never becomes a graph of ORM objects;
the others are ORM objects the writers update. `Existing.known` describes them
as the plain values the checks take.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased, selectinload

from pmsys.assets.maintainers import Stint
from pmsys.imports import references, validation
from pmsys.imports.bulk import objects_among, rows_among
from pmsys.imports.wanted import Wanted
from pmsys.models.assets import (
    Asset,
    AssetMaintainer,
    Handover,
    HandoverAsset,
    Project,
    ProjectCommunity,
)
from pmsys.models.auth import Organization, OrgKind, User
from pmsys.models.fees import Bill, FeeStandard
from pmsys.models.governance import Committee, ManagementTerm
from pmsys.models.places import (
    Building,
    Community,
    Household,
    HouseholdResident,
    Person,
    Region,
    Setting,
    Unit,
)


class PersonRow(NamedTuple):
    id: int
    name: str
    phone: str | None
    is_developer: bool


class BuildingRow(NamedTuple):
    id: int
    name: str | None
    floors: int | None


class HouseholdRow(NamedTuple):
    id: int
    area: Decimal
    owner_id: int


class AssetRow(NamedTuple):
    """An asset's columns that an import compares or recomputes, and its community's code."""

    id: int
    community_code: str
    community_id: int
    name: str
    category: str
    building_id: int | None
    unit_id: int | None
    project_id: int | None
    project_item_id: int | None
    warranty_contractor_id: int | None
    warranty_contract_until: date | None
    warranty_until: date | None
    spaces: int | None
    space_numbers: str


class StintRow(NamedTuple):
    id: int
    organization_id: int
    start: date
    end: date | None


@dataclass
class Existing:
    """The rows the bundle names, by code; the writers add the rows they create.

    The numerous kinds are plain values: people, buildings, units, households,
    assets and their maintainers, hand-overs. The others are ORM objects.
    """

    settings: dict[str, Setting] = field(default_factory=dict)
    regions: dict[str, Region] = field(default_factory=dict)
    organizations: dict[str, Organization] = field(default_factory=dict)
    people: dict[str, PersonRow] = field(default_factory=dict)
    communities: dict[str, Community] = field(default_factory=dict)
    # Keyed by (parent id, code): buildings by community, unit ids by building, households
    # by unit.
    buildings: dict[tuple[int, str], BuildingRow] = field(default_factory=dict)
    units: dict[tuple[int, str], int] = field(default_factory=dict)
    households: dict[tuple[int, str], HouseholdRow] = field(default_factory=dict)
    # household id → the ids of the people living there without owning it
    residents: dict[int, set[int]] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    terms: dict[tuple[int, date], ManagementTerm] = field(default_factory=dict)
    committees: dict[str, str] = field(default_factory=dict)
    # Ids of the communities with a committee preparing or in office.
    in_office: set[int] = field(default_factory=set)
    projects: dict[str, Project] = field(default_factory=dict)
    # Projects of the loaded assets that the bundle does not name, by id.
    other_projects: dict[int, Project] = field(default_factory=dict)
    assets: dict[str, AssetRow] = field(default_factory=dict)
    # asset id → its maintainers so far
    stints: dict[int, list[StintRow]] = field(default_factory=dict)
    handovers: dict[str, references.RecordedHandover] = field(default_factory=dict)
    fee_standards: dict[tuple[int, date], FeeStandard] = field(default_factory=dict)
    # community id → the latest period billed; the standards bills were made with
    billed_until: dict[int, str] = field(default_factory=dict)
    billed_standards: set[int] = field(default_factory=set)
    # Ids by code, filled as the writers go, new rows too: the people, the bundle's
    # buildings and units by (community, building[, unit]) code, and the assets.
    person_ids: dict[str, int] = field(default_factory=dict)
    building_ids: dict[tuple[str, str], int] = field(default_factory=dict)
    unit_ids: dict[tuple[str, str, str], int] = field(default_factory=dict)
    asset_ids: dict[str, int] = field(default_factory=dict)

    def known(self) -> references.Known:
        """Describe these rows as plain values for the reference checks."""
        community_codes = {row.id: code for code, row in self.communities.items()}
        terms: dict[str, list[tuple[date, date | None]]] = {}
        for term in self.terms.values():
            terms.setdefault(community_codes[term.community_id], []).append((term.start, term.end))
        return references.Known(
            region_kinds={code: row.kind.value for code, row in self.regions.items()},
            org_kinds={code: row.kind.value for code, row in self.organizations.items()},
            org_communities={
                code: row.community.code if row.community is not None else None
                for code, row in self.organizations.items()
            },
            people=set(self.people),
            communities=set(self.communities),
            committees=dict(self.committees),
            terms=terms,
            ended_terms={
                (community_codes[row.community_id], row.start): row.end
                for row in self.terms.values() if row.ended_at is not None and row.end is not None
            },
            project_communities={
                code: {link.community.code for link in row.community_links}
                for code, row in self.projects.items()
            },
            project_dates={
                code: (row.completed_on, row.accepted_on) for code, row in self.projects.items()
            },
            places=self._places(),
            asset_communities={code: row.community_code for code, row in self.assets.items()},
            asset_categories={code: row.category for code, row in self.assets.items()},
            asset_spaces={code: row.spaces for code, row in self.assets.items()},
            asset_stints={
                code: [Stint(s.organization_id, s.start, s.end)
                       for s in self.stints.get(row.id, ())]
                for code, row in self.assets.items()
            },
            handovers=dict(self.handovers),
            fee_standards={
                (community_codes[community_id], start): references.RecordedStandard(
                    row.price_per_m2_month, row.fixed_per_household,
                    row.id in self.billed_standards,
                )
                for (community_id, start), row in self.fee_standards.items()
            },
            billed_until={
                community_codes[community_id]: period
                for community_id, period in self.billed_until.items()
            },
        )

    def _places(self) -> dict[str, dict[str, set[str]]]:
        community_codes = {row.id: code for code, row in self.communities.items()}
        places: dict[str, dict[str, set[str]]] = {}
        units_of: dict[int, set[str]] = {}
        for (community_id, code), row in self.buildings.items():
            units_of[row.id] = places.setdefault(community_codes[community_id], {})[code] = set()
        for building_id, code in self.units:
            units_of[building_id].add(code)
        return places


def load_existing(
    session: Session, wanted: Wanted, parsed: validation.Parsed
) -> Existing:
    """Read every row the bundle defines or refers to, a few queries per kind."""
    found = Existing()
    if parsed.settings:
        query = select(Setting).where(Setting.scope == "", Setting.key.in_(list(parsed.settings)))
        found.settings = {row.key: row for row in session.scalars(query)}
    found.regions = {
        row.code: row for row in objects_among(session, select(Region), Region.code, wanted.regions)
    }
    organizations = select(Organization).options(
        selectinload(Organization.category_links), selectinload(Organization.community)
    )
    found.organizations = {
        row.code: row
        for row in objects_among(session, organizations, Organization.code, wanted.organizations)
    }
    people = select(Person.code, Person.id, Person.name, Person.phone, Person.is_developer)
    for code, *values in rows_among(session, people, Person.code, wanted.people):
        found.people[code] = PersonRow(*values)
    found.communities = {
        row.code: row
        for row in objects_among(session, select(Community), Community.code, wanted.communities)
    }
    found.users = {
        row.username: row
        for row in objects_among(session, select(User), User.username, wanted.usernames)
    }
    _load_places(session, found, parsed, wanted)
    _load_governance(session, found, wanted)
    _load_register(session, found, wanted)
    _load_fees(session, found, wanted)
    return found


def _ids(found: Existing, codes: Iterable[str]) -> list[int]:
    """The ids of the communities among `codes` that the database holds."""
    return [found.communities[code].id for code in codes if code in found.communities]


def _load_fees(session: Session, found: Existing, wanted: Wanted) -> None:
    """Read the fee standards of the communities the bundle's standards name, and their bills."""
    ids = _ids(found, wanted.fee_communities)
    for row in objects_among(session, select(FeeStandard), FeeStandard.community_id, ids):
        found.fee_standards[(row.community_id, row.start)] = row
    found.billed_until.update(rows_among(
        session, select(Bill.community_id, func.max(Bill.period)).group_by(Bill.community_id),
        Bill.community_id, ids,
    ))
    found.billed_standards.update(row.standard_id for row in rows_among(
        session, select(Bill.standard_id).distinct(), Bill.community_id, ids,
    ))


def _load_places(
    session: Session, found: Existing, parsed: validation.Parsed, wanted: Wanted
) -> None:
    # Buildings and units of the bundle's communities and of those its assets name;
    # households only of the bundle's communities.
    ids = _ids(found, set(parsed.community_index) | wanted.place_communities)
    buildings = select(Building.community_id, Building.code, Building.id, Building.name,
                       Building.floors)
    for community_id, code, *values in rows_among(session, buildings, Building.community_id, ids):
        found.buildings[(community_id, code)] = BuildingRow(*values)
    units = select(Unit.building_id, Unit.code, Unit.id).join(
        Building, Building.id == Unit.building_id)
    for building_id, code, unit_id in rows_among(session, units, Building.community_id, ids):
        found.units[(building_id, code)] = unit_id
    ids = _ids(found, parsed.community_index)
    households = (
        select(Household.unit_id, Household.code, Household.id, Household.area,
               Household.owner_id)
        .join(Unit, Unit.id == Household.unit_id)
        .join(Building, Building.id == Unit.building_id)
    )
    for unit_id, code, *values in rows_among(session, households, Building.community_id, ids):
        found.households[(unit_id, code)] = HouseholdRow(*values)
    residents = (
        select(HouseholdResident.household_id, HouseholdResident.person_id)
        .join(Household, Household.id == HouseholdResident.household_id)
        .join(Unit, Unit.id == Household.unit_id)
        .join(Building, Building.id == Unit.building_id)
    )
    for household_id, person_id in rows_among(session, residents, Building.community_id, ids):
        found.residents.setdefault(household_id, set()).add(person_id)


def _load_governance(session: Session, found: Existing, wanted: Wanted) -> None:
    ids = _ids(found, wanted.term_communities)
    for row in objects_among(session, select(ManagementTerm), ManagementTerm.community_id, ids):
        found.terms[(row.community_id, row.start)] = row
    ids = _ids(found, wanted.committee_communities)
    codes = {row.id: code for code, row in found.communities.items()}
    committees = select(Organization).where(Organization.kind == OrgKind.owners_committee)
    for row in objects_among(session, committees, Organization.community_id, ids):
        found.committees[codes[row.community_id]] = row.code
    # Which of them have (or had) a committee: the writer gives the others one. A committee
    # that pmsys saw expire stays expired; the next one is elected, not imported.
    found.in_office.update(objects_among(
        session, select(Committee.community_id), Committee.community_id, ids
    ))


def _load_register(session: Session, found: Existing, wanted: Wanted) -> None:
    """Read the projects, assets and hand-overs the bundle names, with what their checks need."""
    projects = select(Project).options(
        selectinload(Project.community_links).joinedload(ProjectCommunity.community),
        selectinload(Project.items),
    )
    found.projects = {
        row.code: row for row in objects_among(session, projects, Project.code, wanted.projects)
    }
    assets = select(
        Asset.code, Asset.id, Community.code, Asset.community_id, Asset.name, Asset.category,
        Asset.building_id, Asset.unit_id, Asset.project_id, Asset.project_item_id,
        Asset.warranty_contractor_id, Asset.warranty_contract_until, Asset.warranty_until,
        Asset.spaces, Asset.space_numbers,
    ).join(Community, Community.id == Asset.community_id)
    for code, *values in rows_among(session, assets, Asset.code, wanted.assets):
        found.assets[code] = AssetRow(*values)
    stints = (
        select(AssetMaintainer.asset_id, AssetMaintainer.id, AssetMaintainer.organization_id,
               AssetMaintainer.start, AssetMaintainer.end)
        .join(Asset, Asset.id == AssetMaintainer.asset_id)
        .order_by(AssetMaintainer.start)
    )
    for asset_id, *values in rows_among(session, stints, Asset.code, wanted.assets):
        found.stints.setdefault(asset_id, []).append(StintRow(*values))
    # The projects of assets the bundle leaves on a project it does not name.
    named = {row.id for row in found.projects.values()}
    others = {row.project_id for row in found.assets.values()} - named - {None}
    found.other_projects = {
        row.id: row for row in objects_among(
            session, select(Project).options(selectinload(Project.items)), Project.id, others
        )
    }
    _load_handovers(session, found, wanted)


def _load_handovers(session: Session, found: Existing, wanted: Wanted) -> None:
    """Read the hand-overs the bundle names as the bundle would describe them."""
    giver, receiver = aliased(Organization), aliased(Organization)
    handovers = (
        select(Handover.code, Handover.status, giver.code, receiver.code, Handover.effective_on)
        .join(giver, giver.id == Handover.from_org_id)
        .join(receiver, receiver.id == Handover.to_org_id)
    )
    recorded = {
        code: (status.value, giver_code, receiver_code, effective_on)
        for code, status, giver_code, receiver_code, effective_on
        in rows_among(session, handovers, Handover.code, wanted.handovers)
    }
    handed = (
        select(Handover.code, Asset.code)
        .join(HandoverAsset, HandoverAsset.handover_id == Handover.id)
        .join(Asset, Asset.id == HandoverAsset.asset_id)
    )
    assets: dict[str, set[str]] = {}
    for code, asset_code in rows_among(session, handed, Handover.code, wanted.handovers):
        assets.setdefault(code, set()).add(asset_code)
    found.handovers = {
        code: references.RecordedHandover(
            status=status, giver=giver_code, receiver=receiver_code,
            assets=frozenset(assets.get(code, ())), effective_on=effective_on,
        )
        for code, (status, giver_code, receiver_code, effective_on) in recorded.items()
    }
