"""Reading a region bundle (docs/api.md#import): its shape and values, before any reference.

Nothing here touches the database. `parse_bundle` checks every value against
an allow-list of fields (pmsys/imports/sections.py), refuses unknown and
later-version keys, flags codes repeated within their parent and checks each
new password against the policy.
references.py then checks what the values point at. Every problem is
collected with its JSON path, so one run lists them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import force_locale

from pmsys.auth.passwords import password_problem
from pmsys.errors import InvalidInput
from pmsys.evaluation.scoring import sheet_from, tiers_from
from pmsys.fund import ledger
from pmsys.governance.committees import rules_from
from pmsys.imports.fields import INVALID, Item, Problems, mark_duplicates, read_list, read_object
from pmsys.imports.sections import HEATING_SEASON, SECTION_SPECS
from pmsys.imports.values import decimal, integer
from pmsys.tickets import sla
from pmsys.tickets.services.callbacks import check_percent

VERSION = 1
SECTIONS = (
    "settings", "regions", "organizations", "people", "communities", "users", "projects",
    "assets", "handovers", "management_terms", "fee_standards", "fund_entries",
    "building_leaders",
)
ORDER = ("bundle", "version", *SECTIONS)


@dataclass
class Parsed:
    """A bundle's accepted content, each object with its path."""

    settings: dict[str, object] = field(default_factory=dict)
    regions: list[Item] = field(default_factory=list)
    organizations: list[Item] = field(default_factory=list)
    people: list[Item] = field(default_factory=list)
    communities: list[Item] = field(default_factory=list)
    users: list[Item] = field(default_factory=list)
    projects: list[Item] = field(default_factory=list)
    assets: list[Item] = field(default_factory=list)
    handovers: list[Item] = field(default_factory=list)
    management_terms: list[Item] = field(default_factory=list)
    fee_standards: list[Item] = field(default_factory=list)
    fund_entries: list[Item] = field(default_factory=list)
    building_leaders: list[Item] = field(default_factory=list)
    # The first object of each code (or username) in the bundle.
    region_index: dict[str, Item] = field(default_factory=dict)
    org_index: dict[str, Item] = field(default_factory=dict)
    person_index: dict[str, Item] = field(default_factory=dict)
    community_index: dict[str, Item] = field(default_factory=dict)
    project_index: dict[str, Item] = field(default_factory=dict)
    asset_index: dict[str, Item] = field(default_factory=dict)

    def households(self):
        """Yield (community, building, unit, household) for every household of the bundle."""
        for community in self.communities:
            for building in community.get("buildings") or []:
                for unit in building.get("units") or []:
                    for household in unit.get("households") or []:
                        yield community, building, unit, household


def parse_bundle(bundle: object) -> tuple[Parsed | None, Problems]:
    """Check the bundle's shape and values; Parsed is None when it cannot be read at all."""
    problems = Problems()
    if not isinstance(bundle, dict):
        problems.add("bundle", "must be a JSON object")
        return None, problems
    version = bundle.get("version")
    if "version" not in bundle:
        problems.add("version", "required")
    elif isinstance(version, bool) or version != VERSION:
        problems.add("version", f"must be {VERSION}")
    if problems:
        return None, problems  # another version's keys cannot be read with these rules

    parsed = Parsed()
    for key, value in bundle.items():
        if key == "version":
            continue
        if key == "settings":
            parsed.settings = _read_settings(value, problems)
        elif key in SECTION_SPECS:
            setattr(parsed, key, read_list(value, key, SECTION_SPECS[key], problems))
        else:
            problems.add(key, "unknown key")

    parsed.region_index = mark_duplicates(parsed.regions, "code", problems)
    parsed.org_index = mark_duplicates(parsed.organizations, "code", problems)
    parsed.person_index = mark_duplicates(parsed.people, "code", problems)
    parsed.community_index = mark_duplicates(parsed.communities, "code", problems)
    for community in parsed.communities:
        buildings = community.get("buildings") or []
        mark_duplicates(buildings, "code", problems)
        for building in buildings:
            units = building.get("units") or []
            mark_duplicates(units, "code", problems)
            for unit in units:
                mark_duplicates(unit.get("households") or [], "code", problems)
    mark_duplicates(parsed.users, "username", problems)
    for user in parsed.users:
        _check_password(user, problems)
    for term in parsed.management_terms:
        start, end = term.get("start"), term.get("end")
        if start is not None and end is not None and end < start:
            problems.add(term.at("end"), "before start")
            term.refuse("end")
    _check_register(parsed, problems)
    _check_fee_standards(parsed, problems)
    _check_fund_entries(parsed, problems)
    for leader in parsed.building_leaders:
        _not_empty(leader, "buildings", problems)
    return parsed, problems


