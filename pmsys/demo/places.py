"""The demo region: Salaqi Town, Tumed Right Banner, from the 2021 renovation plan.

The plan (pmsys/data/tumed_right_2021.json) gives the communities, the organisations
and the totals; household-level detail is not public, so it is generated here with
a fixed seed, such that the totals hold exactly and every call returns the same
bundle (importing it twice changes nothing). What the plan does not say — the
shape of each community, the managers, the 2021 project's items and assets and
which of them were handed over — is invented in pmsys/data/demo_region.json.

A bundle records hand-overs as already effective (the project and its assets are in
pmsys/demo/register.py); `build_workflow_examples` (pmsys/demo/handovers.py) then drafts,
submits, returns, inspects and signs the others through the hand-over services, as the demo
users, so every state of docs/domain.md#handovers is shown.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources

from pmsys.demo.register import (
    demo_assets,
    demo_project,
    handed_over_codes,
    parking_handovers,
    parking_spaces,
)

SEED = 2021
CENT = Decimal("0.01")

# One memorable password for every demo login; it contains none of the usernames,
# which the password policy forbids.
DEMO_PASSWORD = "Salaqi-2021"

# (username, role, organisation code or None, what the login is for)
_STAFF_LOGINS: tuple[tuple[str, str, str | None, str], ...] = (
    ("admin", "sysadmin", None, "sysadmin"),
    ("bureau", "bureau_admin", "TYQ-HB", "bureau_admin — 旗住建局 (transferor of hand-overs)"),
    ("street", "street_officer", "SLQ-GOV", "street_officer — 萨拉齐镇人民政府"),
    ("shequ", "street_officer", "SLQ-DC", "street_officer — 东城社区居委会"),
    ("manager", "manager", "PM-XT", "manager — 鑫泰物业 (地矿华庭西区, 大众苑小区, 人行家属楼)"),
    ("selfmgr", "manager", "SM-DTCJSL", "manager — 地毯厂家属楼自管会 (self mode)"),
    ("committee", "committee_member", "OC-DKHTXQ", "committee_member — 地矿华庭西区业主委员会"),
    ("water", "operator", "TYQ-WATER", "operator — 旗水投公司 (water, drainage)"),
    ("gas", "operator", "TYQ-GAS", "operator — 华亿能源公司 (gas)"),
    ("heat", "operator", "TYQ-HEAT", "operator — 旗祥隆热力公司 (heating)"),
    ("power", "operator", "TYQ-POWER", "operator — 土右旗供电分局 (power)"),
    ("unicom", "operator", "TYQ-CU", "operator — 中国联通土右分公司 (telecom)"),
    ("parking", "operator", "PK-DKHTXQ", "operator — 地矿华庭西区停车管理委员会 (parking spaces)"),
)
# (username, community code whose first household the login's person owns, description)
_RESIDENT_LOGINS: tuple[tuple[str, str, str], ...] = (
    ("resident", "DKHTXQ", "resident — owner in 地矿华庭西区 (professional manager)"),
    ("resident2", "TJJSL", "resident — owner in 统建家属楼 (self-managed)"),
    ("resident3", "YXJSL", "resident — owner in 一校家属楼 (no owners' committee yet)"),
)

DEMO_LOGINS: list[tuple[str, str, str]] = [
    (username, DEMO_PASSWORD, description) for username, _, _, description in _STAFF_LOGINS
] + [(username, DEMO_PASSWORD, description) for username, _, description in _RESIDENT_LOGINS]

# The housing bureau hands the renovated assets over (docs/domain.md#handovers).
TRANSFEROR = "TYQ-HB"
_SECOND_HOMES = 14  # people who own two households
_TENANTS = 20  # households with a tenant living in them


def _read(name: str) -> dict:
    return json.loads(resources.files("pmsys").joinpath(f"data/{name}").read_text("utf-8"))


def load_facts() -> dict:
    """Return the 2021 renovation plan's facts shipped with the package."""
    return _read("tumed_right_2021.json")


