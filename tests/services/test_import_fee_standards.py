"""The bundle's `fee_standards` (docs/api.md#import; docs/domain.md#fees): checked first, written
once."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from pmsys.audit import AuditRecord
from pmsys.fees import services
from pmsys.imports.services import import_bundle
from pmsys.models.auth import Organization
from pmsys.models.fees import Bill, FeeStandard
from pmsys.models.places import Community
from tests.fee_world import build_fee_world
from tests.services.import_bundles import refused_unchanged, row_counts, small_bundle
from tests.world import build_world

D = Decimal
GXL = {"community": "GXL", "price_per_m2_month": "0.50", "fixed_per_household": "0.00",
       "start": "2022-01-01"}


def with_standards(*standards) -> dict:
    bundle = small_bundle()
    bundle["fee_standards"] = [dict(standard) for standard in standards]
    return bundle


def only_standards(*standards) -> dict:
    return {"version": 1, "fee_standards": [dict(standard) for standard in standards]}


def standards(db) -> list[tuple[str, D, D, date]]:
    return [
        (code, price, fixed, start) for code, price, fixed, start in db.session.execute(
            select(Community.code, FeeStandard.price_per_m2_month,
                   FeeStandard.fixed_per_household, FeeStandard.start)
            .join(Community, Community.id == FeeStandard.community_id)
            .order_by(Community.code, FeeStandard.start))
    ]


def counted(db) -> dict:
    counts = row_counts(db.session)
    counts["fee_standards"] = db.session.scalar(select(func.count()).select_from(FeeStandard))
    counts["fee_standard_imported"] = db.session.scalar(
        select(func.count()).select_from(AuditRecord)
        .where(AuditRecord.action == "fee_standard_imported"))
    return counts


def errors_of(db, bundle, actor="cli") -> list[str]:
    """Import `bundle`, expecting it refused with nothing written; return the errors."""
    return refused_unchanged(db, bundle, counted, actor)


def test_the_api_md_example_loads_with_the_manager_of_its_term(db):
    summary = import_bundle(db.session, with_standards(GXL), actor="cli")

    assert summary.counts["fee_standards"] == {"created": 1, "updated": 0, "unchanged": 0}
    assert standards(db) == [("GXL", D("0.50"), D("0.00"), date(2022, 1, 1))]
    row = db.session.scalar(select(FeeStandard))
    # The professional term of PM1 starts on 2022-01-01, the standard's first day.
    assert db.session.get(Organization, row.organization_id).code == "PM1"
    assert row.set_by_id is None
    record = db.session.scalar(select(AuditRecord)
                               .where(AuditRecord.action == "fee_standard_imported"))
    assert (record.actor, record.object_key) == ("cli", "GXL")
    assert record.data == {"price": "0.50", "fixed": "0.00", "start": "2022-01-01"}


def test_importing_the_standards_twice_changes_nothing(db):
    bundle = with_standards(GXL, {**GXL, "price_per_m2_month": 0.6, "start": "2024-07-01",
                                  "fixed_per_household": 3})
    assert import_bundle(db.session, bundle, actor="cli").counts["fee_standards"]["created"] == 2
    before = counted(db)

    # Written differently, the same amounts are the same standard.
    again = with_standards({**GXL, "price_per_m2_month": "0.5000"},
                           {**GXL, "price_per_m2_month": "0.60", "start": "2024-07-01",
                            "fixed_per_household": "3.00"})
    summary = import_bundle(db.session, again, actor="cli")

    assert summary.counts["fee_standards"] == {"created": 0, "updated": 0, "unchanged": 2}
    after = counted(db)
    assert after["fee_standards"] == before["fee_standards"] == 2
    assert after["fee_standard_imported"] == before["fee_standard_imported"] == 2
    assert standards(db) == [("GXL", D("0.50"), D("0.00"), date(2022, 1, 1)),
                             ("GXL", D("0.60"), D("3.00"), date(2024, 7, 1))]


def test_a_standard_without_bills_is_updated_and_a_left_out_fixed_part_kept(db):
    import_bundle(db.session, with_standards({**GXL, "fixed_per_household": "2.00"}),
                  actor="cli")
    changed = {"community": "GXL", "price_per_m2_month": "0.55", "start": "2022-01-01"}
    summary = import_bundle(db.session, only_standards(changed), actor="cli")
    assert summary.counts["fee_standards"] == {"created": 0, "updated": 1, "unchanged": 0}
    assert standards(db) == [("GXL", D("0.55"), D("2.00"), date(2022, 1, 1))]
    left_out = {"community": "GXL", "price_per_m2_month": "0.40", "start": "2023-01-01"}
    import_bundle(db.session, only_standards(left_out), actor="cli")
    assert standards(db)[-1] == ("GXL", D("0.40"), D("0.00"), date(2023, 1, 1))


def test_a_standard_may_name_a_community_already_in_the_database(db):
    world = build_world()
    admin = world.users["sysadmin"]
    summary = import_bundle(db.session, only_standards(
        {"community": "CC", "price_per_m2_month": "0.25", "start": "2025-07-01"}), actor=admin)
    assert summary.counts["fee_standards"]["created"] == 1
    row = db.session.scalar(select(FeeStandard))
    # CC has no manager until next year; the importing user is recorded.
    assert (row.organization_id, row.set_by_id) == (None, admin.id)
    assert services.run_billing(db.session, "scheduler", "2025-07") == 1


@pytest.mark.parametrize("change, expected", [
    ({"community": None}, "fee_standards[0].community: required"),
    ({"community": "NOPE"}, "fee_standards[0].community: unknown community NOPE"),
    ({"community": "GXL/1"}, "fee_standards[0].community: must not contain '/'"),
    ({"price_per_m2_month": "0.12345"},
     "fee_standards[0].price_per_m2_month: at most 4 decimal places"),
    ({"price_per_m2_month": "-0.50"},
     "fee_standards[0].price_per_m2_month: must be between 0 and 999999"),
    ({"price_per_m2_month": "cheap"},
     'fee_standards[0].price_per_m2_month: must be a decimal number such as "0.50"'),
    ({"price_per_m2_month": None}, "fee_standards[0].price_per_m2_month: required"),
    ({"fixed_per_household": "1.005"},
     "fee_standards[0].fixed_per_household: at most 2 decimal places"),
    ({"fixed_per_household": -1},
     "fee_standards[0].fixed_per_household: must be between 0 and 99999999.99"),
    ({"fixed_per_household": None}, "fee_standards[0].fixed_per_household: must not be null"),
    ({"start": "2022-01"}, "fee_standards[0].start: must be a date as YYYY-MM-DD"),
    ({"start": None}, "fee_standards[0].start: required"),
    ({"colour": "red"}, "fee_standards[0].colour: unknown field"),
])
def test_each_problem_is_reported_at_its_path(db, change, expected):
    assert errors_of(db, with_standards({**GXL, **change})) == [expected]


@pytest.mark.parametrize("value, expected", [
    ({}, ["fee_standards: must be a list"]),
    ([1], ["fee_standards[0]: must be an object"]),
])
def test_the_section_must_be_a_list_of_objects(db, value, expected):
    bundle = small_bundle()
    bundle["fee_standards"] = value
    assert errors_of(db, bundle) == expected


def test_two_standards_of_a_community_cannot_start_on_one_day(db):
    bundle = with_standards(GXL, {**GXL, "price_per_m2_month": "0.60"})
    assert errors_of(db, bundle) == [
        "fee_standards[0].start: duplicate: fee_standards[1] also starts then",
        "fee_standards[1].start: duplicate: fee_standards[0] also starts then",
    ]


def test_a_bundle_with_one_bad_standard_writes_nothing(db):
    bundle = with_standards(GXL, {**GXL, "start": "2023-01-01", "community": "NOPE"})
    assert errors_of(db, bundle) == ["fee_standards[1].community: unknown community NOPE"]
    assert db.session.scalar(select(func.count()).select_from(Community)) == 0


# --- against bills already made ---------------------------------------------------------

@pytest.fixture
def fees(db):
    return build_fee_world()  # CA 0.50 from 2025-01-01, billed 2025-04 to 2025-06


CA = {"community": "CA", "price_per_m2_month": "0.50", "start": "2025-01-01"}


def test_a_billed_standard_named_again_unchanged_is_left_alone(db, fees):
    for standard in (CA, {**CA, "price_per_m2_month": 0.5, "fixed_per_household": "0"}):
        summary = import_bundle(db.session, only_standards(standard), actor="cli")
        assert summary.counts["fee_standards"] == {"created": 0, "updated": 0, "unchanged": 1}
    assert standards(db)[0] == ("CA", D("0.50"), D("0.00"), date(2025, 1, 1))


@pytest.mark.parametrize("change", [{"price_per_m2_month": "0.55"},
                                    {"fixed_per_household": "1.00"}])
def test_a_billed_standard_cannot_change(db, fees, change):
    assert errors_of(db, only_standards({**CA, **change})) == [
        "fee_standards[0]: bills of CA were made with the standard from 2025-01-01; "
        "its amounts cannot change"]


@pytest.mark.parametrize("start", ["2025-06-30", "2025-06-01", "2024-12-01"])
def test_a_new_standard_cannot_start_inside_billed_months(db, fees, start):
    assert errors_of(db, only_standards({**CA, "price_per_m2_month": "0.60", "start": start})) \
        == ["fee_standards[0].start: CA is billed up to 2025-06; a new standard starts after that"]


def test_a_new_standard_after_the_billed_months_bills_the_next_month(db, fees):
    summary = import_bundle(db.session, only_standards(
        {**CA, "price_per_m2_month": "0.60", "start": "2025-07-01"}), actor="cli")
    assert summary.counts["fee_standards"]["created"] == 1
    row = db.session.scalar(select(FeeStandard).where(FeeStandard.start == date(2025, 7, 1)))
    assert row.organization_id == fees.users["manager_a"].organization_id
    services.run_billing(db.session, "scheduler", "2025-07")
    bill = db.session.scalar(select(Bill).where(
        Bill.period == "2025-07", Bill.household_id == fees.households["CA/3/1/301"].id))
    assert (bill.standard_id, bill.amount) == (row.id, D("36.15"))


# --- who may load what (docs/reliability.md#list-consistency) -------------------------------------

def test_a_bureau_admin_loads_standards_of_its_district_only(db):
    world = build_world()
    bureau = world.users["bureau"]  # district D1: CA and CC
    cb = {"community": "CB", "price_per_m2_month": "0.45", "start": "2025-07-01"}
    ca = {**cb, "community": "CA"}
    assert errors_of(db, only_standards(ca, cb), actor=bureau) == [
        "fee_standards[1].community: outside your area"]
    summary = import_bundle(db.session, only_standards(ca), actor=bureau)
    assert summary.counts["fee_standards"]["created"] == 1
    assert standards(db) == [("CA", D("0.45"), D("0.00"), date(2025, 7, 1))]
    record = db.session.scalar(select(AuditRecord)
                               .where(AuditRecord.action == "fee_standard_imported"))
    assert record.actor_id == bureau.id
