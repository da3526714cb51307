"""A bundle with any problem writes nothing and lists every problem by its JSON path."""

import copy

import pytest

from pmsys.imports.services import BundleInvalid, import_bundle
from pmsys.models.assets import ITEM_KINDS
from pmsys.models.auth import OrgKind, Role
from pmsys.models.governance import ManagementMode
from tests.services.import_bundles import row_counts, small_bundle, snapshot

DELETE = object()

HOUSEHOLDS = "communities.0.buildings.0.units.0.households"
H0 = "communities[0].buildings[0].units[0].households[0]"
ORG_KINDS = ", ".join(kind.value for kind in OrgKind)
ROLES = ", ".join(role.value for role in Role)
MODES = ", ".join(mode.value for mode in ManagementMode)
ITEM_KIND_LIST = ", ".join(ITEM_KINDS)
# What a project the bundle fails to define breaks: the four assets it renewed.
UNKNOWN_PROJECT = [f"assets[{n}].project: unknown project 2021-01" for n in range(4)]


def change(bundle: dict, path: str, value) -> dict:
    """Set (or with DELETE remove) the value at a dotted path such as "users.0.role"."""
    *parents, last = path.split(".")
    node = bundle
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if isinstance(node, list):
        node[int(last)] = value
    elif value is DELETE:
        del node[last]
    else:
        node[last] = value
    return bundle


def errors_of(db, bundle) -> list[str]:
    """Import `bundle`, expecting it refused; check nothing was written; return the errors."""
    before = row_counts(db.session)
    with pytest.raises(BundleInvalid) as caught:
        import_bundle(db.session, bundle, actor="cli")
    assert row_counts(db.session) == before
    assert caught.value.status == 400 and caught.value.code == "invalid_bundle"
    assert caught.value.fields == {"errors": caught.value.errors}
    return caught.value.errors


