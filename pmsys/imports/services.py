"""Loading a region bundle (docs/api.md#import): validate everything, then write in one go.

All or nothing: every problem is collected with its JSON path before anything
is written, and a bundle with any problem writes nothing. Importing the same
bundle twice changes nothing. The rows the bundle names are read first, in a
few queries whatever the bundle's size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from pmsys import audit
from pmsys.assets.maintainers import Stint
from pmsys.auth import permissions
from pmsys.errors import DomainError, Forbidden
from pmsys.imports import fee_checks, references, register_checks, scope, validation
from pmsys.imports.fee_writer import write_fee_standards
from pmsys.imports.register_writer import write_register
from pmsys.imports.writer import KINDS, write_bundle
from pmsys.models.assets import Asset, Handover, Project, ProjectCommunity
from pmsys.models.auth import Organization, OrgKind, User
from pmsys.models.fees import Bill, FeeStandard
from pmsys.models.governance import Committee, ManagementTerm
from pmsys.models.places import Building, Community, Household, Person, Region, Setting, Unit

CHUNK = 500  # codes per IN (…) list: well under every engine's parameter limit


class BundleInvalid(DomainError):
    """A bundle with problems; nothing of it was written (400)."""

    status = 400
    code = "invalid_bundle"

    def __init__(self, errors: list[str]):
        noun = "problem" if len(errors) == 1 else "problems"
        super().__init__(
            f"the bundle was not loaded: {len(errors)} {noun}", fields={"errors": errors}
        )
        self.errors = errors


@dataclass
class ImportSummary:
    """How many rows of each kind an import created, updated or left unchanged."""

    counts: dict[str, dict[str, int]]

    def describe(self) -> str:
        """One line per kind: "households: 1514 created, 0 updated, 0 unchanged"."""
        return "\n".join(
            f"{kind}: {tally['created']} created, {tally['updated']} updated, "
            f"{tally['unchanged']} unchanged"
            for kind, tally in self.counts.items()
        )


def import_bundle(session: Session, bundle: object, actor) -> ImportSummary:
    """Validate a region bundle completely, then create or update its rows.

    `actor` is a User (who must be allowed to import) or a string naming
    unattended work ("cli", "demo"). Raises BundleInvalid listing every
    problem, having written nothing. Flushes; the caller commits.
    """
    if not isinstance(actor, str) and not permissions.can_import(actor):
        raise Forbidden("only bureau administrators may import a bundle")
    parsed, problems = validation.parse_bundle(bundle)
    if parsed is None:
        raise BundleInvalid(problems.lines(validation.ORDER))
    existing = load_existing(session, references.wanted_codes(parsed), parsed)
    known = existing.known()
    references.check_references(parsed, known, problems)
    register_checks.check_register(parsed, known, problems)
    fee_checks.check_fee_standards(parsed, known, problems)
    scope.check_scope(session, actor, parsed, problems)
    if problems:
        raise BundleInvalid(problems.lines(validation.ORDER))
    counts = write_bundle(session, parsed, existing)
    write_register(session, parsed, existing, actor, counts)
    write_fee_standards(session, parsed, existing, actor, counts)
    audit.record(session, actor, "bundle_imported", "bundle", "", counts=counts)
    session.flush()
    return ImportSummary({kind: counts[kind] for kind in KINDS})


@dataclass
class Existing:
    """The rows the bundle names, by code; the writer adds the rows it creates."""

    settings: dict[str, Setting] = field(default_factory=dict)
    regions: dict[str, Region] = field(default_factory=dict)
    organizations: dict[str, Organization] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)
    communities: dict[str, Community] = field(default_factory=dict)
    buildings: dict[tuple[int, str], Building] = field(default_factory=dict)
    units: dict[tuple[int, str], Unit] = field(default_factory=dict)
    households: dict[tuple[int, str], Household] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    terms: dict[tuple[int, date], ManagementTerm] = field(default_factory=dict)
    committees: dict[str, str] = field(default_factory=dict)
    # Ids of the communities with a committee preparing or in office.
    in_office: set[int] = field(default_factory=set)
    projects: dict[str, Project] = field(default_factory=dict)
    assets: dict[str, Asset] = field(default_factory=dict)
    handovers: dict[str, Handover] = field(default_factory=dict)
    fee_standards: dict[tuple[int, date], FeeStandard] = field(default_factory=dict)
    # community id → the latest period billed; the standards bills were made with
    billed_until: dict[int, str] = field(default_factory=dict)
    billed_standards: set[int] = field(default_factory=set)
    # The bundle's buildings and units by (community, building[, unit]) code, new ones too.
    buildings_by_code: dict[tuple[str, str], Building] = field(default_factory=dict)
    units_by_code: dict[tuple[str, str, str], Unit] = field(default_factory=dict)

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
            asset_communities={code: row.community.code for code, row in self.assets.items()},
            asset_stints={
                code: [Stint(s.organization_id, s.start, s.end) for s in row.stints]
                for code, row in self.assets.items()
            },
            handovers={
                code: references.RecordedHandover(
                    status=row.status.value, giver=row.from_org.code, receiver=row.to_org.code,
                    assets=frozenset(asset.code for asset in row.assets),
                    effective_on=row.effective_on,
                )
                for code, row in self.handovers.items()
            },
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


def _in_chunks(session: Session, query: Callable[[list], object], values: Iterable) -> list:
    """Run `query(chunk)` for each slice of `values` and return all the rows."""
    ordered = sorted(set(values))
    rows: list = []
    for start in range(0, len(ordered), CHUNK):
        rows.extend(session.scalars(query(ordered[start:start + CHUNK])).all())
    return rows


def load_existing(
    session: Session, wanted: references.Wanted, parsed: validation.Parsed
) -> Existing:
    """Read every row the bundle defines or refers to, a few queries per kind."""
    found = Existing()
    if parsed.settings:
        query = select(Setting).where(Setting.scope == "", Setting.key.in_(list(parsed.settings)))
        found.settings = {row.key: row for row in session.scalars(query)}
    found.regions = {
        row.code: row
        for row in _in_chunks(
            session, lambda codes: select(Region).where(Region.code.in_(codes)), wanted.regions
        )
    }
    found.organizations = {
        row.code: row
        for row in _in_chunks(
            session,
            lambda codes: select(Organization)
            .options(
                selectinload(Organization.category_links), selectinload(Organization.community)
            )
            .where(Organization.code.in_(codes)),
            wanted.organizations,
        )
    }
    found.people = {
        row.code: row
        for row in _in_chunks(
            session, lambda codes: select(Person).where(Person.code.in_(codes)), wanted.people
        )
    }
    found.communities = {
        row.code: row
        for row in _in_chunks(
            session,
            lambda codes: select(Community).where(Community.code.in_(codes)),
            wanted.communities,
        )
    }
    found.users = {
        row.username: row
        for row in _in_chunks(
            session, lambda names: select(User).where(User.username.in_(names)), wanted.usernames
        )
    }
    _load_places(session, found, parsed, wanted)
    _load_governance(session, found, wanted)
    _load_register(session, found, wanted)
    _load_fees(session, found, wanted)
    return found


def _load_fees(session: Session, found: Existing, wanted: references.Wanted) -> None:
    """Read the fee standards of the communities the bundle's standards name, and their bills."""
    ids = [found.communities[c].id for c in wanted.fee_communities if c in found.communities]
    for row in _in_chunks(
        session, lambda chunk: select(FeeStandard).where(FeeStandard.community_id.in_(chunk)), ids
    ):
        found.fee_standards[(row.community_id, row.start)] = row
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        found.billed_until.update(session.execute(
            select(Bill.community_id, func.max(Bill.period))
            .where(Bill.community_id.in_(chunk)).group_by(Bill.community_id)
        ).all())
        found.billed_standards.update(session.scalars(
            select(Bill.standard_id).where(Bill.community_id.in_(chunk)).distinct()
        ))


