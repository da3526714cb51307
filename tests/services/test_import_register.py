"""Importing projects, assets and hand-overs: what is written, history, idempotence, checks."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import event, select

from pmsys.assets.services import maintainer_on
from pmsys.audit import AuditRecord
from pmsys.imports.services import BundleInvalid, import_bundle
from pmsys.models.assets import (
    Asset,
    AssetMaintainer,
    Handover,
    HandoverEvent,
    HandoverStatus,
    ItemClass,
    Project,
)
from pmsys.models.auth import Organization, Role
from tests import factories
from tests.services.import_bundles import row_counts, sized_bundle, small_bundle, snapshot


def asset(session, code: str) -> Asset:
    return session.scalar(select(Asset).where(Asset.code == code))


def handover(session, code: str) -> Handover:
    return session.scalar(select(Handover).where(Handover.code == code))


def org(session, code: str) -> Organization:
    return session.scalar(select(Organization).where(Organization.code == code))


def stints(session, code: str) -> list[tuple[str, date, date | None]]:
    rows = session.execute(
        select(Organization.code, AssetMaintainer.start, AssetMaintainer.end)
        .join(AssetMaintainer, AssetMaintainer.organization_id == Organization.id)
        .join(Asset, Asset.id == AssetMaintainer.asset_id)
        .where(Asset.code == code)
        .order_by(AssetMaintainer.start)
    )
    return [tuple(row) for row in rows]


def errors_of(db, bundle) -> list[str]:
    before = row_counts(db.session)
    with pytest.raises(BundleInvalid) as caught:
        import_bundle(db.session, bundle, actor="cli")
    assert row_counts(db.session) == before
    return caught.value.errors


def test_the_project_is_recorded_with_its_communities_and_items(db):
    summary = import_bundle(db.session, small_bundle(), actor="cli")

    assert summary.counts["projects"] == {"created": 1, "updated": 0, "unchanged": 0}
    assert summary.counts["project_items"] == {"created": 4, "updated": 0, "unchanged": 0}
    project = db.session.scalar(select(Project).where(Project.code == "2021-01"))
    assert (project.name, project.year, project.contractor.code) == ("供销楼改造", 2021, "BUILDER")
    assert (project.completed_on, project.accepted_on) == (date(2021, 10, 31), date(2021, 11, 20))
    assert project.satisfaction_rate == Decimal("0.9370")
    assert [link.community.code for link in project.community_links] == ["GXL"]
    # Nobody accepted it in pmsys: the bundle records an acceptance that happened.
    assert project.accepted_by is None
    items = [
        (i.kind, i.item_class, i.community.code if i.community else None,
         i.contractor.code if i.contractor else None, i.description)
        for i in project.items
    ]
    assert items == [
        ("water_pipes", ItemClass.basic, None, None, ""),
        ("drainage_pipes", ItemClass.basic, "GXL", None, ""),
        ("heating_pipes", ItemClass.basic, "GXL", None, ""),
        ("roof_waterproofing", ItemClass.basic, "GXL", "BUILDER", "1号楼屋面防水"),
    ]


def test_assets_get_their_place_renewal_and_statutory_warranty(db):
    summary = import_bundle(db.session, small_bundle(), actor="cli")

    assert summary.counts["assets"] == {"created": 5, "updated": 0, "unchanged": 0}
    session = db.session
    water, drains = asset(session, "GXL-WS"), asset(session, "GXL-DR")
    heat, roof, door = (asset(session, c) for c in ("GXL-HT", "GXL-1-ROOF", "GXL-1-2-DOOR"))
    assert [a.scope for a in (water, roof, door)] == ["community", "building", "unit"]
    assert (roof.building.code, door.building.code, door.unit.code) == ("1", "1", "2")
    assert drains.name == "供销楼排水管网" and water.name == ""
    # 建设工程质量管理条例 Art. 40 from the acceptance on 2021-11-20.
    assert water.warranty_until == date(2023, 11, 20)  # pipes: 2 years
    assert heat.warranty_until == date(2024, 4, 15)  # 2 full heating seasons from 2022-10-15
    assert roof.warranty_until == date(2028, 12, 31)  # the contract's date beats 5 years
    assert roof.warranty_contract_until == date(2028, 12, 31)
    assert water.warranty_contract_until is None
    assert door.warranty_until is None and door.project is None
    # The warranty contractor defaults to the project's contractor.
    assert {a.warranty_contractor.code for a in (water, drains, heat, roof)} == {"BUILDER"}
    assert door.warranty_contractor is None
    # Each is linked to the item that renewed it: its community's, else the project-wide one.
    assert (water.project_item.kind, water.project_item.community) == ("water_pipes", None)
    assert drains.project_item.kind == "drainage_pipes"
    assert roof.project_item.description == "1号楼屋面防水"
    assert door.project_item is None


def test_the_heating_season_of_the_bundle_sets_the_heating_warranty(db):
    bundle = small_bundle()
    bundle["settings"]["heating_season"] = {"start": "11-01", "end": "03-31"}
    import_bundle(db.session, bundle, actor="cli")
    # Seasons starting 2022-11-01 and 2023-11-01; the second ends 2024-03-31.
    assert asset(db.session, "GXL-HT").warranty_until == date(2024, 3, 31)


def test_a_contract_shorter_than_the_law_leaves_the_statutory_end(db):
    bundle = small_bundle()
    bundle["assets"][0]["warranty_until"] = "2022-12-31"
    import_bundle(db.session, bundle, actor="cli")
    water = asset(db.session, "GXL-WS")
    assert water.warranty_contract_until == date(2022, 12, 31)
    assert water.warranty_until == date(2023, 11, 20)


def test_an_imported_handover_is_effective_and_makes_the_receiver_maintainer(db):
    summary = import_bundle(db.session, small_bundle(), actor="cli")

    assert summary.counts["handovers"] == {"created": 1, "updated": 0, "unchanged": 0}
    session = db.session
    row = handover(session, "H-1")
    assert row.status is HandoverStatus.effective
    assert (row.from_org.code, row.to_org.code) == ("TYQ-HB", "WATER")
    assert row.effective_on == date(2022, 3, 1)
    assert [a.code for a in row.assets] == ["GXL-DR", "GXL-WS"]
    # Nobody signed in pmsys; the trail says where the record came from.
    assert row.receiver_signed_at is None and row.transferor_signed_at is None
    assert row.created_by_id is None and row.defects == []
    events = session.scalars(select(HandoverEvent).where(HandoverEvent.handover_id == row.id))
    assert [(e.action, e.status_after, e.actor_id) for e in events] == [
        ("import", "effective", None)
    ]
    record = session.scalar(select(AuditRecord).where(AuditRecord.action == "handover_imported"))
    assert (record.actor, record.object_key) == ("cli", "H-1")
    assert record.data == {"assets": ["GXL-DR", "GXL-WS"], "effective_on": "2022-03-01",
                           "from": "TYQ-HB", "to": "WATER"}

    assert stints(session, "GXL-WS") == [("WATER", date(2022, 3, 1), None)]
    water = asset(session, "GXL-WS")
    assert maintainer_on(water, date(2022, 2, 28)) is None
    assert maintainer_on(water, date(2022, 3, 1)).code == "WATER"
    assert stints(session, "GXL-HT") == []


def test_an_imported_handover_is_audited_under_the_importing_user(db):
    admin = factories.UserFactory(role=Role.sysadmin)
    import_bundle(db.session, small_bundle(), actor=admin)
    record = db.session.scalar(
        select(AuditRecord).where(AuditRecord.action == "handover_imported")
    )
    assert record.actor_id == admin.id


def test_importing_the_register_twice_changes_nothing(db):
    import_bundle(db.session, small_bundle(), actor="cli")
    before = snapshot(db.session)
    counts = row_counts(db.session)

    summary = import_bundle(db.session, small_bundle(), actor="cli")

    for kind in ("projects", "project_items", "assets", "handovers"):
        assert summary.counts[kind]["created"] == summary.counts[kind]["updated"] == 0, kind
    assert summary.counts["assets"]["unchanged"] == 5
    assert summary.counts["handovers"]["unchanged"] == 1
    assert snapshot(db.session) == before
    counts["bundle_imported"] += 1
    assert row_counts(db.session) == counts


def test_a_later_handover_closes_the_earlier_stint(db):
    import_bundle(db.session, small_bundle(), actor="cli")
    bundle = {"version": 1, "organizations": [
        {"code": "WATER2", "name": "新水务公司", "kind": "utility", "categories": ["water_supply"]},
    ], "handovers": [
        {"code": "H-2", "from": "WATER", "to": "WATER2", "assets": ["GXL-WS"],
         "effective_on": "2024-01-01"},
    ]}

    summary = import_bundle(db.session, bundle, actor="cli")

    assert summary.counts["handovers"]["created"] == 1
    assert stints(db.session, "GXL-WS") == [
        ("WATER", date(2022, 3, 1), date(2023, 12, 31)),
        ("WATER2", date(2024, 1, 1), None),
    ]
    assert stints(db.session, "GXL-DR") == [("WATER", date(2022, 3, 1), None)]
    water = asset(db.session, "GXL-WS")
    assert maintainer_on(water, date(2023, 12, 31)).code == "WATER"
    assert maintainer_on(water, date(2024, 1, 1)).code == "WATER2"
    again = import_bundle(db.session, bundle, actor="cli")
    assert again.counts["handovers"] == {"created": 0, "updated": 0, "unchanged": 1}
    assert len(stints(db.session, "GXL-WS")) == 2


def test_handovers_of_one_asset_apply_in_date_order_whatever_the_list_order(db):
    bundle = small_bundle()
    bundle["organizations"].append(
        {"code": "HEAT", "name": "热力公司", "kind": "utility", "categories": ["heating"]}
    )
    bundle["handovers"] = [
        {"code": "H-LATE", "from": "WATER", "to": "HEAT", "assets": ["GXL-HT"],
         "effective_on": "2023-09-01"},
        {"code": "H-EARLY", "from": "TYQ-HB", "to": "WATER", "assets": ["GXL-HT"],
         "effective_on": "2022-03-01"},
    ]
    import_bundle(db.session, bundle, actor="cli")
    assert stints(db.session, "GXL-HT") == [
        ("WATER", date(2022, 3, 1), date(2023, 8, 31)),
        ("HEAT", date(2023, 9, 1), None),
    ]


def test_an_asset_in_two_handovers_of_the_same_date(db):
    bundle = small_bundle()
    bundle["handovers"].append(
        {"code": "H-2", "from": "TYQ-HB", "to": "WATER", "assets": ["GXL-HT", "GXL-WS"],
         "effective_on": "2022-03-01"}
    )
    assert errors_of(db, bundle) == [
        "handovers[1].assets[1]: GXL-WS is also handed over by handovers[0] on 2022-03-01"
    ]


def test_duplicate_codes_of_projects_assets_and_handovers(db):
    bundle = small_bundle()
    bundle["projects"].append(dict(bundle["projects"][0], items=[]))
    bundle["assets"].append(dict(bundle["assets"][2]))
    bundle["handovers"].append(dict(bundle["handovers"][0], effective_on="2023-01-01"))
    assert errors_of(db, bundle) == [
        "projects[0].code: duplicate",
        "projects[1].code: duplicate",
        "assets[2].code: duplicate",
        "assets[5].code: duplicate",
        "handovers[0].code: duplicate",
        "handovers[1].code: duplicate",
    ]


def test_an_asset_outside_its_projects_communities(db):
    bundle = small_bundle()
    second = dict(bundle["communities"][0], code="HJ", name="环卫小区")
    bundle["communities"].append(second)
    bundle["assets"].append(
        {"code": "HJ-WS", "category": "water_supply", "community": "HJ", "project": "2021-01"}
    )
    assert errors_of(db, bundle) == ["assets[5].project: 2021-01 does not cover HJ"]
    bundle["projects"][0]["communities"].append("HJ")
    bundle["projects"][0]["items"].append({"kind": "water_pipes", "class": "basic",
                                           "community": "HJ"})
    import_bundle(db.session, bundle, actor="cli")
    hj = asset(db.session, "HJ-WS")
    assert (hj.project_item.kind, hj.project_item.community.code) == ("water_pipes", "HJ")


# Against what an earlier import left in the database.


@pytest.fixture
def loaded(db):
    import_bundle(db.session, small_bundle(), actor="cli")
    return snapshot(db.session)


def test_a_handover_not_after_the_current_maintainers_start(db, loaded):
    bundle = {"version": 1, "handovers": [
        {"code": "H-2", "from": "WATER", "to": "BUILDER", "assets": ["GXL-HT", "GXL-WS"],
         "effective_on": "2022-03-01"},
    ]}
    assert errors_of(db, bundle) == [
        "handovers[0].effective_on: GXL-WS: effective date 2022-03-01 is not after the current "
        "maintainer's start 2022-03-01"
    ]
    bundle["handovers"][0]["effective_on"] = "2022-03-02"
    import_bundle(db.session, bundle, actor="cli")
    assert stints(db.session, "GXL-WS")[0] == ("WATER", date(2022, 3, 1), date(2022, 3, 1))


def test_an_effective_handover_cannot_change(db, loaded):
    bundle = {"version": 1, "handovers": [
        {"code": "H-1", "from": "TYQ-HB", "to": "BUILDER", "assets": ["GXL-WS"],
         "effective_on": "2022-04-01"},
    ]}
    assert errors_of(db, bundle) == [
        "handovers[0].assets: H-1 took effect with assets GXL-DR, GXL-WS; an effective "
        "hand-over cannot change",
        "handovers[0].effective_on: H-1 took effect with effective_on 2022-03-01; an effective "
        "hand-over cannot change",
        "handovers[0].to: H-1 took effect with to WATER; an effective hand-over cannot change",
    ]
    assert snapshot(db.session) == loaded


def test_a_bundle_does_not_record_over_a_handover_in_progress(db, loaded):
    session = db.session
    draft = Handover(code="H-9", from_org=org(session, "TYQ-HB"), to_org=org(session, "WATER"),
                     assets=[asset(session, "GXL-HT")])
    session.add(draft)
    session.flush()
    bundle = {"version": 1, "handovers": [
        {"code": "H-9", "from": "TYQ-HB", "to": "WATER", "assets": ["GXL-HT"],
         "effective_on": "2023-01-01"},
    ]}
    assert errors_of(db, bundle) == [
        "handovers[0].code: H-9 is a draft hand-over; a bundle records only effective hand-overs"
    ]


def test_an_assets_community_cannot_change(db, loaded):
    bundle = small_bundle()
    second = dict(bundle["communities"][0], code="HJ", name="环卫小区")
    bundle["communities"].append(second)
    bundle["projects"][0]["communities"].append("HJ")
    bundle["assets"][1]["community"] = "HJ"
    assert errors_of(db, bundle) == [
        "assets[1].community: GXL-DR belongs to GXL; an asset's community cannot change"
    ]


def test_acceptance_never_precedes_completion_counting_recorded_dates(db, loaded):
    project = {"code": "2021-01", "year": 2021, "communities": ["GXL"]}
    assert errors_of(db, {"version": 1, "projects": [dict(project, accepted_on="2021-10-01")]}) \
        == ["projects[0].accepted_on: before completed_on (2021-10-31)"]
    assert errors_of(db, {"version": 1, "projects": [dict(project, completed_on="2021-12-01")]}) \
        == ["projects[0].completed_on: after accepted_on (2021-11-20)"]


def test_assets_may_name_places_and_projects_already_in_the_database(db, loaded):
    bundle = {"version": 1, "assets": [
        {"code": "GXL-1-1-LIFT", "category": "elevator", "community": "GXL", "building": "1",
         "unit": "1", "project": "2021-01"},
        {"code": "GXL-2-ROOF", "category": "roof_leak", "community": "GXL", "building": "2"},
        {"code": "GXL-1-3-DOOR", "category": "access_security", "community": "GXL",
         "building": "1", "unit": "3"},
    ]}
    assert errors_of(db, bundle) == [
        "assets[1].building: unknown building 2 in GXL",
        "assets[2].unit: unknown unit 3 in GXL/1",
    ]
    bundle["assets"] = bundle["assets"][:1]
    summary = import_bundle(db.session, bundle, actor="cli")
    assert summary.counts["assets"]["created"] == 1
    lift = asset(db.session, "GXL-1-1-LIFT")
    assert (lift.scope, lift.unit.code, lift.warranty_until) == ("unit", "1", date(2023, 11, 20))
    assert lift.project_item is None  # no item of the project renewed elevators


def test_a_project_gains_communities_and_items_and_keeps_the_rest(db, loaded):
    bundle = small_bundle()
    project = bundle["projects"][0]
    del project["name"]
    project["items"][1]["description"] = "雨污分流"
    project["items"].append({"kind": "road", "class": "basic"})
    summary = import_bundle(db.session, bundle, actor="cli")
    assert summary.counts["projects"] == {"created": 0, "updated": 0, "unchanged": 1}
    assert summary.counts["project_items"] == {"created": 1, "updated": 1, "unchanged": 3}
    row = db.session.scalar(select(Project).where(Project.code == "2021-01"))
    assert row.name == "供销楼改造"
    assert [i.kind for i in row.items][-1] == "road"
    assert row.items[1].description == "雨污分流"

    # A shorter list leaves the other items as they were.
    bundle["projects"][0]["items"] = bundle["projects"][0]["items"][:1]
    summary = import_bundle(db.session, bundle, actor="cli")
    assert summary.counts["project_items"] == {"created": 0, "updated": 0, "unchanged": 1}
    assert len(row.items) == 5


def test_a_new_acceptance_date_moves_every_warranty_of_the_project(db, loaded):
    bundle = {"version": 1, "projects": [
        {"code": "2021-01", "year": 2021, "communities": ["GXL"], "accepted_on": "2021-12-20"},
    ]}
    summary = import_bundle(db.session, bundle, actor="cli")
    assert summary.counts["projects"]["updated"] == 1
    # The assets were not in this bundle, yet their warranties follow the new date.
    assert summary.counts["assets"] == {"created": 0, "updated": 2, "unchanged": 2}
    assert asset(db.session, "GXL-WS").warranty_until == date(2023, 12, 20)
    assert asset(db.session, "GXL-DR").warranty_until == date(2023, 12, 20)
    # The same two heating seasons; the contract's date still beats five years.
    assert asset(db.session, "GXL-HT").warranty_until == date(2024, 4, 15)
    assert asset(db.session, "GXL-1-ROOF").warranty_until == date(2028, 12, 31)


def test_null_clears_the_contract_date_and_leaving_it_out_keeps_it(db, loaded):
    bundle = small_bundle()
    del bundle["assets"][3]["warranty_until"]
    summary = import_bundle(db.session, bundle, actor="cli")
    assert summary.counts["assets"]["updated"] == 0
    bundle["assets"][3]["warranty_until"] = None
    summary = import_bundle(db.session, bundle, actor="cli")
    assert summary.counts["assets"]["updated"] == 1
    roof = asset(db.session, "GXL-1-ROOF")
    assert roof.warranty_contract_until is None
    assert roof.warranty_until == date(2026, 11, 20)  # roof waterproofing: 5 years


def _selects_while(db, work) -> int:
    statements = []
    engine = db.session.get_bind().engine

    def count(_connection, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_reading_does_not_grow_with_the_register(db):
    import_bundle(db.session, sized_bundle(6, community="WARM"), actor="cli")
    small = sized_bundle(24, community="SMALL")
    large = sized_bundle(240, community="LARGE")
    assert (len(large["assets"]), len(large["handovers"])) == (32, 8)
    first = [_selects_while(db, lambda b=b: import_bundle(db.session, b, actor="cli"))
             for b in (small, large)]
    again = [_selects_while(db, lambda b=b: import_bundle(db.session, b, actor="cli"))
             for b in (small, large)]
    assert first[0] == first[1]
    assert again[0] == again[1] < 30
    assert stints(db.session, "LARGE-7-2-PW") == [("WATER", date(2022, 5, 1), None)]


def test_the_register_of_the_api_md_example_loads_as_written(db):
    bundle = small_bundle()
    bundle["projects"] = [{"code": "2021-01", "year": 2021, "contractor": "BUILDER",
                           "communities": ["GXL"], "accepted_on": "2021-11-20",
                           "items": [{"kind": "water_pipes", "class": "basic"}]}]
    bundle["assets"] = [{"code": "GXL-WS", "category": "water_supply", "community": "GXL",
                         "building": None, "unit": None, "project": "2021-01",
                         "warranty_contractor": "BUILDER", "warranty_until": None}]
    bundle["handovers"] = [{"code": "H-1", "from": "TYQ-HB", "to": "WATER",
                            "assets": ["GXL-WS"], "effective_on": "2022-03-01"}]
    summary = import_bundle(db.session, bundle, actor="cli")
    assert [summary.counts[kind]["created"] for kind in
            ("projects", "project_items", "assets", "handovers")] == [1, 1, 1, 1]
    project = db.session.scalar(select(Project).where(Project.code == "2021-01"))
    assert (project.name, project.completed_on, project.satisfaction_rate) == ("", None, None)
    water = asset(db.session, "GXL-WS")
    assert water.warranty_until == date(2023, 11, 20)
    assert stints(db.session, "GXL-WS") == [("WATER", date(2022, 3, 1), None)]