def load_invented() -> dict:
    """Return the demo region's invented detail shipped with the package."""
    return _read("demo_region.json")


@dataclass
class _Building:
    community: str
    code: str
    floors: int
    units: int
    omitted: set[tuple[int, str]] = field(default_factory=set)  # (unit, household code)
    layout: tuple[Decimal, Decimal] = (Decimal(0), Decimal(0))  # area of positions 01, 02
    remainder: Decimal = Decimal(0)  # added to the building's first flat

    @property
    def places(self) -> int:
        return self.floors * self.units * 2

    def area(self, position: int, first: bool) -> Decimal:
        return self.layout[position - 1] + (self.remainder if first else 0)

    def households(self) -> list[tuple[int, str, int]]:
        """Return (unit, code, position) of every household, floor by floor."""
        return [
            (unit, f"{floor}{position:02d}", position)
            for unit in range(1, self.units + 1)
            for floor in range(1, self.floors + 1)
            for position in (1, 2)
            if (unit, f"{floor}{position:02d}") not in self.omitted
        ]


def _shape_to(rng: random.Random, buildings: list[_Building], target: int) -> None:
    """Add or remove floors until the places exceed `target` by 3–9, then omit the excess.

    The omitted places are ground-floor flats turned into shops or storage, one per
    building. A floor holds 4 or 6 places, so the 7-wide window is always hit.
    """
    def excess() -> int:
        return sum(b.places for b in buildings) - target

    while excess() < 3:
        rng.choice([b for b in buildings if b.floors < 6]).floors += 1
    while excess() > 9:
        rng.choice([b for b in buildings if b.floors > 3]).floors -= 1
    for building in rng.sample(buildings, excess()):
        building.omitted.add((rng.randint(1, building.units), f"1{rng.randint(1, 2):02d}"))


def _set_areas(
    rng: random.Random, buildings: list[_Building], total: Decimal, low: int, high: int
) -> None:
    """Give each building a layout drawn from [low, high] m², scaled to sum to `total`.

    Flats stacked above one another share a layout, as in most old dormitory blocks;
    the rounding remainder (a few hundredths of a m²) goes to one flat.
    """
    for building in buildings:
        first = rng.randint(low * 100, high * 100)
        second = min(max(first + rng.randint(-1500, 1500), low * 100), high * 100)
        building.layout = (Decimal(first) / 100, Decimal(second) / 100)

    def laid_out() -> Decimal:
        return sum(
            (b.layout[position - 1] for b in buildings for _, _, position in b.households()),
            Decimal(0),
        )

    raw = laid_out()
    for building in buildings:
        first, second = ((area * total / raw).quantize(CENT) for area in building.layout)
        building.layout = (first, second)
    buildings[0].remainder = total - laid_out()


def _plan_buildings(rng: random.Random, facts: dict, invented: dict) -> list[_Building]:
    """Return every building with its shape and layouts, meeting the plan's totals exactly."""
    plan = facts["renovation_2021"]
    retrofit = plan["energy_saving_retrofit"]
    shapes, communities = invented["retrofit_shapes"], invented["communities"]
    # The energy-saving retrofit's one building per community: its 68 places less
    # one ground-floor shop each give the plan's 65 households.
    retrofit_buildings = [
        _Building(communities[name]["code"], "1", shapes[name]["floors"], shapes[name]["units"])
        for name in retrofit["communities"]
    ]
    _shape_to(rng, retrofit_buildings, retrofit["households"])
    others: list[_Building] = []
    for name in facts["communities"]:
        if name in shapes:
            continue
        community = communities[name]
        first = community.get("first_building", 1)
        for number in range(community["buildings"]):
            floors = rng.choice((3, 4, 5, 5, 6, 6))
            units = rng.choice((2, 2, 3))
            others.append(_Building(community["code"], str(first + number), floors, units))
    _shape_to(rng, others, plan["households_total"] - retrofit["households"])
    retrofit_area = Decimal(retrofit["area_m2"])
    _set_areas(rng, retrofit_buildings, retrofit_area, 112, 142)
    _set_areas(rng, others, Decimal(plan["area_m2_total"]) - retrofit_area, 56, 124)
    return retrofit_buildings + others


