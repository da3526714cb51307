"""Checking a parsed bundle's references against the bundle itself and the database.

`wanted_codes` (pmsys/imports/wanted.py) names the rows the database must be asked
about; the service loads them and passes them back as `Known`, plain values, so the rules here
never touch the session: references must resolve, kinds must fit (region
parents, organisations of users and terms) and terms must not overlap.
register_checks.py checks projects, assets and hand-overs with the same `Known`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from pmsys.assets.maintainers import Stint
from pmsys.governance import terms as term_rules
from pmsys.imports.fields import Item, Problems
from pmsys.imports.validation import Parsed
from pmsys.models.auth import COMMUNITY_BOUND_KINDS, ROLE_ORG_KINDS, OrgKind, Role

# Each region kind's parent kind: city → district → street (docs/domain.md#places).
PARENT_KIND = {"city": None, "district": "city", "street": "district"}
KNOWN_KIND = "?"  # the entity exists, but its kind was refused, so kind checks are skipped


@dataclass(frozen=True)
class RecordedHandover:
    """A hand-over already in the database, as the bundle would describe it."""

    status: str
    giver: str
    receiver: str
    assets: frozenset[str]
    effective_on: date | None


@dataclass(frozen=True)
class RecordedStandard:
    """A fee standard already in the database, as the bundle would describe it."""

    price_per_m2_month: Decimal
    fixed_per_household: Decimal
    billed: bool  # bills were made with it, so its amounts are history


@dataclass
class Known:
    """What the database already holds, as plain values, for the rows the bundle names."""

    region_kinds: dict[str, str] = field(default_factory=dict)
    org_kinds: dict[str, str] = field(default_factory=dict)
    org_communities: dict[str, str | None] = field(default_factory=dict)
    people: set[str] = field(default_factory=set)
    communities: set[str] = field(default_factory=set)
    # community code → the code of its owners' committee
    committees: dict[str, str] = field(default_factory=dict)
    # community code → (start, end) of each of its terms
    terms: dict[str, list[tuple[date, date | None]]] = field(default_factory=dict)
    # (community code, start) → the end pmsys recorded when a new term replaced it
    ended_terms: dict[tuple[str, date], date] = field(default_factory=dict)
    # project code → the communities it covers, and its (completed_on, accepted_on)
    project_communities: dict[str, set[str]] = field(default_factory=dict)
    project_dates: dict[str, tuple[date | None, date | None]] = field(default_factory=dict)
    # community code → building code → the building's unit codes
    places: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    # asset code → its community, and its maintainers so far (organisation ids)
    asset_communities: dict[str, str] = field(default_factory=dict)
    # asset code → its category and (a parking asset's) number of spaces
    asset_categories: dict[str, str] = field(default_factory=dict)
    asset_spaces: dict[str, int | None] = field(default_factory=dict)
    asset_stints: dict[str, list[Stint]] = field(default_factory=dict)
    handovers: dict[str, RecordedHandover] = field(default_factory=dict)
    # (community code, start) → (price, fixed part, whether bills were made with it)
    fee_standards: dict[tuple[str, date], RecordedStandard] = field(default_factory=dict)
    # community code → the latest period billed ("YYYY-MM")
    billed_until: dict[str, str] = field(default_factory=dict)


class Lookup:
    """Answers about a code from the bundle first, then from the database."""

    def __init__(self, parsed: Parsed, known: Known):
        self.parsed, self.known = parsed, known
        # The bundle's own buildings and units, community code → building code → units.
        self.places: dict[str, dict[str, set[str]]] = {}
        for community in parsed.communities:
            buildings = self.places.setdefault(community.get("code"), {})
            for building in community.get("buildings") or []:
                units = buildings.setdefault(building.get("code"), set())
                units.update(unit.get("code") for unit in building.get("units") or [])

    def region_kind(self, code: str) -> str | None:
        item = self.parsed.region_index.get(code)
        if item is not None:
            return item.get("kind") or KNOWN_KIND
        return self.known.region_kinds.get(code)

    def org_kind(self, code: str) -> str | None:
        item = self.parsed.org_index.get(code)
        if item is not None:
            return item.get("kind") or KNOWN_KIND
        return self.known.org_kinds.get(code)

    def org_community(self, code: str) -> str | None:
        item = self.parsed.org_index.get(code)
        if item is not None:
            return item.get("community")
        return self.known.org_communities.get(code)

    def has_person(self, code: str) -> bool:
        return code in self.parsed.person_index or code in self.known.people

    def has_community(self, code: str) -> bool:
        return code in self.parsed.community_index or code in self.known.communities

    def has_building(self, community: str, building: str) -> bool:
        return any(building in source.get(community, {})
                   for source in (self.places, self.known.places))

    def has_unit(self, community: str, building: str, unit: str) -> bool:
        return any(unit in source.get(community, {}).get(building, ())
                   for source in (self.places, self.known.places))

    def has_project(self, code: str) -> bool:
        return code in self.parsed.project_index or code in self.known.project_communities

    def coverage(self, code: str) -> set[str] | None:
        """The communities a project covers (links are only ever added); None if unsure."""
        item = self.parsed.project_index.get(code)
        if item is not None and "communities" in item.refused:
            return None
        covered = set(self.known.project_communities.get(code, ()))
        if item is not None:
            covered.update(item.get("communities") or [])
        return covered

    def has_asset(self, code: str) -> bool:
        return code in self.parsed.asset_index or code in self.known.asset_communities


def _article(word: str) -> str:
    # "u" is left out on purpose: "a utility".
    return "an" if word[:1] in "aeio" else "a"


def _kinds(kinds) -> str:
    return " or ".join(sorted(str(kind) for kind in kinds))


def check_references(parsed: Parsed, known: Known, problems: Problems) -> None:
    """Check the references, kinds and terms of a bundle's places, people and organisations.

    register_checks.check_register checks its projects, assets and hand-overs.
    """
    lookup = Lookup(parsed, known)
    _check_regions(parsed, known, lookup, problems)
    _check_organizations(parsed, known, lookup, problems)
    _check_communities(parsed, lookup, problems)
    _check_users(parsed, lookup, problems)
    _check_terms(parsed, known, lookup, problems)


def is_set(item: Item, name: str) -> bool:
    return item.get(name) is not None


def _check_regions(parsed: Parsed, known: Known, lookup: Lookup, problems: Problems) -> None:
    for region in parsed.regions:
        code_, kind = region.get("code"), region.get("kind")
        if kind is None:
            continue
        before = known.region_kinds.get(code_)
        if before is not None and before != kind:
            problems.add(
                region.at("kind"), f"{code_} is already a {before}; a region's kind cannot change"
            )
            continue
        if "parent" in region.refused:
            continue
        parent_kind = PARENT_KIND[kind]
        parent = region.get("parent")
        if parent_kind is None:
            if parent is not None:
                problems.add(region.at("parent"), f"a {kind} has no parent")
            continue
        if parent is None:
            problems.add(region.at("parent"), f"required for a {kind}")
            continue
        found = lookup.region_kind(parent)
        if found is None:
            problems.add(region.at("parent"), f"unknown region {parent}")
        elif found not in (parent_kind, KNOWN_KIND):
            problems.add(region.at("parent"), f"{parent} is a {found}, not a {parent_kind}")


def _check_organizations(
    parsed: Parsed, known: Known, lookup: Lookup, problems: Problems
) -> None:
    # The database's committees, except those the bundle itself redefines.
    committees = {
        community: org for community, org in known.committees.items()
        if org not in parsed.org_index
    }
    for org in parsed.organizations:
        code_, kind = org.get("code"), org.get("kind")
        region = org.get("region")
        if region is not None and lookup.region_kind(region) is None:
            problems.add(org.at("region"), f"unknown region {region}")
        if kind is None:
            continue
        before = known.org_kinds.get(code_)
        if before is not None and before != kind:
            problems.add(
                org.at("kind"),
                f"{code_} is already {_article(before)} {before}; "
                "an organization's kind cannot change",
            )
        if "community" in org.refused:
            continue
        community = org.get("community")
        if kind not in COMMUNITY_BOUND_KINDS:
            if community is not None:
                problems.add(
                    org.at("community"),
                    f"only {_kinds(COMMUNITY_BOUND_KINDS)} organizations name a community",
                )
            continue
        if community is None:
            problems.add(org.at("community"), f"required for {_article(kind)} {kind} organization")
        elif not lookup.has_community(community):
            problems.add(org.at("community"), f"unknown community {community}")
        elif kind == OrgKind.owners_committee:
            holder = committees.setdefault(community, code_)
            if holder != code_:
                # docs/domain.md#committees: one owners' committee per community.
                problems.add(
                    org.at("community"), f"{community} already has an owners' committee ({holder})"
                )


def check_org_kind(
    item: Item, name: str, lookup: Lookup, allowed, what: str, problems: Problems
) -> None:
    org = item.get(name)
    kind = lookup.org_kind(org)
    if kind is None:
        problems.add(item.at(name), f"unknown organization {org}")
    elif kind != KNOWN_KIND and kind not in allowed:
        kinds = _kinds(allowed)
        problems.add(
            item.at(name),
            f"{org} is {_article(kind)} {kind}; {what} {_article(kinds)} {kinds} organization",
        )


def _check_person(item: Item, name: str, lookup: Lookup, problems: Problems) -> None:
    person = item.get(name)
    if person is not None and not lookup.has_person(person):
        problems.add(item.at(name), f"unknown person {person}")


def _check_communities(parsed: Parsed, lookup: Lookup, problems: Problems) -> None:
    for community in parsed.communities:
        street = community.get("street")
        if street is not None:
            kind = lookup.region_kind(street)
            if kind is None:
                problems.add(community.at("street"), f"unknown region {street}")
            elif kind not in ("street", KNOWN_KIND):
                problems.add(community.at("street"), f"{street} is a {kind}, not a street")
        if is_set(community, "community_office"):
            check_org_kind(
                community, "community_office", lookup, {"community_office"}, "it must be",
                problems,
            )
    bundle_people, known_people = parsed.person_index, lookup.known.people
    for _community, _building, _unit, household in parsed.households():
        owner = household.values.get("owner")
        if owner not in bundle_people and owner not in known_people:  # else known: no problem
            _check_person(household, "owner", lookup, problems)
        for position, person in enumerate(household.values.get("residents") or ()):
            path = f"{household.at('residents')}[{position}]"
            if not lookup.has_person(person):
                problems.add(path, f"unknown person {person}")
            elif person == owner:
                problems.add(path, f"{person} is the owner; residents live there without owning it")


def _check_users(parsed: Parsed, lookup: Lookup, problems: Problems) -> None:
    for user in parsed.users:
        role = user.get("role")
        _check_person(user, "person", lookup, problems)
        if role is None:
            continue
        if (role in (Role.resident, Role.building_leader) and not is_set(user, "person")
                and "person" not in user.refused):
            problems.add(user.at("person"), f"required for {_article(role)} {role}")
        if "org" in user.refused:
            continue
        kinds = ROLE_ORG_KINDS[Role(role)]
        if kinds is None:
            if is_set(user, "org"):
                problems.add(user.at("org"), f"{_article(role)} {role} has no organization")
        elif not is_set(user, "org"):
            problems.add(user.at("org"), f"required for {_article(role)} {role}")
        else:
            check_org_kind(
                user, "org", lookup, kinds, f"{_article(role)} {role} belongs to", problems
            )


@dataclass
class _Span:
    start: date
    end: date | None
    path: str | None  # None for a term already in the database

    def describe(self, community: str) -> str:
        days = term_rules.describe_span(self.start, self.end)
        if self.path is None:
            return f"the existing term of {community} ({days})"
        return f"{self.path} ({days})"


def _check_terms(parsed: Parsed, known: Known, lookup: Lookup, problems: Problems) -> None:
    starts = {(term.get("community"), term.get("start")) for term in parsed.management_terms}
    # Per community, the terms that the ones checked next must not overlap. A term
    # of the database that the bundle names again (same start) is being updated,
    # so only its new version counts.
    spans: dict[str, list[_Span]] = {
        community: [
            _Span(start, end, None) for start, end in existing if (community, start) not in starts
        ]
        for community, existing in known.terms.items()
    }
    for term in parsed.management_terms:
        community = term.get("community")
        if community is not None and not lookup.has_community(community):
            problems.add(term.at("community"), f"unknown community {community}")
            community = None
        _check_term_org(term, community, lookup, problems)
        start, end = term.get("start"), term.get("end")
        if community is None or start is None or "end" in term.refused:
            continue
        if end is None:  # a term ended in pmsys keeps its end (see writer.terms)
            end = known.ended_terms.get((community, start))
        earlier = spans.setdefault(community, [])
        twin = next((span for span in earlier if span.path and span.start == start), None)
        if twin is not None:
            problems.add(term.at("start"), f"duplicate: {twin.path} also starts on {start}")
            continue
        for span in earlier:
            if term_rules.overlaps(start, end, span.start, span.end):
                problems.add(term.path, f"overlaps {span.describe(community)}")
        earlier.append(_Span(start, end, term.path))


def _check_term_org(term: Item, community: str | None, lookup: Lookup, problems) -> None:
    mode, org = term.get("mode"), term.get("org")
    if mode is None or org is None:
        return
    allowed = term_rules.MODE_ORG_KINDS[mode]
    check_org_kind(term, "org", lookup, allowed, f"{_article(mode)} {mode} term needs", problems)
    # A committee or self-management group manages its own community only.
    home = lookup.org_community(org)
    if (
        community is not None
        and lookup.org_kind(org) in COMMUNITY_BOUND_KINDS
        and home is not None
        and home != community
    ):
        problems.add(term.at("org"), f"{org} belongs to community {home}, not {community}")
