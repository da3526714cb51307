"""The bundle's `fund_entries` and `building_leaders` (docs/api.md#import; docs/domain.md#fund,
docs/domain.md#building-leaders): checked first, written once through the services' rules."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from pmsys.audit import AuditRecord
from pmsys.imports.services import import_bundle
from pmsys.models.fund import FundEntry, FundShare
from pmsys.models.leaders import BuildingAssignment
from pmsys.models.places import Building, Household
from tests.services.import_bundles import refused_unchanged, row_counts, small_bundle

D = Decimal
DEPOSITS = [
    {"community": "GXL", "ref": "D-101", "kind": "deposit", "household": "GXL/1/1/101",
     "amount": "3000.00", "on": "2021-06-01", "note": "首次缴存"},
    {"community": "GXL", "ref": "D-201", "kind": "deposit", "household": "GXL/1/2/201",
     "amount": 1000, "on": "2021-06-01"},
]
INTEREST = {"community": "GXL", "ref": "I-2021", "kind": "interest", "amount": "40.00",
            "on": "2021-12-21", "note": "2021 年利息"}
LEADERS = [
    {"user": "leader1", "community": "GXL", "buildings": ["1"], "start": "2022-03-01"},
    {"user": "grid1", "community": "GXL", "buildings": ["1"], "start": "2022-03-01"},
]
USERS = [
    {"username": "leader1", "password": "leads building one 2022", "role": "building_leader",
     "person": "P3"},
    {"username": "grid1", "password": "walks the grid of dh 2022", "role": "grid_worker",
     "org": "DH-CO"},
]


def bundle(*, fund=(), leaders=(), users=True) -> dict:
    result = small_bundle()
    if users:
        result["users"] = [*result["users"], *[dict(user) for user in USERS]]
    if fund:
        result["fund_entries"] = [dict(entry) for entry in fund]
    if leaders:
        result["building_leaders"] = [
            {**item, "buildings": list(item["buildings"])} for item in leaders]
    return result


def counted(db) -> dict:
    counts = row_counts(db.session)
    for name, model in (("fund_entries", FundEntry), ("fund_shares", FundShare),
                        ("assignments", BuildingAssignment), ("audit", AuditRecord)):
        counts[name] = db.session.scalar(select(func.count()).select_from(model))
    return counts


def errors_of(db, given, actor="cli") -> list[str]:
    """Import `given`, expecting it refused with nothing written; return the errors."""
    return refused_unchanged(db, given, counted, actor)


def shares(db) -> dict[tuple[str, str], D]:
    return {(ref, code): amount for ref, code, amount in db.session.execute(
        select(FundEntry.ref, Household.code, FundShare.amount)
        .join(FundShare, FundShare.entry_id == FundEntry.id)
        .join(Household, Household.id == FundShare.household_id))}


def test_fund_entries_load_and_interest_is_shared_by_the_ledgers_rule(db):
    summary = import_bundle(db.session, bundle(fund=[*DEPOSITS, INTEREST]), actor="cli")

    assert summary.counts["fund_entries"] == {"created": 3, "updated": 0, "unchanged": 0}
    # 40.00 over balances 3000 and 1000: 30.00 and 10.00, as the ledger shares interest.
    assert shares(db) == {("D-101", "101"): D("3000.00"), ("D-201", "201"): D("1000.00"),
                          ("I-2021", "101"): D("30.00"), ("I-2021", "201"): D("10.00")}
    entry = db.session.scalar(select(FundEntry).where(FundEntry.ref == "I-2021"))
    assert entry.created_at.date() == date(2021, 12, 21)
    assert entry.recorded_by_id is None and entry.status.value == "posted"
    record = db.session.scalar(select(AuditRecord).where(
        AuditRecord.action == "fund_entry_recorded", AuditRecord.object_key == str(entry.id)))
    assert record.actor == "cli"


def test_importing_the_fund_entries_again_changes_nothing(db):
    import_bundle(db.session, bundle(fund=[*DEPOSITS, INTEREST]), actor="cli")
    before = counted(db)

    summary = import_bundle(db.session, bundle(fund=[*DEPOSITS, INTEREST]), actor="cli")

    assert summary.counts["fund_entries"] == {"created": 0, "updated": 0, "unchanged": 3}
    assert counted(db)["fund_entries"] == before["fund_entries"]
    assert counted(db)["fund_shares"] == before["fund_shares"]


@pytest.mark.parametrize(("entry", "expected"), [
    ({**INTEREST, "kind": "spend"},
     "fund_entries[2].kind: a spend is not imported: it needs a passed vote and two "
     "signatures in pmsys"),
    ({**DEPOSITS[0], "ref": "D-X", "household": None},
     "fund_entries[2].household: a deposit names its household"),
    ({**INTEREST, "amount": "-5.00"}, "fund_entries[2].amount: amount must be more than zero"),
    ({**INTEREST, "kind": "correction", "note": ""},
     "fund_entries[2].note: say what the money is for"),
    ({**INTEREST, "community": "NOWHERE"}, "fund_entries[2].community: unknown community NOWHERE"),
    ({**INTEREST, "household": "GXL/1/1/999"},
     "fund_entries[2].household: unknown household GXL/1/1/999"),
    ({**INTEREST, "household": "OTHER/1/1/101"},
     "fund_entries[2].household: not a household of GXL"),
    ({**INTEREST, "ref": "D-101"}, "fund_entries[2].ref: duplicate: fund_entries[0] has this ref"),
    ({**INTEREST, "kind": "bonus"},
     "fund_entries[2].kind: must be one of deposit, interest, correction, spend"),
])
def test_a_bad_fund_entry_is_a_problem_at_its_path(db, entry, expected):
    errors = errors_of(db, bundle(fund=[*DEPOSITS, entry]))

    assert errors == [expected]


def test_a_shared_entry_needs_balances_to_share_by(db):
    errors = errors_of(db, bundle(fund=[INTEREST, *DEPOSITS]))

    assert errors == ["fund_entries[0].household: no household has a balance to share this "
                      "by; name the household"]


def test_another_content_under_a_recorded_ref_is_a_problem(db):
    import_bundle(db.session, bundle(fund=DEPOSITS), actor="cli")

    changed = [{**DEPOSITS[0], "amount": "3100.00"}, {**DEPOSITS[1], "on": "2021-06-02"}]
    errors = errors_of(db, bundle(fund=changed))

    assert errors == [
        "fund_entries[0].ref: GXL recorded ref D-101 for another entry; entries are never edited",
        "fund_entries[1].ref: GXL recorded ref D-201 for another entry; entries are never edited",
    ]


def assignments(db) -> list[tuple[str, str, date, int]]:
    return sorted((row.user.username, row.building.code, row.start, row.assigned_by_id)
                  for row in db.session.scalars(select(BuildingAssignment)))


def test_building_leaders_and_grid_workers_load_once(db):
    summary = import_bundle(db.session, bundle(leaders=LEADERS), actor="cli")

    assert summary.counts["building_leaders"] == {"created": 2, "updated": 0, "unchanged": 0}
    rows = assignments(db)
    assert [row[:3] for row in rows] == [("grid1", "1", date(2022, 3, 1)),
                                         ("leader1", "1", date(2022, 3, 1))]
    before = counted(db)

    again = import_bundle(db.session, bundle(leaders=LEADERS), actor="cli")

    assert again.counts["building_leaders"] == {"created": 0, "updated": 0, "unchanged": 2}
    assert counted(db)["assignments"] == before["assignments"]
    assert assignments(db) == rows


def test_a_building_leader_login_needs_a_person(db):
    given = bundle()
    given["users"][-2] = {**USERS[0], "person": None}

    assert errors_of(db, given) == ["users[3].person: required for a building_leader"]


@pytest.mark.parametrize(("change", "expected"), [
    ({"user": "zhang"},
     "building_leaders[0].user: zhang is not a building_leader or grid_worker login of the "
     "bundle"),
    ({"user": "nobody"},
     "building_leaders[0].user: nobody is not a building_leader or grid_worker login of the "
     "bundle"),
    ({"community": "NOWHERE"}, "building_leaders[0].community: unknown community NOWHERE"),
    ({"buildings": ["1", "9"]}, "building_leaders[0].buildings[1]: unknown building 9 of GXL"),
    ({"buildings": []}, "building_leaders[0].buildings: must not be empty"),
    ({"start": "soon"}, "building_leaders[0].start: must be a date as YYYY-MM-DD"),
])
def test_a_bad_assignment_is_a_problem_at_its_path(db, change, expected):
    errors = errors_of(db, bundle(leaders=[{**LEADERS[0], **change}, LEADERS[1]]))

    assert errors == [expected]


def test_a_grid_worker_works_for_the_communitys_offices(db):
    given = bundle(leaders=[LEADERS[1]])
    given["users"][-1]["org"] = "SLQ-SO"  # the street office of GXL's street: fine
    import_bundle(db.session, given, actor="cli")
    assert [row[:2] for row in assignments(db)] == [("grid1", "1")]

    given = bundle(leaders=[LEADERS[1]])
    given["organizations"].append({"code": "XX-CO", "name": "西街社区居委会",
                                   "kind": "community_office", "region": "SLQ"})
    given["users"][-1]["org"] = "XX-CO"

    assert errors_of(db, given) == [
        "building_leaders[0].user: grid1 works for neither the street office nor the community "
        "office of GXL"]


def test_an_import_by_a_user_records_who_assigned(db):
    import_bundle(db.session, bundle(), actor="cli")
    from pmsys.models.auth import Role, User

    admin = User(username="root", password_hash="x", role=Role.sysadmin)
    db.session.add(admin)
    db.session.flush()

    import_bundle(db.session, bundle(leaders=LEADERS[:1]), actor=admin)

    assert assignments(db) == [("leader1", "1", date(2022, 3, 1), admin.id)]
    assert db.session.scalar(select(Building.code)) == "1"


def test_an_entry_the_ledger_refuses_when_written_leaves_nothing_written(db):
    # After the correction, the only balance is below zero: nobody to share interest by,
    # which only the ledger itself finds out.
    corrected = {"community": "GXL", "ref": "C-101", "kind": "correction",
                 "household": "GXL/1/1/101", "amount": "-3500.00", "note": "多记了"}
    import_bundle(db.session, bundle(fund=[DEPOSITS[0], corrected]), actor="cli")

    errors = errors_of(db, bundle(fund=[DEPOSITS[0], corrected, INTEREST]))

    assert errors == ["fund_entries[2]: no household has a balance to share this by; name the "
                      "household"]