# (path, new value, the exact errors)
CASES = [
    # The bundle itself.
    ("version", DELETE, ["version: required"]),
    ("version", 2, ["version: must be 1"]),
    ("version", "1", ["version: must be 1"]),
    ("version", True, ["version: must be 1"]),
    ("fee_standards", {}, ["fee_standards: must be a list"]),
    ("foo", 1, ["foo: unknown key"]),
    # Settings.
    ("settings", [], ["settings: must be an object"]),
    ("settings.colour", "red", ["settings.colour: unknown setting"]),
    ("settings.heating_season", "10-15", ["settings.heating_season: must be an object"]),
    ("settings.heating_season.start", "13-01",
     ["settings.heating_season.start: must be a day of the year as MM-DD"]),
    ("settings.heating_season.end", "02-30",
     ["settings.heating_season.end: must be a day of the year as MM-DD"]),
    ("settings.heating_season.end", DELETE, ["settings.heating_season.end: required"]),
    ("settings.heating_season.colour", "red",
     ["settings.heating_season.colour: unknown field"]),
    ("settings.handover_overdue_days", -1,
     ["settings.handover_overdue_days: must be at least 0"]),
    ("settings.handover_overdue_days", "90",
     ["settings.handover_overdue_days: must be a whole number"]),
    ("settings.acceptance_min_satisfaction", "1.5",
     ["settings.acceptance_min_satisfaction: must be between 0 and 1"]),
    ("settings.acceptance_min_satisfaction", "abc",
     ['settings.acceptance_min_satisfaction: must be a decimal number such as "0.90"']),
    ("settings.callback_sample_percent", 120,
     ["settings.callback_sample_percent: must be a whole number from 0 to 100"]),
    ("settings.evaluation_sheet", {"collection_rate": 60},
     ["settings.evaluation_sheet: the weights must add up to 100"]),
    ("settings.evaluation_tiers", [{"tier": "good", "min": 50}],
     ["settings.evaluation_tiers: one tier must start at 0"]),
    ("settings.callback_sample_percent", "20",
     ["settings.callback_sample_percent: must be a whole number from 0 to 100"]),
    # Regions.
    ("regions.0.colour", "red", ["regions[0].colour: unknown field"]),
    ("regions.0.kind", "province", ["regions[0].kind: must be one of city, district, street"]),
    ("regions.0.name", DELETE, ["regions[0].name: required"]),
    ("regions.0.name", None, ["regions[0].name: required"]),
    ("regions.0.name", "  ", ["regions[0].name: must not be empty"]),
    ("regions.0.name", 5, ["regions[0].name: must be a string"]),
    ("regions.0.name", "x" * 201, ["regions[0].name: too long (at most 200 characters)"]),
    ("regions.0.parent", "TYQ", ["regions[0].parent: a city has no parent"]),
    ("regions.1.parent", DELETE, ["regions[1].parent: required for a district"]),
    ("regions.1.parent", "NOPE", ["regions[1].parent: unknown region NOPE"]),
    ("regions.2.parent", "BT", ["regions[2].parent: BT is a city, not a district"]),
    # Organisations.
    ("organizations.2.kind", "water_company",
     [f"organizations[2].kind: must be one of {ORG_KINDS}"]),
    ("organizations.2.region", "NOPE", ["organizations[2].region: unknown region NOPE"]),
    ("organizations.2.categories", ["water_supply", "plumbing"],
     ["organizations[2].categories[1]: unknown category plumbing"]),
    ("organizations.2.categories", "water_supply",
     ["organizations[2].categories: must be a list"]),
    ("organizations.2.categories", ["drainage", "drainage"],
     ["organizations[2].categories[1]: duplicate"]),
    ("organizations.4.community", DELETE,
     ["organizations[4].community: required for an owners_committee organization"]),
    ("organizations.4.community", "NOPE", ["organizations[4].community: unknown community NOPE"]),
    ("organizations.3.community", "GXL",
     ["organizations[3].community: only owners_committee or parking_committee or "
      "party_organization or self_management organizations name a community"]),
    ("organizations.0.phone", "1" * 41,
     ["organizations[0].phone: too long (at most 40 characters)"]),
    ("organizations.0.duty", None, ["organizations[0].duty: must not be null"]),
    # People.
    ("people.1.name", DELETE, ["people[1].name: required"]),
    ("people.0.phone", 13800000001, ["people[0].phone: must be a string"]),
    ("people.0.age", 40, ["people[0].age: unknown field"]),
    ("people.0.name", "张\x00三",
     ["people[0].name: contains a NUL character or an unpaired surrogate"]),
    ("people.0.phone", "138\ud800",
     ["people[0].phone: contains a NUL character or an unpaired surrogate"]),
    ("people.0.\ud800", 1, ["people[0].\\ud800: unknown field"]),
    # Communities and their places.
    ("communities.0.street", "TYQ", ["communities[0].street: TYQ is a district, not a street"]),
    ("communities.0.street", "NOPE", ["communities[0].street: unknown region NOPE"]),
    ("communities.0.street", DELETE, ["communities[0].street: required"]),
    ("communities.0.built_year", "1995", ["communities[0].built_year: must be a whole number"]),
    ("communities.0.built_year", 1995.0, ["communities[0].built_year: must be a whole number"]),
    ("communities.0.built_year", 1800,
     ["communities[0].built_year: must be between 1900 and 2100"]),
    ("communities.0.community_office", "PM1",
     ["communities[0].community_office: PM1 is a property_company; "
      "it must be a community_office organization"]),
    ("communities.0.community_office", "NOPE",
     ["communities[0].community_office: unknown organization NOPE"]),
    ("communities.0.buildings", {},
     ["communities[0].buildings: must be a list",
      "assets[3].building: unknown building 1 in GXL",
      "assets[4].building: unknown building 1 in GXL"]),
    ("communities.0.buildings.0.floors", 0,
     ["communities[0].buildings[0].floors: must be between 1 and 200"]),
    ("communities.0.buildings.0.units.1.code", "1",
     ["communities[0].buildings[0].units[0].code: duplicate",
      "communities[0].buildings[0].units[1].code: duplicate",
      "assets[4].unit: unknown unit 2 in GXL/1"]),
    ("communities.0.buildings.0.units.0.code", "1/2",
     ["communities[0].buildings[0].units[0].code: must not contain '/'"]),
    (f"{HOUSEHOLDS}.1.code", "101",
     [f"{H0}.code: duplicate",
      "communities[0].buildings[0].units[0].households[1].code: duplicate"]),
    (f"{HOUSEHOLDS}.0.area", "abc", [f'{H0}.area: must be a decimal number such as "62.50"']),
    (f"{HOUSEHOLDS}.0.area", "-5", [f"{H0}.area: must be greater than 0"]),
    (f"{HOUSEHOLDS}.0.area", 0, [f"{H0}.area: must be greater than 0"]),
    (f"{HOUSEHOLDS}.0.area", "62.555", [f"{H0}.area: at most 2 decimal places"]),
    (f"{HOUSEHOLDS}.0.area", 62.555, [f"{H0}.area: at most 2 decimal places"]),
    (f"{HOUSEHOLDS}.0.area", "1e9", [f"{H0}.area: must be at most 99999999.99"]),
    (f"{HOUSEHOLDS}.0.area", True, [f'{H0}.area: must be a decimal number such as "62.50"']),
    (f"{HOUSEHOLDS}.0.area", "NaN", [f'{H0}.area: must be a decimal number such as "62.50"']),
    (f"{HOUSEHOLDS}.0.area", None, [f"{H0}.area: required"]),
    (f"{HOUSEHOLDS}.0.owner", "NOBODY", [f"{H0}.owner: unknown person NOBODY"]),
    (f"{HOUSEHOLDS}.0.owner", ["P1"], [f"{H0}.owner: must be a string"]),
    (f"{HOUSEHOLDS}.0.residents", "P3", [f"{H0}.residents: must be a list"]),
    (f"{HOUSEHOLDS}.0.residents", ["P3", "P3"], [f"{H0}.residents[1]: duplicate"]),
    (f"{HOUSEHOLDS}.0.residents", ["NOBODY"], [f"{H0}.residents[0]: unknown person NOBODY"]),
    (f"{HOUSEHOLDS}.0.residents", ["P1"],
     [f"{H0}.residents[0]: P1 is the owner; residents live there without owning it"]),
    (f"{HOUSEHOLDS}.0.rooms", 3, [f"{H0}.rooms: unknown field"]),
    (f"{HOUSEHOLDS}.0", "101", [f"{H0}: must be an object"]),
    # Users.
    ("users.0.person", DELETE, ["users[0].person: required for a resident"]),
    ("users.0.person", "NOBODY", ["users[0].person: unknown person NOBODY"]),
    ("users.0.org", "WATER", ["users[0].org: a resident has no organization"]),
    ("users.1.org", DELETE, ["users[1].org: required for an operator"]),
    ("users.1.org", "NOPE", ["users[1].org: unknown organization NOPE"]),
    ("users.1.role", "committee_member",
     ["users[1].org: WATER is a utility; a committee_member belongs to an owners_committee "
      "organization"]),
    ("users.1.role", "superuser", [f"users[1].role: must be one of {ROLES}"]),
    ("users.2.role", "sysadmin", ["users[2].org: a sysadmin has no organization"]),
    ("users.0.password", "short", ["users[0].password: Use at least 10 characters."]),
    ("users.0.password", "1234567890", ["users[0].password: This password is too common."]),
    ("users.0.password", "Zhang is my name",
     ["users[0].password: The password must not contain the username."]),
    ("users.0.password", 12345678901, ["users[0].password: must be a string"]),
    ("users.0.password", DELETE, ["users[0].password: required"]),
    ("users.0.username", "zhang san", ["users[0].username: must not contain spaces"]),
    ("users.0.active", "yes", ["users[0].active: must be true or false"]),
    # Management terms.
    ("management_terms.0.mode", "private",
     [f"management_terms[0].mode: must be one of {MODES}"]),
    ("management_terms.1.org", "WATER",
     ["management_terms[1].org: WATER is a utility; a professional term needs a "
      "property_company organization"]),
    ("management_terms.0.org", "PM1",
     ["management_terms[0].org: PM1 is a property_company; a community term needs a "
      "community_office or street_office organization"]),
    ("management_terms.0.org", DELETE, ["management_terms[0].org: required"]),
    ("management_terms.1.start", "2022-13-01",
     ["management_terms[1].start: must be a date as YYYY-MM-DD"]),
    ("management_terms.1.start", "20220101",
     ["management_terms[1].start: must be a date as YYYY-MM-DD"]),
    ("management_terms.1.end", "2022-02-30",
     ["management_terms[1].end: must be a date as YYYY-MM-DD"]),
    ("management_terms.0.end", "2020-12-31", ["management_terms[0].end: before start"]),
    ("management_terms.0.end", "2022-01-01",
     ["management_terms[1]: overlaps management_terms[0] (2021-01-01 to 2022-01-01)"]),
    ("management_terms.0.end", None,
     ["management_terms[1]: overlaps management_terms[0] (from 2021-01-01, open-ended)"]),
    ("management_terms.1.start", "2021-01-01",
     ["management_terms[1].start: duplicate: management_terms[0] also starts on 2021-01-01"]),
    ("management_terms.0.community", "NOPE",
     ["management_terms[0].community: unknown community NOPE"]),
    ("management_terms.0.basis", 5, ["management_terms[0].basis: must be a string"]),
    # Projects and their items.
    ("projects", {}, ["projects: must be a list", *UNKNOWN_PROJECT]),
    ("projects.0.colour", "red", ["projects[0].colour: unknown field"]),
    ("projects.0.code", DELETE, ["projects[0].code: required", *UNKNOWN_PROJECT]),
    ("projects.0.year", DELETE, ["projects[0].year: required"]),
    ("projects.0.year", "2021", ["projects[0].year: must be a whole number"]),
    ("projects.0.year", 1980, ["projects[0].year: must be between 1990 and 2100"]),
    ("projects.0.name", " ", ["projects[0].name: must not be empty"]),
    ("projects.0.name", None, ["projects[0].name: must not be null"]),
    ("projects.0.communities", DELETE, ["projects[0].communities: required"]),
    ("projects.0.communities", [], ["projects[0].communities: must not be empty"]),
    ("projects.0.communities", "GXL", ["projects[0].communities: must be a list"]),
    ("projects.0.communities", ["GXL", "NOPE"],
     ["projects[0].communities[1]: unknown community NOPE"]),
    ("projects.0.communities", ["GXL", "GXL"], ["projects[0].communities[1]: duplicate"]),
    ("projects.0.contractor", "NOPE", ["projects[0].contractor: unknown organization NOPE"]),
    ("projects.0.contractor", "WATER",
     ["projects[0].contractor: WATER is a utility; the contractor must be a contractor "
      "organization"]),
    ("projects.0.completed_on", "2021-11-31",
     ["projects[0].completed_on: must be a date as YYYY-MM-DD"]),
    ("projects.0.accepted_on", "2021-10-30",
     ["projects[0].accepted_on: before completed_on (2021-10-31)"]),
    ("projects.0.satisfaction_rate", "1.01",
     ["projects[0].satisfaction_rate: must be between 0 and 1"]),
    ("projects.0.satisfaction_rate", "0.93705",
     ["projects[0].satisfaction_rate: at most 4 decimal places"]),
    ("projects.0.satisfaction_rate", "93.7%",
     ['projects[0].satisfaction_rate: must be a decimal number such as "0.9370"']),
    ("projects.0.items", None, ["projects[0].items: must not be null"]),
    ("projects.0.items.0", "water_pipes", ["projects[0].items[0]: must be an object"]),
    ("projects.0.items.0.kind", "gold_plating",
     [f"projects[0].items[0].kind: must be one of {ITEM_KIND_LIST}"]),
    ("projects.0.items.0.class", DELETE, ["projects[0].items[0].class: required"]),
    ("projects.0.items.0.class", "luxury",
     ["projects[0].items[0].class: must be one of basic, complete, upgrade"]),
    ("projects.0.items.0.community", "NOPE",
     ["projects[0].items[0].community: NOPE is not one of the project's communities"]),
    ("projects.0.items.3.contractor", "PM1",
     ["projects[0].items[3].contractor: PM1 is a property_company; the contractor must be a "
      "contractor organization"]),
    ("projects.0.items.3.description", 5, ["projects[0].items[3].description: must be a string"]),
    ("projects.0.items.0.price", "100", ["projects[0].items[0].price: unknown field"]),
    # Assets.
    ("assets", "GXL-WS",
     ["assets: must be a list", "handovers[0].assets[0]: unknown asset GXL-WS",
      "handovers[0].assets[1]: unknown asset GXL-DR"]),
    ("assets.0.code", "GXL/WS",
     ["assets[0].code: must not contain '/'", "handovers[0].assets[0]: unknown asset GXL-WS"]),
    ("assets.0.owner", "P1", ["assets[0].owner: unknown field"]),
    ("assets.0.name", None, ["assets[0].name: must not be null"]),
    ("assets.0.category", DELETE, ["assets[0].category: required"]),
    ("assets.0.category", "plumbing", ["assets[0].category: unknown category plumbing"]),
    ("assets.0.community", DELETE, ["assets[0].community: required"]),
    ("assets.0.community", "NOPE", ["assets[0].community: unknown community NOPE"]),
    ("assets.0.building", "9", ["assets[0].building: unknown building 9 in GXL"]),
    ("assets.0.unit", "1", ["assets[0].unit: needs a building"]),
    ("assets.4.building", None, ["assets[4].unit: needs a building"]),
    ("assets.4.unit", "7", ["assets[4].unit: unknown unit 7 in GXL/1"]),
    ("assets.0.project", "NOPE", ["assets[0].project: unknown project NOPE"]),
    ("assets.0.warranty_contractor", "WATER",
     ["assets[0].warranty_contractor: WATER is a utility; the warranty contractor must be a "
      "contractor organization"]),
    ("assets.0.warranty_until", "2023-02-30",
     ["assets[0].warranty_until: must be a date as YYYY-MM-DD"]),
    ("assets.1.code", "GXL-WS",
     ["assets[0].code: duplicate", "assets[1].code: duplicate",
      "handovers[0].assets[1]: unknown asset GXL-DR"]),
    # Hand-overs.
    ("handovers", {}, ["handovers: must be a list"]),
    ("handovers.0", "H-1", ["handovers[0]: must be an object"]),
    ("handovers.0.status", "draft", ["handovers[0].status: unknown field"]),
    ("handovers.0.code", DELETE, ["handovers[0].code: required"]),
    ("handovers.0.from", DELETE, ["handovers[0].from: required"]),
    ("handovers.0.from", "NOPE", ["handovers[0].from: unknown organization NOPE"]),
    ("handovers.0.to", "NOPE", ["handovers[0].to: unknown organization NOPE"]),
    ("handovers.0.to", "TYQ-HB",
     ["handovers[0].to: the receiver must differ from the transferor"]),
    ("handovers.0.to", "PM1",
     ["handovers[0].to: PM1 is a property_company; the receiver must be an authority or "
      "contractor or maintainer or utility organization"]),
    ("handovers.0.assets", [], ["handovers[0].assets: must not be empty"]),
    ("handovers.0.assets", DELETE, ["handovers[0].assets: required"]),
    ("handovers.0.assets", ["GXL-WS", "GXL-WS"], ["handovers[0].assets[1]: duplicate"]),
    ("handovers.0.assets", ["GXL-WS", "NOPE"], ["handovers[0].assets[1]: unknown asset NOPE"]),
    ("handovers.0.effective_on", DELETE, ["handovers[0].effective_on: required"]),
    ("handovers.0.effective_on", "2022-3-1",
     ["handovers[0].effective_on: must be a date as YYYY-MM-DD"]),
]