def _check_fund_entries(parsed: Parsed, problems: Problems) -> None:
    """Refuse spends, and an entry the ledger's rules refuse whatever the database holds."""
    seen: dict[tuple[object, object], Item] = {}
    for entry in parsed.fund_entries:
        kind = entry.get("kind")
        if kind == "spend":
            problems.add(entry.at("kind"), "a spend is not imported: it needs a passed vote "
                                           "and two signatures in pmsys")
            entry.refuse("kind")
            continue
        key = (entry.get("community"), entry.get("ref"))
        if None not in key:
            if key in seen:
                problems.add(entry.at("ref"), f"duplicate: {seen[key].path} has this ref")
                entry.refuse("ref")
            else:
                seen[key] = entry
        if kind is None or entry.get("amount") is None:
            continue
        try:
            ledger.entry_body(kind=kind, amount=entry.get("amount"), note=entry.get("note", ""),
                              household_named=entry.get("household") is not None,
                              vote_named=False)
        except InvalidInput as refused:
            name = next(iter(refused.fields or {}), "amount")
            problems.add(entry.at(name), refused.message)
            entry.refuse(name)


def _check_fee_standards(parsed: Parsed, problems: Problems) -> None:
    """Flag two standards of one community starting on the same day."""
    seen: dict[tuple[object, object], list[Item]] = {}
    for standard in parsed.fee_standards:
        community, start = standard.get("community"), standard.get("start")
        if community is not None and start is not None:
            seen.setdefault((community, start), []).append(standard)
    for group in seen.values():
        if len(group) > 1:
            for standard in group:
                others = ", ".join(other.path for other in group if other is not standard)
                problems.add(standard.at("start"), f"duplicate: {others} also starts then")
                standard.refuse("start")


def _not_empty(item: Item, name: str, problems: Problems) -> None:
    if item.get(name) == []:
        problems.add(item.at(name), "must not be empty")
        item.refuse(name)
        del item.values[name]


def _check_register(parsed: Parsed, problems: Problems) -> None:
    """Check projects, assets and hand-overs for what their own values must satisfy."""
    parsed.project_index = mark_duplicates(parsed.projects, "code", problems)
    parsed.asset_index = mark_duplicates(parsed.assets, "code", problems)
    mark_duplicates(parsed.handovers, "code", problems)
    for project in parsed.projects:
        _not_empty(project, "communities", problems)
    for asset in parsed.assets:
        if asset.get("unit") is not None and asset.get("building") is None:
            if "building" not in asset.refused:
                problems.add(asset.at("unit"), "needs a building")
            asset.refuse("unit")
            del asset.values["unit"]
    for handover in parsed.handovers:
        _not_empty(handover, "assets", problems)
        giver, receiver = handover.get("from"), handover.get("to")
        if giver is not None and giver == receiver:
            problems.add(handover.at("to"), "the receiver must differ from the transferor")
            handover.refuse("to")
            del handover.values["to"]


def _read_settings(value: object, problems: Problems) -> dict[str, object]:
    if not isinstance(value, dict):
        problems.add("settings", "must be an object")
        return {}
    settings: dict[str, object] = {}
    for key, raw in value.items():
        path = f"settings.{key}"
        if key == "heating_season":
            item = read_object(raw, path, HEATING_SEASON, problems)
            if item is not None and not item.refused:
                settings[key] = {"start": item.values["start"], "end": item.values["end"]}
        elif key == "handover_overdue_days":
            days = integer(0)(raw, path, problems)
            if days is not INVALID:
                settings[key] = days
        elif key == "acceptance_min_satisfaction":
            ratio = decimal(
                4, minimum=Decimal(0), maximum=Decimal(1), example="0.90"
            )(raw, path, problems)
            if ratio is not INVALID:
                settings[key] = str(ratio)
        elif key == "ticket_deadlines":
            try:
                sla.validate_policy(raw)
            except sla.PolicyError as refused:
                problems.add(path, str(refused))
            else:
                settings[key] = raw
        elif key == "committee_rules":
            try:
                if raw is None:  # rules_from reads None as "no setting": the defaults
                    raise ValueError("committee_rules must be an object")
                rules_from(raw)
            except ValueError as refused:
                problems.add(path, str(refused))
            else:
                settings[key] = raw
        elif key == "ticket_auto_close_hours":
            hours = integer(1)(raw, path, problems)
            if hours is not INVALID:
                settings[key] = hours
        elif key in ("evaluation_sheet", "evaluation_tiers"):
            try:
                if raw is None:  # None reads as "no setting": the defaults
                    raise ValueError("must be set, or left out for the defaults")
                (sheet_from if key == "evaluation_sheet" else tiers_from)(raw)
            except ValueError as refused:
                problems.add(path, str(refused))
            else:
                settings[key] = raw
        elif key == "callback_sample_percent":
            try:
                settings[key] = check_percent(raw)
            except ValueError as refused:
                problems.add(path, str(refused))
        else:
            problems.add(path, "unknown setting")
    return settings


def _check_password(user: Item, problems: Problems) -> None:
    password, username = user.get("password"), user.get("username")
    if password is None:
        return
    # Bundle errors are reported in English, like the rest of the API's messages.
    with force_locale("en"):
        problem = password_problem(password, username or "")
        if problem:
            problems.add(user.at("password"), str(problem))
            user.refuse("password")
