"""Importing valid region bundles: what gets written, idempotency, updates, speed."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, select

from pmsys import clock
from pmsys.audit import AuditRecord
from pmsys.auth.passwords import verify_password
from pmsys.errors import Forbidden
from pmsys.imports import writer
from pmsys.imports.services import ImportSummary, import_bundle
from pmsys.models.auth import ApiToken, Organization, OrgKind, Role, User
from pmsys.models.governance import ManagementMode, ManagementTerm
from pmsys.models.places import Community, Household, Person, Region, RegionKind, Setting
from pmsys.settings import get_setting
from tests import factories
from tests.services.import_bundles import (
    PASSWORDS,
    row_counts,
    sized_bundle,
    small_bundle,
    snapshot,
)


def household(session, place: str) -> Household:
    code = place.rsplit("/", 1)[-1]
    for row in session.scalars(select(Household).where(Household.code == code)):
        if row.place_code == place:
            return row
    raise AssertionError(f"no household {place}")


def test_small_bundle_loads_every_section(db):
    summary = import_bundle(db.session, small_bundle(), actor="cli")

    assert summary.counts["households"] == {"created": 3, "updated": 0, "unchanged": 0}
    assert summary.counts["organizations"] == {"created": 7, "updated": 0, "unchanged": 0}
    assert summary.counts["units"]["created"] == 2
    session = db.session
    street = session.scalar(select(Region).where(Region.code == "SLQ"))
    assert street.kind is RegionKind.street
    assert [r.code for r in street.lineage()] == ["SLQ", "TYQ", "BT"]
    assert session.scalar(select(Region).where(Region.code == "BT")).name_en == "Baotou"

    water = session.scalar(select(Organization).where(Organization.code == "WATER"))
    assert water.kind is OrgKind.utility
    assert water.categories == ["drainage", "water_supply"]
    assert water.region.code == "TYQ" and water.phone == "0472-8812345"
    committee = session.scalar(select(Organization).where(Organization.code == "GXL-OC"))
    assert committee.community.code == "GXL"

    community = session.scalar(select(Community).where(Community.code == "GXL"))
    assert (community.name, community.built_year, community.street.code) == ("供销楼", 1995, "SLQ")
    assert community.community_office.code == "DH-CO"
    assert community.buildings[0].floors == 6

    first = household(session, "GXL/1/1/101")
    assert first.area == Decimal("62.50") and isinstance(first.area, Decimal)
    assert first.owner.code == "P1" and [p.code for p in first.residents] == ["P3"]
    assert household(session, "GXL/1/1/102").area == Decimal("48.30")
    assert household(session, "GXL/1/2/201").area == Decimal("70.00")

    users = {u.username: u for u in session.scalars(select(User))}
    assert users["zhang"].role is Role.resident and users["zhang"].person.code == "P1"
    assert users["water1"].organization.code == "WATER" and users["water1"].active
    assert users["bureau"].role is Role.bureau_admin
    for name, password in PASSWORDS.items():
        assert users[name].password_hash.startswith("scrypt:")
        assert verify_password(users[name].password_hash, password)

    terms = session.scalars(select(ManagementTerm).order_by(ManagementTerm.start)).all()
    assert [(t.mode, t.organization.code, t.start, t.end, t.basis) for t in terms] == [
        (ManagementMode.community, "DH-CO", date(2021, 1, 1), date(2021, 12, 31), "街道托管"),
        (ManagementMode.professional, "PM1", date(2022, 1, 1), None, ""),
    ]

    assert get_setting(session, "heating_season") == {"start": "10-15", "end": "04-15"}
    assert get_setting(session, "handover_overdue_days") == 60
    assert get_setting(session, "acceptance_min_satisfaction") == "0.85"
    assert {row.scope for row in session.scalars(select(Setting))} == {""}


def test_bundle_users_can_log_in_through_the_api(db, client):
    import_bundle(db.session, small_bundle(), actor="cli")
    db.session.commit()

    response = client.post(
        "/api/v1/auth/token", json={"username": "water1", "password": PASSWORDS["water1"]}
    )
    assert response.status_code == 201
    me = client.get("/api/v1/me", headers={"Authorization": "Bearer " + response.json["token"]})
    assert me.status_code == 200
    wrong = client.post("/api/v1/auth/token", json={"username": "water1", "password": "nope"})
    assert wrong.status_code == 401


def test_importing_the_same_bundle_twice_changes_nothing(db, monkeypatch):
    import_bundle(db.session, small_bundle(), actor="cli")
    before = snapshot(db.session)

    def no_hashing(password):
        raise AssertionError("an unchanged password must not be hashed again")

    monkeypatch.setattr(writer, "hash_password", no_hashing)
    summary = import_bundle(db.session, small_bundle(), actor="cli")

    for kind, tally in summary.counts.items():
        assert tally["created"] == tally["updated"] == 0, kind
    assert summary.counts["households"]["unchanged"] == 3
    assert summary.counts["users"]["unchanged"] == 3
    assert snapshot(db.session) == before


def test_changed_fields_are_updated_and_counted(db):
    import_bundle(db.session, small_bundle(), actor="cli")
    bundle = small_bundle()
    bundle["people"][1]["name"] = "李四（更正）"
    bundle["organizations"][2]["categories"] = ["water_supply", "heating"]
    bundle["communities"][0]["buildings"][0]["units"][0]["households"][1].update(
        {"area": "48.35", "owner": "P1", "residents": ["P2", "P3"]}
    )
    bundle["users"][1].update({"role": "manager", "org": "PM1"})
    bundle["settings"] = {"handover_overdue_days": 30}
    bundle["regions"][1]["name"] = "土右旗"

    summary = import_bundle(db.session, bundle, actor="cli")

    assert summary.counts["people"] == {"created": 0, "updated": 1, "unchanged": 2}
    assert summary.counts["organizations"] == {"created": 0, "updated": 1, "unchanged": 6}
    assert summary.counts["households"] == {"created": 0, "updated": 1, "unchanged": 2}
    assert summary.counts["users"] == {"created": 0, "updated": 1, "unchanged": 2}
    assert summary.counts["settings"] == {"created": 0, "updated": 1, "unchanged": 0}
    assert summary.counts["regions"] == {"created": 0, "updated": 1, "unchanged": 2}
    session = db.session
    changed = household(session, "GXL/1/1/102")
    assert changed.area == Decimal("48.35") and changed.owner.code == "P1"
    assert sorted(p.code for p in changed.residents) == ["P2", "P3"]
    water = session.scalar(select(Organization).where(Organization.code == "WATER"))
    assert water.categories == ["heating", "water_supply"]
    user = session.scalar(select(User).where(User.username == "water1"))
    assert user.role is Role.manager and user.organization.code == "PM1"
    assert get_setting(session, "handover_overdue_days") == 30
    # Settings the bundle left out keep their value.
    assert get_setting(session, "acceptance_min_satisfaction") == "0.85"


def test_same_area_written_differently_is_unchanged(db):
    import_bundle(db.session, small_bundle(), actor="cli")
    bundle = small_bundle()
    households = bundle["communities"][0]["buildings"][0]["units"][0]["households"]
    households[0]["area"] = 62.5
    households[1]["area"] = "48.30"
    summary = import_bundle(db.session, bundle, actor="cli")
    assert summary.counts["households"] == {"created": 0, "updated": 0, "unchanged": 3}


def test_a_new_password_is_hashed_and_ends_sessions(db):
    import_bundle(db.session, small_bundle(), actor="cli")
    user = db.session.scalar(select(User).where(User.username == "water1"))
    token = ApiToken(user=user, token_hash="x" * 64, expires_at=clock.now() + timedelta(days=1))
    db.session.add(token)
    old_session_token = user.session_token
    bundle = small_bundle()
    bundle["users"][1]["password"] = "a brand new passphrase"

    summary = import_bundle(db.session, bundle, actor="cli")

    assert summary.counts["users"] == {"created": 0, "updated": 1, "unchanged": 2}
    assert verify_password(user.password_hash, "a brand new passphrase")
    assert not verify_password(user.password_hash, PASSWORDS["water1"])
    assert user.password_changed_at is not None
    assert user.session_token != old_session_token
    db.session.refresh(token)
    assert token.revoked_at is not None


def test_deactivating_a_user_ends_its_sessions(db):
    import_bundle(db.session, small_bundle(), actor="cli")
    user = db.session.scalar(select(User).where(User.username == "zhang"))
    old_session_token = user.session_token
    bundle = small_bundle()
    bundle["users"][0]["active"] = False

    summary = import_bundle(db.session, bundle, actor="cli")

    assert summary.counts["users"]["updated"] == 1
    assert user.active is False and user.session_token != old_session_token


def test_nothing_absent_from_the_bundle_is_deleted(db):
    import_bundle(db.session, small_bundle(), actor="cli")
    before = row_counts(db.session)
    bundle = small_bundle()
    del bundle["settings"], bundle["users"], bundle["management_terms"]
    bundle["people"] = bundle["people"][:2]
    bundle["organizations"] = [o for o in bundle["organizations"] if o["code"] != "WATER"]
    unit = bundle["communities"][0]["buildings"][0]["units"][0]
    unit["households"] = unit["households"][:1]
    del unit["households"][0]["residents"]

    import_bundle(db.session, bundle, actor="cli")

    after = row_counts(db.session)
    after["bundle_imported"] -= 1
    assert after == before
    assert [p.code for p in household(db.session, "GXL/1/1/101").residents] == ["P3"]


def test_optional_fields_left_out_are_kept_and_null_clears_them(db):
    import_bundle(db.session, small_bundle(), actor="cli")
    bundle = small_bundle()
    community = bundle["communities"][0]
    del community["built_year"], community["community_office"]
    community["address"] = None
    del bundle["organizations"][2]["categories"]

    summary = import_bundle(db.session, bundle, actor="cli")

    assert summary.counts["communities"] == {"created": 0, "updated": 1, "unchanged": 0}
    assert summary.counts["organizations"]["updated"] == 0
    row = db.session.scalar(select(Community).where(Community.code == "GXL"))
    assert row.address is None
    assert row.built_year == 1995 and row.community_office.code == "DH-CO"


def test_bundle_may_refer_to_rows_already_in_the_database(db):
    import_bundle(db.session, small_bundle(), actor="cli")
    second = {
        "version": 1,
        "people": [{"code": "P9", "name": "赵六"}],
        "organizations": [
            {"code": "HJ-SM", "name": "环卫小区自管会", "kind": "self_management",
             "community": "HJ"},
        ],
        "communities": [
            {"code": "HJ", "name": "环卫小区", "street": "SLQ", "community_office": "DH-CO",
             "buildings": [{"code": "1", "units": [{"code": "1", "households": [
                 {"code": "101", "area": "55.00", "owner": "P1", "residents": ["P9"]},
             ]}]}]},
        ],
        "users": [
            {"username": "hj-manager", "password": "self managed since 2022", "role": "manager",
             "org": "HJ-SM", "person": "P2"},
        ],
        "management_terms": [
            {"community": "HJ", "mode": "self", "org": "HJ-SM", "start": "2022-03-01"},
            {"community": "GXL", "mode": "professional", "org": "PM1", "start": "2022-01-01",
             "end": "2024-12-31"},
            {"community": "GXL", "mode": "self", "org": "GXL-OC", "start": "2025-01-01"},
        ],
    }

    summary = import_bundle(db.session, second, actor="cli")

    assert summary.counts["management_terms"] == {"created": 2, "updated": 1, "unchanged": 0}
    assert summary.counts["people"] == {"created": 1, "updated": 0, "unchanged": 0}
    terms = db.session.scalars(
        select(ManagementTerm).join(Community).where(Community.code == "GXL")
        .order_by(ManagementTerm.start)
    ).all()
    assert [(t.start, t.end) for t in terms] == [
        (date(2021, 1, 1), date(2021, 12, 31)),
        (date(2022, 1, 1), date(2024, 12, 31)),
        (date(2025, 1, 1), None),
    ]
    assert household(db.session, "HJ/1/1/101").owner.code == "P1"
    org = db.session.scalar(select(Organization).where(Organization.code == "HJ-SM"))
    assert org.community.code == "HJ"


def test_existing_buildings_gain_new_units_and_households(db):
    import_bundle(db.session, small_bundle(), actor="cli")
    bundle = small_bundle()
    building = bundle["communities"][0]["buildings"][0]
    building["units"].append(
        {"code": "3", "households": [{"code": "301", "area": "80", "owner": "P2"}]}
    )
    building["units"][1]["households"].append({"code": "202", "area": "71.10", "owner": "P3"})

    summary = import_bundle(db.session, bundle, actor="cli")

    assert summary.counts["units"] == {"created": 1, "updated": 0, "unchanged": 2}
    assert summary.counts["households"] == {"created": 2, "updated": 0, "unchanged": 3}
    assert household(db.session, "GXL/1/3/301").area == Decimal("80.00")


def test_one_audit_record_without_passwords(db):
    summary = import_bundle(db.session, small_bundle(), actor="cli")
    records = db.session.scalars(
        select(AuditRecord).where(AuditRecord.action == "bundle_imported")
    ).all()
    assert len(records) == 1
    assert records[0].actor == "cli" and records[0].object_type == "bundle"
    assert records[0].data["counts"] == summary.counts
    text = repr(records[0].data)
    for password in PASSWORDS.values():
        assert password not in text
    assert "password" not in text


def test_an_import_by_a_user_is_audited_under_that_user(db):
    admin = factories.UserFactory(role=Role.sysadmin)
    import_bundle(db.session, small_bundle(), actor=admin)
    record = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "bundle_imported"))
    assert record.actor_id == admin.id


@pytest.mark.parametrize("role", [Role.resident, Role.manager, Role.street_officer])
def test_only_bureau_admins_and_sysadmins_may_import(db, role):
    if role is Role.resident:
        actor = factories.resident_of(factories.HouseholdFactory())
    else:
        actor = factories.staff(role, factories.OrganizationFactory(kind=OrgKind.street_office))
    before = row_counts(db.session)
    with pytest.raises(Forbidden):
        import_bundle(db.session, small_bundle(), actor=actor)
    assert row_counts(db.session) == before


def test_summary_describes_one_line_per_kind():
    summary = ImportSummary(
        {"people": {"created": 2, "updated": 1, "unchanged": 0},
         "households": {"created": 1514, "updated": 0, "unchanged": 0}}
    )
    assert summary.describe().splitlines() == [
        "people: 2 created, 1 updated, 0 unchanged",
        "households: 1514 created, 0 updated, 0 unchanged",
    ]


def _statements_while(db, work) -> int:
    statements = []
    engine = db.session.get_bind().engine

    def count(*_args):
        statements.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_reimport_queries_do_not_grow_with_the_bundle(db):
    small, large = sized_bundle(5, community="SMALL"), sized_bundle(400, community="LARGE")
    for bundle in (small, large):
        import_bundle(db.session, bundle, actor="cli")
    few = _statements_while(db, lambda: import_bundle(db.session, small, actor="cli"))
    many = _statements_while(db, lambda: import_bundle(db.session, large, actor="cli"))
    assert many == few
    assert many < 30, many


def test_demo_sized_bundle_loads_and_reloads(db):
    bundle = sized_bundle(1514)
    first = import_bundle(db.session, bundle, actor="demo")
    assert first.counts["households"]["created"] == 1514 + 3
    assert db.session.scalar(select(Person).where(Person.code == "BIG-1513")) is not None
    second = import_bundle(db.session, bundle, actor="demo")
    assert second.counts["households"] == {"created": 0, "updated": 0, "unchanged": 1517}
    assert second.counts["people"]["unchanged"] == 1517
