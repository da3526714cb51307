"""The demo region: the plan's facts and totals hold, and it loads idempotently."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from pmsys import clock
from pmsys.assets.services import handover_backlog, maintainer_on
from pmsys.audit import AuditRecord
from pmsys.auth.passwords import password_problem, verify_password
from pmsys.demo.leaders import LEADER_LOGINS
from pmsys.demo.places import DEMO_LOGINS, build_bundle, load_facts, load_invented
from pmsys.imports.services import import_bundle
from pmsys.models.assets import (
    ITEM_KINDS,
    Asset,
    AssetMaintainer,
    Handover,
    HandoverAsset,
    HandoverCommitteeSignature,
    HandoverDefect,
    HandoverEvent,
    HandoverStatus,
    Project,
    ProjectCommunity,
    ProjectItem,
)
from pmsys.models.auth import (
    COMMUNITY_BOUND_KINDS,
    ROLE_ORG_KINDS,
    Organization,
    OrganizationCategory,
    OrgKind,
    Role,
    User,
)
from pmsys.models.governance import ManagementTerm
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

# What every renovated community has in the demo register (docs/domain.md#handovers, #categories).
COMMUNITY_CATEGORIES = {
    "water_supply", "drainage", "heating", "power", "telecom", "cable_tv", "road", "lighting",
    "access_security", "fitness", "parcel_locker",
}
CARRIERS = {"TEL-CU": "联通", "TEL-CM": "移动", "TEL-CT": "电信"}
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


def test_residents_can_call_whoever_manages_them_and_their_community_office(bundle):
    """Issue 13: the resident's home page shows the manager's phone; the demo has them."""
    orgs = {o["code"]: o for o in bundle["organizations"]}
    today = clock.today()
    managers = {t["org"] for t in bundle["management_terms"] if active_on(t, today)}
    offices = {c["community_office"] for c in bundle["communities"]
               if c.get("community_office")}
    assert len(managers) >= 5
    for code in managers | offices | {"SLQ-GOV"}:
        phone = orgs[code].get("phone", "")
        assert re.fullmatch(r"0472-\d{7}|1[3-9]\d{9}", phone), (code, phone)
    # The utilities and carriers answer on their service numbers.
    assert orgs["TYQ-POWER"]["phone"] == "95598" and orgs["TYQ-CU"]["phone"] == "10010"


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


BUILDING_ROLES = {Role.building_leader, Role.grid_worker}


def test_every_role_has_a_demo_login_that_passes_the_password_policy(bundle):
    users = {u["username"]: u for u in bundle["users"]}
    # The building roles' logins come with their buildings (pmsys/demo/leaders.py,
    # tests/services/test_leaders_demo.py); every other role's is in the bundle.
    assert {Role(u["role"]) for u in users.values()} == set(Role) - BUILDING_ROLES
    assert {text.split(" ")[0] for _n, _p, text in LEADER_LOGINS} == set(BUILDING_ROLES)
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
    """Return what the demo writes, in a form two runs can be compared by."""
    counts = {
        model.__tablename__: session.scalar(select(func.count()).select_from(model))
        for model in (
            Region, Organization, OrganizationCategory, Person, Community, Building, Unit,
            Household, HouseholdResident, User, ManagementTerm, Setting, Project,
            ProjectCommunity, ProjectItem, Asset, AssetMaintainer, Handover, HandoverAsset,
            HandoverDefect, HandoverCommitteeSignature, HandoverEvent,
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
    assets = session.execute(
        select(Asset.code, Asset.category, Asset.building_id, Asset.project_item_id,
               Asset.warranty_contractor_id, Asset.warranty_until)
        .order_by(Asset.code)
    ).all()
    stints = session.execute(
        select(AssetMaintainer.asset_id, AssetMaintainer.organization_id, AssetMaintainer.start,
               AssetMaintainer.end, AssetMaintainer.handover_id)
        .order_by(AssetMaintainer.asset_id, AssetMaintainer.start)
    ).all()
    handovers = session.execute(
        select(Handover.code, Handover.status, Handover.effective_on, Handover.version)
        .order_by(Handover.code)
    ).all()
    audit = session.scalar(
        select(func.count()).select_from(AuditRecord).where(AuditRecord.object_type != "bundle")
    )
    return {"counts": counts, "households": households, "users": users, "terms": terms,
            "assets": assets, "stints": stints, "handovers": handovers, "audit": audit}


@pytest.mark.database("demo_bundle")
def test_the_demo_bundle_imports_and_a_second_import_changes_nothing(db, demo_bundle):
    bundle = build_bundle()
    summary = demo_bundle.result  # the import into the empty database this one copies
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


@pytest.mark.database("demo_region")
def test_flask_pmsys_demo_loads_the_region_and_prints_every_login(app, db, demo_region):
    result = demo_region.result  # the run into the empty database this one copies
    assert result.exit_code == 0, result.output
    assert "households: 1514 created" in result.output
    assert "hand-overs in progress: 5 created, 0 unchanged" in result.output
    for username, password, _ in DEMO_LOGINS:
        line = rf"^\s+{re.escape(username)}\s+{re.escape(password)}\s"
        assert re.search(line, result.output, re.MULTILINE), username
    assert db.session.scalar(select(func.count(Household.id))) == 1514
    manager = db.session.scalar(select(User).where(User.username == "manager"))
    assert manager.role is Role.manager
    assert verify_password(manager.password_hash, DEMO_LOGINS[0][1])

    # Running it again changes nothing, the hand-overs in progress included.
    first = snapshot(db.session)
    again = app.test_cli_runner().invoke(args=["pmsys", "demo"])
    assert again.exit_code == 0, again.output
    assert "hand-overs in progress: 0 created, 5 unchanged" in again.output
    assert "assets: 0 created, 0 updated, 370 unchanged" in again.output
    assert snapshot(db.session) == first


# The 2021 project's register in the bundle.


def test_the_project_was_accepted_in_november_2021_and_covers_all_27(bundle, facts):
    [project] = bundle["projects"]
    assert (project["code"], project["name"]) == ("TYQ-2021", "土右旗2021年老旧小区改造项目")
    assert project["year"] == 2021 and project["contractor"] == "BUILD-AT"
    construction = facts["renovation_2021"]["schedule"]["construction"]
    assert project["completed_on"] == construction[1] == "2021-10-31"
    assert project["accepted_on"][:7] == facts["renovation_2021"]["schedule"][
        "joint_acceptance_month"] == "2021-11"
    assert Decimal("0.90") <= Decimal(project["satisfaction_rate"]) <= 1
    codes = [c["code"] for c in bundle["communities"]]
    assert project["communities"] == codes
    orgs = {o["code"]: o for o in bundle["organizations"]}
    assert orgs["BUILD-AT"]["kind"] == "contractor"


def test_every_community_has_the_basic_and_complete_works_and_a_few_more(bundle, facts):
    [project] = bundle["projects"]
    works = defaultdict(set)
    for item in project["items"]:
        assert item["kind"] in ITEM_KINDS
        works[item["community"]].add((item["class"], item["kind"]))
    assert set(works) == set(project["communities"])
    for kinds in works.values():
        assert {("basic", "water_pipes"), ("basic", "drainage_pipes"), ("basic", "heating_pipes"),
                ("basic", "power_lines"), ("basic", "weak_current_buried"), ("basic", "road"),
                ("complete", "lighting"), ("complete", "fitness_equipment"),
                ("complete", "parcel_lockers")} <= kinds
    names = {c["code"]: c["name"] for c in bundle["communities"]}
    retrofit = {code for code, kinds in works.items() if ("complete", "energy_saving") in kinds}
    assert {names[code] for code in retrofit} == set(
        facts["renovation_2021"]["energy_saving_retrofit"]["communities"]
    )
    assert all(("basic", "roof_waterproofing") in works[code] for code in retrofit)
    assert any(("upgrade", "elderly_care_room") in kinds for kinds in works.values())


def test_every_community_has_its_assets_and_three_carriers_lines(bundle):
    assets = [a for a in bundle["assets"] if a["category"] != "parking"]
    codes = [a["code"] for a in assets]
    assert len(set(codes)) == len(codes) == 367
    places = {
        c["code"]: {b["code"]: {u["code"] for u in b["units"]} for b in c["buildings"]}
        for c in bundle["communities"]
    }
    by_community = defaultdict(list)
    for asset in assets:
        assert asset["project"] == "TYQ-2021"
        assert asset["name"] and asset["code"].startswith(asset["community"] + "-")
        if "building" in asset:
            assert asset["building"] in places[asset["community"]]
        by_community[asset["community"]].append(asset)
    assert set(by_community) == set(places)
    for code, rows in by_community.items():
        assert COMMUNITY_CATEGORIES <= {a["category"] for a in rows}
        telecom = {a["code"]: a["name"] for a in rows if a["category"] == "telecom"}
        assert len(telecom) == 3
        for suffix, carrier in CARRIERS.items():
            assert carrier in telecom[f"{code}-{suffix}"]
    roofs = [a for a in assets if a["category"] == "roof_leak"]
    assert sorted(a["code"] for a in roofs) == ["JYDJSL-1-ROOF", "XYL-1-ROOF", "YXJSL-1-ROOF"]
    assert all(a["building"] == "1" for a in roofs)
    assert 3 <= sum(1 for a in assets if a["category"] == "gas") < 27


def test_bundle_handovers_go_to_operators_serving_the_category(bundle):
    orgs = {o["code"]: o for o in bundle["organizations"]}
    assets = {a["code"]: a for a in bundle["assets"]}
    seen = Counter()
    renovated = [h for h in bundle["handovers"]
                 if all(assets[code]["category"] != "parking" for code in h["assets"])]
    for handover in renovated:
        assert handover["from"] == "TYQ-HB"
        receiver = orgs[handover["to"]]
        assert receiver["kind"] == "utility"
        for code in handover["assets"]:
            assert assets[code]["category"] in receiver["categories"]
            seen[code] += 1
        assert "2021-11-20" < handover["effective_on"] < "2024-01-01"
    assert max(seen.values()) == 1
    receivers = Counter(h["to"] for h in renovated)
    assert {"TYQ-WATER", "TYQ-POWER", "TYQ-HEAT", "TYQ-CU", "TYQ-CM", "TYQ-CT"} <= set(receivers)
    # Gas and cable TV were never handed over: the backlog is not empty.
    assert not any(assets[code]["category"] in ("gas", "cable_tv") for code in seen)


def test_parking_spaces_go_to_their_parking_committee_or_the_manager(bundle):
    orgs = {o["code"]: o for o in bundle["organizations"]}
    spaces = {a["code"]: a for a in bundle["assets"] if a["category"] == "parking"}
    assert {code: (a["community"], a["spaces"]) for code, a in spaces.items()} == {
        "DKHTXQ-PK": ("DKHTXQ", 64), "TJJSL-PK": ("TJJSL", 18), "DZYXQ-PK": ("DZYXQ", 36)}
    handed = {h["assets"][0]: h["to"] for h in bundle["handovers"]
              if set(h["assets"]) <= set(spaces)}
    assert handed == {"DKHTXQ-PK": "PK-DKHTXQ", "TJJSL-PK": "PK-TJJSL", "DZYXQ-PK": "PM-XT"}
    for code, org in handed.items():
        if orgs[org]["kind"] == "parking_committee":
            assert orgs[org]["community"] == spaces[code]["community"]
    assert "occupied_space" in orgs["TYQ-CGZF"]["categories"]


def test_the_workflow_examples_use_assets_no_bundle_handover_moves(bundle):
    moved = {code for handover in bundle["handovers"] for code in handover["assets"]}
    assets = {a["code"] for a in bundle["assets"]}
    users = {u["username"]: u for u in bundle["users"]}
    plans = load_invented()["workflow"]
    assert [p["state"] for p in plans] == [
        "draft", "submitted", "returned", "inspected", "signed"
    ]
    for plan in plans:
        codes = {f"{c}-{suffix}" for c in plan["communities"] for suffix in plan["assets"]}
        assert codes <= assets and not codes & moved
        assert users[plan["receiver"]]["org"] == plan["to"]


# After `flask pmsys demo` (run once into an empty database, copied for each module).


def _demo_loaded(demo_region):
    result = demo_region.result
    assert result.exit_code == 0, result.output


@pytest.mark.database("demo_region")
def test_after_the_demo_handovers_are_in_every_state(db, demo_region):
    _demo_loaded(demo_region)
    session = db.session
    handovers = {h.code: h for h in session.scalars(select(Handover))}
    assert {h.status for h in handovers.values()} == set(HandoverStatus)

    returned = handovers["YJ-2026-03"]
    assert returned.status is HandoverStatus.returned and returned.return_reason
    inspected = handovers["YJ-2026-04"]
    assert inspected.status is HandoverStatus.inspected
    assert [d.fixed_at is None for d in inspected.defects] == [True, True, False]
    signed = handovers["YJ-2026-05"]
    assert signed.status is HandoverStatus.signed
    assert signed.effective_on > clock.today() and signed.effective_on.day == 1
    assert signed.receiver_signed_by_id and signed.transferor_signed_by_id
    assert [s.signed_by_id for s in signed.committee_signatures] == [
        session.scalar(select(User.id).where(User.username == "committee"))
    ]
    events = session.scalars(
        select(HandoverEvent.action).where(HandoverEvent.handover_id == signed.id)
        .order_by(HandoverEvent.id)
    ).all()
    assert events == ["create", "submit", "inspect", "sign", "sign", "sign"]
    imported = handovers["YJ-2022-01"]
    assert imported.status is HandoverStatus.effective and len(imported.assets) == 24


@pytest.mark.database("demo_region")
def test_after_the_demo_the_register_answers_who_maintains_what(db, demo_region):
    _demo_loaded(demo_region)
    session = db.session
    project = session.scalar(select(Project).where(Project.code == "TYQ-2021"))
    assert project.accepted_on == date(2021, 11, 20)
    assert len(project.community_links) == 27

    def asset(code: str) -> Asset:
        return session.scalar(select(Asset).where(Asset.code == code))

    water = asset("GXL-WS")
    assert water.warranty_until == date(2023, 11, 20)
    assert maintainer_on(water, date(2022, 2, 28)) is None
    assert maintainer_on(water, date(2026, 11, 21)).code == "TYQ-WATER"
    assert asset("DKHTXQ-HT").warranty_until == date(2024, 4, 15)
    roof = asset("XYL-1-ROOF")
    assert (roof.scope, roof.warranty_until) == ("building", date(2031, 11, 19))
    assert roof.project_item.kind == "roof_waterproofing"
    # The signed hand-over's receiver takes over only on its date.
    line = asset("DKHTXQ-TEL-CU")
    assert maintainer_on(line, clock.today()) is None
    assert maintainer_on(line, line.stints[-1].start).code == "TYQ-CU"


@pytest.mark.database("demo_region")
def test_after_the_demo_the_bureau_sees_a_backlog_in_2026(db, demo_region):
    _demo_loaded(demo_region)
    session = db.session
    bureau = session.scalar(select(User).where(User.username == "bureau"))
    backlog = handover_backlog(session, bureau, date(2026, 11, 21))
    overdue = {item.asset.code: item for item in backlog.items}
    assert overdue
    assert {"gas", "cable_tv", "telecom", "water_supply"} <= set(backlog.by_category)
    assert "GXL-WS" not in overdue and "GXL-CATV" in overdue
    # Accepted 2021-11-20, due 90 days later (2022-02-18).
    assert overdue["GXL-CATV"].days_overdue == (date(2026, 11, 21) - date(2022, 2, 18)).days
    assert overdue["GXL-CATV"].receiver.code == "TYQ-CATV"
    # An asset whose hand-over is under way shows that hand-over.
    assert overdue["ZJJJSL-WS"].handover.code == "YJ-2026-04"
    assert not any(item.asset.category not in {
        "water_supply", "drainage", "heating", "gas", "power", "telecom", "cable_tv"
    } for item in backlog.items)
