"""The asset register: scope, the renewing project, warranty ends, maintainers by date."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from pmsys import clock
from pmsys.assets.services import (
    create_asset,
    create_handover,
    maintainer_on,
    set_warranty_contract,
    take_action,
)
from pmsys.audit import AuditRecord
from pmsys.errors import Conflict, Forbidden, InvalidInput, NotFound
from pmsys.models.assets import Asset, ProjectItem
from tests.asset_factories import build_region, party_user, project_for, setting, stint
from tests.factories import BuildingFactory

NOW = datetime(2023, 6, 1, 2, 0, tzinfo=UTC)
ACCEPTED = date(2021, 11, 20)


@pytest.fixture
def region(db):
    clock.set_now(NOW)
    region = build_region()
    region.places["project"] = project_for(
        [region.ca, region.cc], accepted_on=ACCEPTED, code="2021-01",
        contractor=region.builder,
    )
    return region


def register(db, region, who="bureau", **kwargs) -> Asset:
    values = {"code": "CA-WS", "category": "water_supply", "community": "CA",
              "project": "2021-01"}
    values.update(kwargs)
    return create_asset(db.session, region.users[who], **values)


# --- warranty ends ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "until"),
    [
        ("water_supply", date(2023, 11, 20)),  # Art. 40 (4): 2 years
        ("drainage", date(2023, 11, 20)),
        ("power", date(2023, 11, 20)),
        ("roof_leak", date(2026, 11, 20)),  # Art. 40 (2): 5 years
        ("facade", date(2026, 11, 20)),
        ("heating", date(2024, 4, 15)),  # Art. 40 (3): 2 full heating seasons from 2022-10-15
        ("road", None),  # no statutory minimum: only a contract gives one
    ],
)
def test_warranty_end_follows_the_category(db, region, category, until):
    asset = register(db, region, code=f"CA-{category}", category=category)
    assert asset.warranty_until == until
    assert asset.warranty_contract_until is None


def test_heating_warranty_follows_the_regions_heating_season(db, region):
    setting("heating_season", {"start": "11-01", "end": "03-31"}, scope=region.d1.code)
    asset = register(db, region, code="CA-HT", category="heating")
    # Seasons starting 2022-11-01 and 2023-11-01; the second ends 2024-03-31.
    assert asset.warranty_until == date(2024, 3, 31)


def test_the_nearest_regions_heating_season_wins(db, region):
    setting("heating_season", {"start": "11-01", "end": "03-31"}, scope=region.d1.code)
    setting("heating_season", {"start": "11-15", "end": "03-15"}, scope=region.s3.code)
    in_s1 = register(db, region, code="CA-HT", category="heating")
    in_s3 = register(db, region, code="CC-HT", category="heating", community="CC")
    assert in_s1.warranty_until == date(2024, 3, 31)
    assert in_s3.warranty_until == date(2024, 3, 15)


def test_a_longer_contract_date_wins(db, region):
    asset = register(db, region, warranty_contract_until="2025-01-01")
    assert asset.warranty_contract_until == date(2025, 1, 1)
    assert asset.warranty_until == date(2025, 1, 1)


def test_a_shorter_contract_date_does_not(db, region):
    asset = register(db, region, warranty_contract_until=date(2022, 1, 1))
    assert asset.warranty_contract_until == date(2022, 1, 1)
    assert asset.warranty_until == date(2023, 11, 20)


def test_without_an_accepted_project_only_the_contract_counts(db, region):
    project_for([region.ca], accepted_on=None, code="2023-01")
    pending = register(db, region, code="A1", project="2023-01")
    contract_only = register(db, region, code="A2", project=None,
                             warranty_contract_until="2024-06-30")
    nothing = register(db, region, code="A3", project=None)
    assert pending.warranty_until is None
    assert contract_only.warranty_until == date(2024, 6, 30)
    assert nothing.warranty_until is None and nothing.project is None


def test_setting_the_contract_later_recomputes_the_end(db, region):
    asset = register(db, region)
    set_warranty_contract(db.session, region.users["bureau"], asset, "2026-01-31", "BUILDER")
    assert asset.warranty_until == date(2026, 1, 31)
    set_warranty_contract(db.session, region.users["bureau"], asset, None, None)
    assert asset.warranty_until == date(2023, 11, 20)
    assert asset.warranty_contractor.code == "BUILDER"
    entries = db.session.scalars(select(AuditRecord.data).where(
        AuditRecord.action == "asset_warranty_set").order_by(AuditRecord.id)).all()
    assert entries == [{"contract_until": "2026-01-31", "warranty_until": "2026-01-31"},
                       {"contract_until": None, "warranty_until": "2023-11-20"}]
    with pytest.raises(Forbidden):
        set_warranty_contract(db.session, region.users["officer"], asset, "2030-01-01", None)
    with pytest.raises(InvalidInput):
        set_warranty_contract(db.session, region.users["bureau"], asset, "2030-01-01", "WATER")
    assert asset.warranty_until == date(2023, 11, 20)


# --- scope, places, project ---------------------------------------------------------


def test_scope_community_building_unit(db, region):
    whole = register(db, region, code="A-C")
    block = register(db, region, code="A-B", building="2", category="roof_leak")
    entrance = register(db, region, code="A-U", building="2", unit="1",
                        category="access_security")
    assert (whole.scope, whole.building, whole.unit) == ("community", None, None)
    assert block.scope == "building" and block.building == region.ca_b2
    assert entrance.scope == "unit" and entrance.unit == region.ca_b2_u1
    entry = db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == "asset_created", AuditRecord.object_key == "A-U")).one()
    assert entry.data == {"category": "access_security", "community": "CA", "scope": "unit",
                          "warranty_until": "2023-11-20"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"building": "1", "community": "CB", "project": None, "who": "bureau_b"},
         None),  # control: CB's own building 1 is fine
        ({"building": "9"}, "building"),
        ({"building": "2", "unit": "9"}, "unit"),
        ({"unit": "1"}, "unit"),  # a unit needs its building
        ({"project": "NOPE"}, "project"),
        ({"item": "road", "project": None}, "item"),
        ({"item": "road"}, "item"),  # the project has no road item
        ({"category": "moat"}, "category"),
        ({"category": ["water_supply"]}, "category"),
        ({"code": ""}, "code"),
        ({"code": "CA/WS"}, "code"),
        ({"name": "x" * 201}, "name"),
        ({"warranty_contract_until": "2025-02-30"}, "warranty_contract_until"),
        ({"warranty_contractor": "WATER"}, "warranty_contractor"),
        ({"warranty_contractor": "NOPE"}, "warranty_contractor"),
    ],
)
def test_bad_asset_input_is_refused_with_the_field(db, region, change, field):
    who = change.pop("who", "bureau")
    if field is None:
        assert register(db, region, who=who, **change).scope == "building"
        return
    with pytest.raises(InvalidInput) as refused:
        register(db, region, who=who, **change)
    assert field in refused.value.fields
    assert db.session.scalar(select(Asset.id)) is None


def test_building_and_unit_must_belong_to_the_community(db, region):
    BuildingFactory(community=region.cb, code="3")  # CB has a building 3, CA has none
    with pytest.raises(InvalidInput) as refused:
        register(db, region, building="3")
    assert refused.value.fields == {"building": "unknown"}
    region.ca_b2_u1.code = "5"  # CA/2 has no unit 1 now; CA/1/1 and CB/1/1 still exist
    db.session.flush()
    with pytest.raises(InvalidInput) as refused:
        register(db, region, building="2", unit="1")
    assert refused.value.fields == {"unit": "unknown"}
    assert register(db, region, building="2", unit="5").unit == region.ca_b2_u1


def test_the_project_must_cover_the_community(db, region):
    project_for([region.cb], accepted_on=ACCEPTED, code="CB-PRJ")
    with pytest.raises(InvalidInput) as refused:
        register(db, region, project="CB-PRJ")
    assert refused.value.fields == {"project": "does not cover the community"}


def test_duplicate_asset_code_is_a_conflict(db, region):
    register(db, region)
    with pytest.raises(Conflict) as refused:
        register(db, region, community="CC")
    assert refused.value.code == "duplicate_code"


@pytest.mark.parametrize(
    "who", ["officer", "committee_a", "manager_a", "resident_a", "water", "builder"]
)
def test_only_register_keepers_add_assets(db, region, who):
    with pytest.raises(Forbidden):
        register(db, region, who=who)
    assert db.session.scalar(select(Asset.id)) is None


@pytest.mark.parametrize("who", ["bureau_b", "officer_b", "committee_b", "resident_b"])
def test_a_community_the_actor_cannot_see_is_not_found(db, region, who):
    with pytest.raises(NotFound):
        register(db, region, who=who)
    with pytest.raises(NotFound):
        register(db, region, who="bureau", community="NOPE")


def test_sysadmin_keeps_every_register(db, region):
    asset = register(db, region, who="sysadmin", community="CB", project=None)
    assert asset.community == region.cb


# --- the renewing project item ------------------------------------------------------


def test_the_one_item_renewing_the_category_is_linked(db, region):
    project = region.project
    project.items.append(ProjectItem(kind="water_pipes", item_class="basic",
                                     contractor=region.builder_b))
    project.items.append(ProjectItem(kind="heating_pipes", item_class="basic"))
    project.items.append(ProjectItem(kind="heating_pipes", item_class="basic"))
    db.session.flush()

    water = register(db, region, code="W")
    heating = register(db, region, code="H", category="heating")
    named = register(db, region, code="H2", category="heating", item="heating_pipes")

    assert water.project_item.kind == "water_pipes"
    assert water.warranty_contractor.code == "BUILDER-B"  # the item's contractor first
    assert heating.project_item is None  # two candidates: left to the keeper
    assert heating.warranty_contractor.code == "BUILDER"  # then the project's
    assert named.project_item.kind == "heating_pipes"


def test_an_item_of_this_community_is_preferred(db, region):
    project = region.project
    project.items.append(ProjectItem(kind="water_pipes", item_class="basic"))
    project.items.append(ProjectItem(kind="water_pipes", item_class="basic",
                                     community=region.ca))
    project.items.append(ProjectItem(kind="water_pipes", item_class="basic",
                                     community=region.cc))
    db.session.flush()
    asset = register(db, region)
    assert asset.project_item.community == region.ca


def test_an_explicit_contractor_wins(db, region):
    asset = register(db, region, warranty_contractor="BUILDER-B")
    assert asset.warranty_contractor.code == "BUILDER-B"


# --- who maintained it on a date ----------------------------------------------------


def walk(db, region, code, frm, to, asset_code, effective_on, inspected_on):
    """Carry a hand-over from draft to effective (on a date before today)."""
    handover = create_handover(db.session, region.users["bureau"], code=code, from_org=frm,
                               to_org=to, assets=[asset_code])
    transferor = party_user(region, handover.from_org)
    receiver = party_user(region, handover.to_org)
    take_action(db.session, transferor, handover, "submit")
    take_action(db.session, receiver, handover, "inspect", inspected_on=inspected_on)
    take_action(db.session, receiver, handover, "sign", effective_on=effective_on)
    take_action(db.session, transferor, handover, "sign")
    take_action(db.session, region.users["committee_a"], handover, "sign")
    assert handover.status.value == "effective"
    return handover


def test_maintainer_on_every_boundary_after_two_handovers(db, region):
    asset = register(db, region)
    stint(asset, region.pm_a, date(2020, 1, 1))  # the property company looked after it first
    first = walk(db, region, "H-1", "HB1", "WATER", "CA-WS", "2022-03-01", "2022-02-20")
    second = walk(db, region, "H-2", "WATER", "HEAT", "CA-WS", "2023-01-01", "2022-12-20")
    db.session.expire(asset, ["stints"])

    expected = [
        (date(2019, 12, 31), None),
        (date(2020, 1, 1), region.pm_a),
        (date(2022, 2, 28), region.pm_a),
        (date(2022, 3, 1), region.water),
        (date(2022, 12, 31), region.water),
        (date(2023, 1, 1), region.heat),
        (date(2030, 1, 1), region.heat),
    ]
    for day, org in expected:
        assert maintainer_on(asset, day) == org, day
    assert [(s.organization.code, s.start, s.end, s.handover_id) for s in asset.stints] == [
        ("PM-A", date(2020, 1, 1), date(2022, 2, 28), None),
        ("WATER", date(2022, 3, 1), date(2022, 12, 31), first.id),
        ("HEAT", date(2023, 1, 1), None, second.id),
    ]
    # Every day of the history has exactly one answer.
    day = date(2020, 1, 1)
    while day <= date(2023, 2, 1):
        assert sum(s.start <= day and (s.end is None or day <= s.end) for s in asset.stints) == 1
        day += timedelta(days=1)