def _load_places(
    session: Session, found: Existing, parsed: validation.Parsed, wanted: references.Wanted
) -> None:
    # Buildings and units of the bundle's communities and of those its assets name;
    # households only of the bundle's communities.
    codes = set(parsed.community_index) | wanted.place_communities
    ids = [found.communities[c].id for c in codes if c in found.communities]
    for row in _in_chunks(
        session, lambda chunk: select(Building).where(Building.community_id.in_(chunk)), ids
    ):
        found.buildings[(row.community_id, row.code)] = row
    for row in _in_chunks(
        session,
        lambda chunk: select(Unit).join(Building).where(Building.community_id.in_(chunk)),
        ids,
    ):
        found.units[(row.building_id, row.code)] = row
    ids = [found.communities[c].id for c in parsed.community_index if c in found.communities]
    for row in _in_chunks(
        session,
        lambda chunk: select(Household)
        .join(Unit)
        .join(Building)
        .options(selectinload(Household.residents))
        .where(Building.community_id.in_(chunk)),
        ids,
    ):
        found.households[(row.unit_id, row.code)] = row


def _load_governance(session: Session, found: Existing, wanted: references.Wanted) -> None:
    ids = [found.communities[c].id for c in wanted.term_communities if c in found.communities]
    for row in _in_chunks(
        session,
        lambda chunk: select(ManagementTerm).where(ManagementTerm.community_id.in_(chunk)),
        ids,
    ):
        found.terms[(row.community_id, row.start)] = row
    ids = [found.communities[c].id for c in wanted.committee_communities if c in found.communities]
    codes = {row.id: code for code, row in found.communities.items()}
    for row in _in_chunks(
        session,
        lambda chunk: select(Organization).where(
            Organization.kind == OrgKind.owners_committee, Organization.community_id.in_(chunk)
        ),
        ids,
    ):
        found.committees[codes[row.community_id]] = row.code
    # Which of them have (or had) a committee: the writer gives the others one. A committee
    # that pmsys saw expire stays expired; the next one is elected, not imported.
    found.in_office.update(_in_chunks(
        session,
        lambda chunk: select(Committee.community_id).where(Committee.community_id.in_(chunk)),
        ids,
    ))


def _load_register(session: Session, found: Existing, wanted: references.Wanted) -> None:
    """Read the projects, assets and hand-overs the bundle names, with what their checks need."""
    found.projects = {
        row.code: row
        for row in _in_chunks(
            session,
            lambda codes: select(Project)
            .options(
                selectinload(Project.community_links).joinedload(ProjectCommunity.community),
                selectinload(Project.items),
            )
            .where(Project.code.in_(codes)),
            wanted.projects,
        )
    }
    found.assets = {
        row.code: row
        for row in _in_chunks(
            session,
            lambda codes: select(Asset)
            .options(
                joinedload(Asset.community),
                selectinload(Asset.stints),
                joinedload(Asset.project).selectinload(Project.items),
            )
            .where(Asset.code.in_(codes)),
            wanted.assets,
        )
    }
    found.handovers = {
        row.code: row
        for row in _in_chunks(
            session,
            lambda codes: select(Handover)
            .options(
                selectinload(Handover.assets),
                joinedload(Handover.from_org),
                joinedload(Handover.to_org),
            )
            .where(Handover.code.in_(codes)),
            wanted.handovers,
        )
    }