class _People:
    """Invents people with plausible names and distinct mobile numbers."""

    def __init__(self, rng: random.Random, names: dict) -> None:
        self.rng, self.names = rng, names
        self.records: list[dict] = []
        self.phones: set[str] = set()

    def new(self) -> str:
        rng, names = self.rng, self.names
        # Mongolian given names are used alone, as is common in Inner Mongolia.
        if rng.random() < 0.05:
            name = rng.choice(names["mongolian"])
        else:
            given = rng.choice(names["given"])
            given += rng.choice(names["given"]) if rng.random() < 0.6 else ""
            name = rng.choice(names["surnames"]) + given
        phone = ""
        while not phone or phone in self.phones:
            phone = rng.choice(names["mobile_prefixes"]) + f"{rng.randrange(10**8):08d}"
        self.phones.add(phone)
        code = f"P{len(self.records) + 1:05d}"
        self.records.append({"code": code, "name": name, "phone": phone})
        return code


def _households(
    rng: random.Random, buildings: list[_Building], names: dict
) -> tuple[list[dict], dict[tuple[str, str, int], list[dict]]]:
    """Return the people and each unit's households, keyed by (community, building, unit).

    A few people own a second flat, half of them in the same community; a few flats
    have a tenant living in them.
    """
    people = _People(rng, names)
    flats = [
        (building, unit, code, building.area(position, first=index == 0))
        for building in buildings
        for index, (unit, code, position) in enumerate(building.households())
    ]
    second_homes = set(rng.sample(range(1, len(flats)), _SECOND_HOMES))
    tenanted = sorted(rng.sample(range(len(flats)), _TENANTS))
    sole_owners: list[tuple[str, str]] = []  # (community, person) owning one flat so far
    owners: list[str] = []
    for index, (building, *_) in enumerate(flats):
        if index in second_homes:
            nearby = [i for i, (c, _) in enumerate(sole_owners) if c == building.community]
            pick = rng.choice(nearby) if nearby and index % 2 else rng.randrange(len(sole_owners))
            owners.append(sole_owners.pop(pick)[1])
        else:
            owners.append(people.new())
            sole_owners.append((building.community, owners[-1]))
    tenants = {index: people.new() for index in tenanted}
    units: dict[tuple[str, str, int], list[dict]] = {}
    for index, (building, unit, code, area) in enumerate(flats):
        household: dict = {"code": code, "area": str(area), "owner": owners[index]}
        if index in tenants:
            household["residents"] = [tenants[index]]
        units.setdefault((building.community, building.code, unit), []).append(household)
    return people.records, units


def _organizations(facts: dict, invented: dict) -> list[dict]:
    """Return the plan's organisations with their duties, then the invented ones.

    Each has its invented contact phone where one is given (residents call their
    manager, so every manager has one).
    """
    phones = invented.get("organization_phones", {})
    organizations = []
    invented_orgs = invented["invented_organizations"] + invented["parking"]["committees"]
    for org in facts["organizations"] + invented_orgs:
        region = org.get("region") or org["code"].split("-")[0]
        record = {"code": org["code"], "name": org["name"], "kind": org["kind"],
                  "region": region if region in ("BT", "TYQ", "SLQ") else "TYQ"}
        record.update({name: org[name] for name in ("community", "duty", "categories")
                       if org.get(name)})
        if org["code"] in phones:
            record["phone"] = phones[org["code"]]
        organizations.append(record)
    return organizations


