"""Reading a region bundle (docs/api.md#import): its shape and values, before any reference.

Nothing here touches the database. `parse_bundle` checks every value against
an allow-list of fields, refuses unknown and later-version keys, flags codes
repeated within their parent and checks each new password against the policy.
references.py then checks what the values point at. Every problem is
collected with its JSON path, so one run lists them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import force_locale

from pmsys.auth.passwords import password_problem
from pmsys.categories import CODES as CATEGORY_CODES
from pmsys.governance.committees import rules_from
from pmsys.imports.fields import (
    INVALID,
    Field,
    Item,
    Problems,
    Refusal,
    boolean,
    checker,
    code,
    code_list,
    day,
    decimal,
    free_text,
    integer,
    mark_duplicates,
    month_day,
    objects,
    one_of,
    read_list,
    read_object,
    text,
)
from pmsys.models.assets import ITEM_KINDS, ItemClass
from pmsys.models.auth import OrgKind, Role
from pmsys.models.governance import ManagementMode
from pmsys.models.places import RegionKind
from pmsys.tickets import sla

VERSION = 1
SECTIONS = (
    "settings", "regions", "organizations", "people", "communities", "users", "projects",
    "assets", "handovers", "management_terms", "fee_standards",
)
ORDER = ("bundle", "version", *SECTIONS)

AREA_MAX = Decimal("99999999.99")  # what Numeric(10, 2) holds
PRICE_MAX = Decimal("999999")  # what the fee services accept per m² and month
MONEY_MAX = Decimal("99999999.99")  # what Numeric(12, 2) holds


_CODE_32 = code(32).judge
_TEXT_64 = text(64).judge


def _category_judge(value):
    checked = _CODE_32(value)
    if type(checked) is not Refusal and checked not in CATEGORY_CODES:
        return Refusal(f"unknown category {checked}")
    return checked


def _username_judge(value):
    checked = _TEXT_64(value)
    if type(checked) is not Refusal and any(character.isspace() for character in checked):
        return Refusal("must not contain spaces")
    return checked


def _password_judge(value):
    if not isinstance(value, str):
        return Refusal("must be a string")
    return value


_category = checker(_category_judge)
_username = checker(_username_judge)
_password = checker(_password_judge)


def _values(enum_class) -> list[str]:
    return [member.value for member in enum_class]


REGION = {
    "code": Field(code(), required=True),
    "name": Field(text(200), required=True),
    "name_en": Field(text(200)),
    "kind": Field(one_of(_values(RegionKind)), required=True),
    "parent": Field(code()),
}
ORGANIZATION = {
    "code": Field(code(), required=True),
    "name": Field(text(200), required=True),
    "kind": Field(one_of(_values(OrgKind)), required=True),
    "region": Field(code()),
    "community": Field(code()),
    "categories": Field(code_list(_category), nullable=False),
    "duty": Field(free_text(2000), nullable=False),
    "phone": Field(text(40)),
}
PERSON = {
    "code": Field(code(), required=True),
    "name": Field(text(200), required=True),
    "phone": Field(text(20)),
    # A developer (开发建设单位): the households it owns are its unsold parts.
    "developer": Field(boolean, nullable=False),
}
HOUSEHOLD = {
    "code": Field(code(), required=True),
    "area": Field(decimal(2, above=Decimal(0), maximum=AREA_MAX), required=True),
    "owner": Field(code(), required=True),
    "residents": Field(code_list(), nullable=False),
}
UNIT = {
    "code": Field(code(), required=True),
    "households": Field(objects(HOUSEHOLD), nullable=False),
}
BUILDING = {
    "code": Field(code(), required=True),
    "name": Field(text(200)),
    "floors": Field(integer(1, 200)),
    "units": Field(objects(UNIT), nullable=False),
}
COMMUNITY = {
    "code": Field(code(), required=True),
    "name": Field(text(200), required=True),
    "street": Field(code(), required=True),
    "built_year": Field(integer(1900, 2100)),
    "address": Field(text(300)),
    "community_office": Field(code()),
    "buildings": Field(objects(BUILDING), nullable=False),
}
USER = {
    "username": Field(_username, required=True),
    "password": Field(_password, required=True),
    "role": Field(one_of(_values(Role)), required=True),
    "org": Field(code()),
    "person": Field(code()),
    "active": Field(boolean, nullable=False),
}
TERM = {
    "community": Field(code(), required=True),
    "mode": Field(one_of(_values(ManagementMode)), required=True),
    "org": Field(code(), required=True),
    "start": Field(day, required=True),
    "end": Field(day),
    "basis": Field(free_text(300), nullable=False),
}
PROJECT_ITEM = {
    "kind": Field(one_of(ITEM_KINDS), required=True),
    "class": Field(one_of(_values(ItemClass)), required=True),
    "community": Field(code()),
    "contractor": Field(code()),
    "description": Field(free_text(2000), nullable=False),
}
PROJECT = {
    "code": Field(code(), required=True),
    "name": Field(text(200), nullable=False),
    "year": Field(integer(1990, 2100), required=True),
    "contractor": Field(code()),
    "communities": Field(code_list(), required=True),
    "completed_on": Field(day),
    "accepted_on": Field(day),
    "satisfaction_rate": Field(
        decimal(4, minimum=Decimal(0), maximum=Decimal(1), example="0.9370")
    ),
    "items": Field(objects(PROJECT_ITEM), nullable=False),
}
ASSET = {
    "code": Field(code(), required=True),
    "name": Field(text(200), nullable=False),
    "category": Field(_category, required=True),
    "community": Field(code(), required=True),
    "building": Field(code()),
    "unit": Field(code()),
    "project": Field(code()),
    "warranty_contractor": Field(code()),
    # The contract's date; null (or absent on a new asset) leaves only the statutory end.
    "warranty_until": Field(day),
}
HANDOVER = {
    "code": Field(code(), required=True),
    "from": Field(code(), required=True),
    "to": Field(code(), required=True),
    "assets": Field(code_list(), required=True),
    "effective_on": Field(day, required=True),
}
FEE_STANDARD = {
    "community": Field(code(), required=True),
    "price_per_m2_month": Field(
        decimal(4, minimum=Decimal(0), maximum=PRICE_MAX, example="0.50"), required=True
    ),
    "fixed_per_household": Field(
        decimal(2, minimum=Decimal(0), maximum=MONEY_MAX, example="0.00"), nullable=False
    ),
    "start": Field(day, required=True),
}
HEATING_SEASON = {
    "start": Field(month_day, required=True),
    "end": Field(month_day, required=True),
}
SECTION_SPECS = {
    "regions": REGION,
    "organizations": ORGANIZATION,
    "people": PERSON,
    "communities": COMMUNITY,
    "users": USER,
    "projects": PROJECT,
    "assets": ASSET,
    "handovers": HANDOVER,
    "management_terms": TERM,
    "fee_standards": FEE_STANDARD,
}


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
    return parsed, problems


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