@pytest.mark.parametrize(("path", "value", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_problem_is_reported_at_its_path(db, path, value, expected):
    assert errors_of(db, change(small_bundle(), path, value)) == expected


def test_adjacent_terms_do_not_overlap(db):
    bundle = small_bundle()
    assert bundle["management_terms"][0]["end"] == "2021-12-31"
    assert bundle["management_terms"][1]["start"] == "2022-01-01"
    summary = import_bundle(db.session, bundle, actor="cli")
    assert summary.counts["management_terms"]["created"] == 2


def test_the_bundle_must_be_an_object(db):
    assert errors_of(db, [small_bundle()]) == ["bundle: must be a JSON object"]


def test_a_section_of_the_wrong_type_is_reported_with_what_it_breaks(db):
    errors = errors_of(db, change(small_bundle(), "people", {"P1": "张三"}))
    assert errors[0] == "people: must be a list"
    assert f"{H0}.owner: unknown person P1" in errors
    assert "users[0].person: unknown person P1" in errors


def test_duplicate_codes_mark_every_copy(db):
    bundle = small_bundle()
    building = copy.deepcopy(bundle["communities"][0]["buildings"][0])
    bundle["communities"][0]["buildings"].append(building)
    bundle["regions"].append({"code": "TYQ", "name": "again", "kind": "district", "parent": "BT"})
    bundle["users"][2]["username"] = "zhang"
    bundle["people"][2]["code"] = "P1"
    errors = errors_of(db, bundle)
    for expected in (
        "regions[1].code: duplicate",
        "regions[3].code: duplicate",
        "people[0].code: duplicate",
        "people[2].code: duplicate",
        "communities[0].buildings[0].code: duplicate",
        "communities[0].buildings[1].code: duplicate",
        "users[0].username: duplicate",
        "users[2].username: duplicate",
    ):
        assert expected in errors


def test_an_owner_unknown_deep_in_the_second_community(db):
    bundle = small_bundle()
    second = copy.deepcopy(bundle["communities"][0])
    second.update({"code": "HJ", "name": "环卫小区"})
    second["buildings"][0]["units"][0]["households"][1]["owner"] = "NOBODY"
    bundle["communities"].append(second)
    assert errors_of(db, bundle) == [
        "communities[1].buildings[0].units[0].households[1].owner: unknown person NOBODY"
    ]


def test_every_problem_is_listed_in_bundle_order(db):
    bundle = small_bundle()
    bundle["foo"] = True
    bundle["users"][0]["password"] = "short"
    change(bundle, f"{HOUSEHOLDS}.1.area", "abc")
    bundle["regions"][2]["parent"] = "BT"
    bundle["management_terms"][1]["org"] = "WATER"
    assert errors_of(db, bundle) == [
        "regions[2].parent: BT is a city, not a district",
        'communities[0].buildings[0].units[0].households[1].area: must be a decimal number '
        'such as "62.50"',
        "users[0].password: Use at least 10 characters.",
        "management_terms[1].org: WATER is a utility; a professional term needs a "
        "property_company organization",
        "foo: unknown key",
    ]


def test_two_owners_committees_for_one_community(db):
    bundle = small_bundle()
    bundle["organizations"].append(
        {"code": "GXL-OC2", "name": "另一个业委会", "kind": "owners_committee", "community": "GXL"}
    )
    assert errors_of(db, bundle) == [
        "organizations[7].community: GXL already has an owners' committee (GXL-OC)"
    ]


def test_a_committee_manages_only_its_own_community(db):
    bundle = small_bundle()
    second = copy.deepcopy(bundle["communities"][0])
    second.update({"code": "HJ", "name": "环卫小区"})
    bundle["communities"].append(second)
    bundle["management_terms"].append(
        {"community": "HJ", "mode": "self", "org": "GXL-OC", "start": "2022-01-01"}
    )
    assert errors_of(db, bundle) == [
        "management_terms[2].org: GXL-OC belongs to community GXL, not HJ"
    ]


# Against what an earlier import left in the database.


@pytest.fixture
def loaded(db):
    import_bundle(db.session, small_bundle(), actor="cli")
    return snapshot(db.session)


def test_a_term_overlapping_one_in_the_database(db, loaded):
    bundle = {"version": 1, "management_terms": [
        {"community": "GXL", "mode": "self", "org": "GXL-OC", "start": "2023-06-01"},
    ]}
    assert errors_of(db, bundle) == [
        "management_terms[0]: overlaps the existing term of GXL (from 2022-01-01, open-ended)"
    ]
    assert snapshot(db.session) == loaded


def test_a_term_ending_the_day_before_a_database_term_starts(db, loaded):
    bundle = {"version": 1, "management_terms": [
        {"community": "GXL", "mode": "original_unit", "org": "UNIT", "start": "2019-01-01",
         "end": "2020-12-31"},
    ], "organizations": [{"code": "UNIT", "name": "供销社", "kind": "original_unit"}]}
    summary = import_bundle(db.session, bundle, actor="cli")
    assert summary.counts["management_terms"]["created"] == 1
    bundle["management_terms"][0]["end"] = "2021-01-01"
    assert errors_of(db, bundle) == [
        "management_terms[0]: overlaps the existing term of GXL (2021-01-01 to 2021-12-31)"
    ]


def test_a_region_kind_cannot_change(db, loaded):
    bundle = {"version": 1, "regions": [
        {"code": "SLQ", "name": "萨拉齐镇", "kind": "district", "parent": "BT"},
    ]}
    assert errors_of(db, bundle) == [
        "regions[0].kind: SLQ is already a street; a region's kind cannot change"
    ]


def test_an_organization_kind_cannot_change(db, loaded):
    bundle = {"version": 1, "organizations": [
        {"code": "WATER", "name": "旗水投公司", "kind": "authority"},
    ]}
    assert errors_of(db, bundle) == [
        "organizations[0].kind: WATER is already a utility; an organization's kind cannot change"
    ]


def test_a_second_committee_against_the_database(db, loaded):
    bundle = {"version": 1, "organizations": [
        {"code": "GXL-OC2", "name": "另一个业委会", "kind": "owners_committee", "community": "GXL"},
    ]}
    assert errors_of(db, bundle) == [
        "organizations[0].community: GXL already has an owners' committee (GXL-OC)"
    ]


def test_references_to_unknown_rows_of_the_database(db, loaded):
    bundle = {"version": 1, "users": [
        {"username": "new", "password": "a long enough one", "role": "manager", "org": "PM2"},
    ], "management_terms": [
        {"community": "XYZ", "mode": "professional", "org": "PM1", "start": "2030-01-01"},
    ]}
    assert errors_of(db, bundle) == [
        "users[0].org: unknown organization PM2",
        "management_terms[0].community: unknown community XYZ",
    ]
    assert snapshot(db.session) == loaded