# The three coverages' gaps (docs/domain.md#three-coverages): these communities have no Party
# organisation recorded yet; the larger others a Party branch (党支部), the single-building
# ones a Party-building liaison point (党建联络点) of their community office.
_WITHOUT_PARTY = frozenset({"GAJJSL", "HHECJSL", "YXJSL", "WBZJSL"})


def _party_organizations(communities: list[dict]) -> list[dict]:
    """One Party organisation bound to each community but those in `_WITHOUT_PARTY`."""
    return [
        {"code": f"DZ-{c['code']}", "kind": "party_organization", "region": c["street"],
         "community": c["code"],
         "name": c["name"] + ("党支部" if len(c["buildings"]) > 1 else "党建联络点")}
        for c in communities if c["code"] not in _WITHOUT_PARTY
    ]


def _region(fact: dict, kind: str, parent: str | None) -> dict:
    region = {"code": fact["code"], "name": fact["name"], "name_en": fact["name_en"], "kind": kind}
    if parent:
        region["parent"] = parent
    return region


def build_bundle() -> dict:
    """Return the demo region as a region bundle (docs/api.md#import); the same every call."""
    facts, invented = load_facts(), load_invented()
    rng = random.Random(SEED)
    buildings = _plan_buildings(rng, facts, invented)
    people, units = _households(rng, buildings, invented["names"])

    by_community: dict[str, list[_Building]] = {}
    for building in buildings:
        by_community.setdefault(building.community, []).append(building)
    communities = []
    for name in facts["communities"]:
        plan = invented["communities"][name]
        communities.append({
            "code": plan["code"],
            "name": name,
            "street": facts["street"]["code"],
            "built_year": plan["built_year"],
            "community_office": plan["office"],
            "buildings": [
                {
                    "code": building.code,
                    "name": f"{building.code}号楼",
                    "floors": building.floors,
                    "units": [
                        {"code": str(unit),
                         "households": units[(plan["code"], building.code, unit)]}
                        for unit in range(1, building.units + 1)
                    ],
                }
                for building in sorted(by_community[plan["code"]], key=lambda b: int(b.code))
            ],
        })

    users: list[dict] = []
    for username, role, org, _ in _STAFF_LOGINS:
        user = {"username": username, "password": DEMO_PASSWORD, "role": role}
        if org:
            user["org"] = org
        users.append(user)
    for username, community, _ in _RESIDENT_LOGINS:
        first_unit = min(key for key in units if key[0] == community)
        owner = units[first_unit][0]["owner"]
        users.append(
            {"username": username, "password": DEMO_PASSWORD, "role": "resident", "person": owner}
        )

    basis = invented["term_basis"]
    terms = [
        {"community": community, "mode": term["mode"], "org": term["org"],
         "start": term["start"], "end": term["end"], "basis": basis[term["basis"]]}
        for community, community_terms in invented["terms"].items()
        for term in community_terms
    ]
    names = {c["code"]: c["name"] for c in communities}
    return {
        "version": 1,
        "settings": {
            "heating_season": {"start": "10-15", "end": "04-15"},
            "handover_overdue_days": 90,
            "acceptance_min_satisfaction": "0.90",
        },
        "regions": [
            _region(facts["city"], "city", None),
            _region(facts["district"], "district", facts["city"]["code"]),
            _region(facts["street"], "street", facts["district"]["code"]),
        ],
        "organizations": _organizations(facts, invented) + _party_organizations(communities),
        "people": people,
        "communities": communities,
        "users": users,
        "projects": [demo_project(invented, names)],
        "assets": demo_assets(invented, names) + parking_spaces(invented),
        "handovers": [
            {"code": plan["code"], "from": TRANSFEROR, "to": plan["to"],
             "assets": handed_over_codes(plan), "effective_on": plan["effective_on"]}
            for plan in invented["handovers"]
        ] + parking_handovers(invented, TRANSFEROR),
        "management_terms": terms,
    }
