"""The demo region: the plan's facts and totals hold, and it loads idempotently."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from pmsys import clock
from pmsys.auth.models import (
    COMMUNITY_BOUND_KINDS,
    ROLE_ORG_KINDS,
    Organization,
    OrganizationCategory,
    OrgKind,
    Role,
    User,
)
from pmsys.auth.passwords import password_problem, verify_password
from pmsys.governance.models import ManagementTerm
from pmsys.imports.services import import_bundle
from pmsys.places.demo import DEMO_LOGINS, build_bundle, load_facts
from pmsys.places.models import (
    Building,
    Community,
    Household,
    HouseholdResident,
    Person,
    Region,
    Setting,
    Unit,
)

MODE_KINDS = {
    "professional": {"property_company"},
    "self": {"self_management", "owners_committee"},
    "community": {"community_office", "street_office"},
    "original_unit": {"original_unit"},
}


@pytest.fixture(scope="module")
def bundle() -> dict:
    return build_bundle()


@pytest.fixture(scope="module")
def facts() -> dict:
    return load_facts()


def households_of(community: dict) -> list[dict]:
    return [
        household
        for building in community["buildings"]
        for unit in building["units"]
        for household in unit["households"]
    ]


def all_households(bundle: dict) -> list[dict]:
    return [h for community in bundle["communities"] for h in households_of(community)]


def active_on(term: dict, day: date) -> bool:
    start = date.fromisoformat(term["start"])
    return start <= day and (term["end"] is None or day <= date.fromisoformat(term["end"]))


def test_the_bundle_is_the_same_every_call(bundle):
    assert build_bundle() == bundle


def test_regions_are_baotou_tumed_right_salaqi(bundle):
    regions = [
        (r["code"], r["name"], r["name_en"], r["kind"], r.get("parent")) for r in bundle["regions"]
    ]
    assert regions == [
        ("BT", "包头市", "Baotou", "city", None),
        ("TYQ", "土默特右旗", "Tumed Right Banner", "district", "BT"),
        ("SLQ", "萨拉齐镇", "Salaqi Town", "street", "TYQ"),
    ]


def test_communities_are_the_plans_27_with_unique_ascii_codes(bundle, facts):
    communities = bundle["communities"]
    assert [c["name"] for c in communities] == facts["communities"]
    assert len(communities) == facts["renovation_2021"]["communities_total"] == 27
    codes = [c["code"] for c in communities]
    assert len(set(codes)) == 27
    assert all(re.fullmatch(r"[A-Z0-9]{2,12}", code) for code in codes)
    assert all(c["street"] == "SLQ" for c in communities)
    assert all(1980 <= c["built_year"] <= 2009 for c in communities)


def test_households_and_area_add_up_to_the_plans_totals(bundle, facts):
    households = all_households(bundle)
    assert len(households) == facts["renovation_2021"]["households_total"] == 1514
    areas = [Decimal(h["area"]) for h in households]
    assert sum(areas) == Decimal("138600.00")
    assert all(area == area.quantize(Decimal("0.01")) for area in areas)
    assert all(Decimal(40) <= area <= Decimal(150) for area in areas)
    mean = sum(areas) / len(areas)
    assert Decimal("91") < mean < Decimal("92")


def test_buildings_are_old_dormitory_blocks_with_two_flats_a_floor(bundle):
    for community in bundle["communities"]:
        building_codes = [b["code"] for b in community["buildings"]]
        assert len(set(building_codes)) == len(building_codes)
        for building in community["buildings"]:
            assert 3 <= building["floors"] <= 6
            assert [u["code"] for u in building["units"]] in (["1", "2"], ["1", "2", "3"])
            places = building["floors"] * len(building["units"]) * 2
            flats = sum(len(u["households"]) for u in building["units"])
            # At most one ground-floor place per building is left out (a shop, storage).
            assert places - flats in (0, 1)
            for unit in building["units"]:
                codes = [h["code"] for h in unit["households"]]
                assert len(set(codes)) == len(codes)
                per_floor = Counter()
                for code in codes:
                    floor, position = divmod(int(code), 100)
                    assert code == f"{floor}{position:02d}", code
                    assert 1 <= floor <= building["floors"] and position in (1, 2), code
                    per_floor[floor] += 1
                assert max(per_floor.values()) <= 2
                assert all(per_floor[floor] == 2 for floor in range(2, building["floors"] + 1))


def test_the_energy_saving_retrofit_figures_hold(bundle, facts):
    retrofit = facts["renovation_2021"]["energy_saving_retrofit"]
    chosen = [c for c in bundle["communities"] if c["name"] in retrofit["communities"]]
    assert len(chosen) == 3
    assert sum(len(c["buildings"]) for c in chosen) == retrofit["buildings"] == 3
    households = [h for c in chosen for h in households_of(c)]
    assert len(households) == retrofit["households"] == 65
    assert sum(Decimal(h["area"]) for h in households) == Decimal("8300.00")


def test_every_person_referenced_exists_and_has_a_mobile_number(bundle):
    people = {p["code"]: p for p in bundle["people"]}
    assert len(people) == len(bundle["people"])
    households = all_households(bundle)
    referenced = {h["owner"] for h in households}
    referenced |= {r for h in households for r in h.get("residents", [])}
    referenced |= {u["person"] for u in bundle["users"] if "person" in u}
    assert referenced <= set(people)
    phones = [p["phone"] for p in bundle["people"]]
    assert len(set(phones)) == len(phones)
    assert all(re.fullmatch(r"1[358]\d{9}", phone) for phone in phones)
    assert all(2 <= len(p["name"]) <= 4 for p in bundle["people"])


def test_a_few_own_two_flats_and_a_few_flats_have_tenants(bundle):
    households = all_households(bundle)
    owned = Counter(h["owner"] for h in households)
    assert 5 <= sum(1 for n in owned.values() if n == 2) <= 30
    assert max(owned.values()) == 2
    tenanted = [h for h in households if h.get("residents")]
    assert 5 <= len(tenanted) <= 40
    assert all(h["owner"] not in h["residents"] for h in tenanted)

    community_of = defaultdict(set)
    for community in bundle["communities"]:
        for h in households_of(community):
            community_of[h["owner"]].add(community["code"])
    twice = [p for p, n in owned.items() if n == 2]
    assert any(len(community_of[p]) == 1 for p in twice)
    assert any(len(community_of[p]) == 2 for p in twice)


def test_the_plans_organisations_keep_their_duties_and_categories(bundle, facts):
    orgs = {o["code"]: o for o in bundle["organizations"]}
    assert len(orgs) == len(bundle["organizations"])
    for org in facts["organizations"]:
        loaded = orgs[org["code"]]
        assert (loaded["name"], loaded["kind"]) == (org["name"], org["kind"])
        assert loaded.get("duty", "") == org.get("duty", "")
        assert loaded.get("categories", []) == org.get("categories", [])
    assert orgs["SLQ-GOV"]["region"] == "SLQ"
    assert orgs["TYQ-HB"]["region"] == "TYQ"


def test_invented_organisations_fit_their_kinds(bundle):
    orgs = {o["code"]: o for o in bundle["organizations"]}
    kinds = Counter(o["kind"] for o in orgs.values())
    assert 2 <= kinds["community_office"] <= 3
    assert 2 <= kinds["property_company"] <= 3
    assert kinds["original_unit"] >= 3
    assert kinds["owners_committee"] >= 2
    assert kinds["contractor"] >= 1 and kinds["maintainer"] >= 1
    assert set(kinds) <= {kind.value for kind in OrgKind}
    community_codes = {c["code"] for c in bundle["communities"]}
    committees = Counter()
    for org in orgs.values():
        if OrgKind(org["kind"]) in COMMUNITY_BOUND_KINDS:
            assert org["community"] in community_codes
            committees[(org["kind"], org["community"])] += 1
        else:
            assert "community" not in org
    assert max(committees.values()) == 1
    for community in bundle["communities"]:
        assert orgs[community["community_office"]]["kind"] == "community_office"


def test_terms_mix_every_mode_with_fitting_organisations(bundle):
    orgs = {o["code"]: o for o in bundle["organizations"]}
    terms = bundle["management_terms"]
    assert {t["mode"] for t in terms} == set(MODE_KINDS)
    for term in terms:
        org = orgs[term["org"]]
        assert org["kind"] in MODE_KINDS[term["mode"]]
        if org["kind"] in {"self_management", "owners_committee"}:
            assert org["community"] == term["community"]
        assert term["basis"]
    today = clock.today()
    current = Counter(t["mode"] for t in terms if active_on(t, today))
    assert all(current[mode] >= 3 for mode in MODE_KINDS)
    # Several communities moved from their original unit to a property company in 2022.
    starts = defaultdict(list)
    for term in terms:
        starts[term["community"]].append(term)
    moved = [
        code for code, ts in starts.items()
        if any(t["mode"] == "original_unit" and t["end"] == "2021-12-31" for t in ts)
        and any(t["mode"] == "professional" and t["start"] == "2022-01-01" for t in ts)
    ]
    assert len(moved) >= 2


def test_terms_of_one_community_never_overlap(bundle):
    by_community = defaultdict(list)
    for term in bundle["management_terms"]:
        start = date.fromisoformat(term["start"])
        end = date.fromisoformat(term["end"]) if term["end"] else date.max
        assert start <= end
        by_community[term["community"]].append((start, end))
    for spans in by_community.values():
        spans.sort()
        for (_, end), (next_start, _) in zip(spans, spans[1:], strict=False):
            assert end < next_start


def test_a_few_communities_have_no_term(bundle):
    codes = {c["code"] for c in bundle["communities"]}
    with_terms = {t["community"] for t in bundle["management_terms"]}
    assert with_terms <= codes
    assert 3 <= len(codes - with_terms) <= 4


def test_every_role_has_a_demo_login_that_passes_the_password_policy(bundle):
    users = {u["username"]: u for u in bundle["users"]}
    assert {Role(u["role"]) for u in users.values()} == set(Role)
    assert [login[0] for login in DEMO_LOGINS] == list(users)
    orgs = {o["code"]: o for o in bundle["organizations"]}
    for username, password, description in DEMO_LOGINS:
        user = users[username]
        assert user["password"] == password and description
        assert password_problem(password, username) is None
        allowed = ROLE_ORG_KINDS[Role(user["role"])]
        if allowed is not None:
            assert OrgKind(orgs[user["org"]]["kind"]) in allowed
        assert ("person" in user) == (user["role"] == "resident")
    assert users["bureau"]["org"] == "TYQ-HB"
    assert users["street"]["org"] == "SLQ-GOV"
    assert users["water"]["org"] == "TYQ-WATER"
    assert users["gas"]["org"] == "TYQ-GAS"
    assert orgs[users["committee"]["org"]]["kind"] == "owners_committee"


def test_the_manager_and_the_resident_have_a_managed_community(bundle):
    users = {u["username"]: u for u in bundle["users"]}
    today = clock.today()
    current = {t["community"]: t for t in bundle["management_terms"] if active_on(t, today)}
    assert any(t["org"] == users["manager"]["org"] for t in current.values())
    owned_in = defaultdict(set)
    for community in bundle["communities"]:
        for household in households_of(community):
            owned_in[household["owner"]].add(community["code"])
    residents = [u for u in users.values() if u["role"] == "resident"]
    assert len(residents) >= 2
    assert len({frozenset(owned_in[u["person"]]) for u in residents}) == len(residents)
    resident_communities = owned_in[users["resident"]["person"]]
    assert any(current.get(c, {}).get("mode") == "professional" for c in resident_communities)


def snapshot(session) -> dict:
    """Return what the demo import writes, in a form two imports can be compared by."""
    counts = {
        model.__tablename__: session.scalar(select(func.count()).select_from(model))
        for model in (
            Region, Organization, OrganizationCategory, Person, Community, Building, Unit,
            Household, HouseholdResident, User, ManagementTerm, Setting,
        )
    }
    households = session.execute(
        select(Community.code, Building.code, Unit.code, Household.code, Household.area,
               Person.code)
        .join(Building, Building.community_id == Community.id)
        .join(Unit, Unit.building_id == Building.id)
        .join(Household, Household.unit_id == Unit.id)
        .join(Person, Person.id == Household.owner_id)
        .order_by(Community.code, Building.code, Unit.code, Household.code)
    ).all()
    users = session.execute(
        select(User.username, User.role, User.password_hash, User.session_token)
        .order_by(User.username)
    ).all()
    terms = session.execute(
        select(Community.code, ManagementTerm.mode, ManagementTerm.start, ManagementTerm.end,
               Organization.code)
        .join(Community, Community.id == ManagementTerm.community_id)
        .join(Organization, Organization.id == ManagementTerm.organization_id)
        .order_by(Community.code, ManagementTerm.start)
    ).all()
    return {"counts": counts, "households": households, "users": users, "terms": terms}


def test_the_demo_bundle_imports_and_a_second_import_changes_nothing(db):
    bundle = build_bundle()
    summary = import_bundle(db.session, bundle, actor="demo")
    assert summary.counts["households"]["created"] == 1514
    assert db.session.scalar(select(func.count(Household.id))) == 1514
    assert db.session.scalar(select(func.sum(Household.area))) == Decimal("138600.00")
    assert db.session.scalar(select(func.count(Community.id))) == 27
    office = db.session.scalar(select(Community).where(Community.code == "GXL")).community_office
    assert office.kind is OrgKind.community_office
    water = db.session.scalar(select(Organization).where(Organization.code == "TYQ-WATER"))
    assert water.categories == ["drainage", "water_supply"]
    housing = db.session.scalar(select(Organization).where(Organization.code == "TYQ-HB"))
    assert housing.duty.startswith("plans, implements and supervises renovation")
    first = snapshot(db.session)
    assert len(first["terms"]) == len(bundle["management_terms"])
    assert first["counts"]["people"] == len(bundle["people"])

    again = import_bundle(db.session, build_bundle(), actor="demo")
    assert all(
        tally["created"] == tally["updated"] == 0 for tally in again.counts.values()
    ), again.describe()
    assert snapshot(db.session) == first


def test_flask_pmsys_demo_loads_the_region_and_prints_every_login(app, db):
    result = app.test_cli_runner().invoke(args=["pmsys", "demo"])
    assert result.exit_code == 0, result.output
    assert "households: 1514 created" in result.output
    for username, password, _ in DEMO_LOGINS:
        line = rf"^\s+{re.escape(username)}\s+{re.escape(password)}\s"
        assert re.search(line, result.output, re.MULTILINE), username
    assert db.session.scalar(select(func.count(Household.id))) == 1514
    manager = db.session.scalar(select(User).where(User.username == "manager"))
    assert manager.role is Role.manager
    assert verify_password(manager.password_hash, DEMO_LOGINS[0][1])
