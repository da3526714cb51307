"""The maintenance fund ledger as a service (docs/domain.md#fund): deposits, interest, spends
against a vote with two signatures, corrections, balances and who reads what."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from pmsys.audit import AuditRecord
from pmsys.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleRefused
from pmsys.fund import ledger
from pmsys.models.fund import FundEntry, FundShare, FundSignature, FundStatus
from tests.fund_world import build_fund_world, closed_vote

D = Decimal


@pytest.fixture
def world(db):
    return build_fund_world()


def balances(db, world) -> dict[str, Decimal]:
    by_id = ledger.household_balances(db.session, world.community)
    return {path: by_id.get(h.id, D("0.00")) for path, h in world.households.items()
            if path.startswith("VA/")}


def collect(db, world, actor=None, rate="30", prefix="DEP-2025"):
    return ledger.collect_deposits(db.session, actor or world.officer, world.community,
                                   rate=rate, prefix=prefix)


def record(db, world, actor=None, **body):
    body = {"ref": "R-1", "kind": "deposit", "amount": "100.00",
            "household": "VA/1/1/101", "note": "", **body}
    return ledger.record_entry(db.session, actor or world.officer, world.community, **body)


def spend(db, world, actor=None, ref="S-1", amount="600.00", vote=None):
    return record(db, world, actor, ref=ref, kind="spend", amount=amount, household=None,
                  vote=(vote or world.fund_vote).id, note="屋面防水")


def test_collecting_deposits_makes_one_per_household_by_area_and_again_none(db, world):
    made, total = collect(db, world)
    assert (made, total) == (8, D("15000.00"))  # 500 m² × 30
    assert balances(db, world)["VA/1/1/101"] == D("2400.00")
    assert balances(db, world)["VA/2/1/202"] == D("2700.00")
    assert collect(db, world) == (0, D("0"))
    assert db.session.scalar(select(func.count(FundEntry.id))) == 8
    refs = set(db.session.scalars(select(FundEntry.ref)))
    assert "DEP-2025/1/1/101" in refs
    top_up = collect(db, world, rate="1.5", prefix="TOPUP-2026")
    assert top_up == (8, D("750.00"))
    assert db.session.scalar(select(func.count(AuditRecord.id)).where(
        AuditRecord.action == "fund_deposits_collected")) == 3


def test_the_same_ref_returns_the_first_entry_and_another_body_is_refused(db, world):
    first, created = record(db, world)
    again, created_again = record(db, world)
    assert created and not created_again and again.id == first.id
    with pytest.raises(Conflict) as refused:
        record(db, world, amount="100.01")
    assert refused.value.code == "ref_conflict"
    with pytest.raises(Conflict):
        record(db, world, household="VA/1/1/102")
    assert db.session.scalar(select(func.count(FundEntry.id))) == 1


def test_interest_is_shared_by_balance_to_the_fen(db, world):
    record(db, world, ref="D1", household="VA/1/1/101", amount="100.00")
    record(db, world, ref="D2", household="VA/1/1/102", amount="200.00")
    entry, _ = record(db, world, ref="I1", kind="interest", household=None, amount="10.00")
    shares = dict(db.session.execute(select(FundShare.household_id, FundShare.amount)
                                     .where(FundShare.entry_id == entry.id)).all())
    # 10 × 1/3 = 3.33, 10 × 2/3 = 6.67: exactly 10.00.
    assert shares == {world.households["VA/1/1/101"].id: D("3.33"),
                      world.households["VA/1/1/102"].id: D("6.67")}
    seen = ledger.statement(db.session, world.officer, world.community)
    assert seen.balance == D("310.00")
    assert {line.building: line.balance for line in seen.buildings} == {
        "1": D("310.00"), "2": D("0.00")}


def test_interest_with_no_balance_to_share_names_a_household(db, world):
    with pytest.raises(RuleRefused) as refused:
        record(db, world, kind="interest", household=None, amount="1.00")
    assert refused.value.code == "no_balance_to_share"
    entry, _ = record(db, world, kind="interest", household="VA/2/1/101", amount="1.00")
    assert entry.household_id == world.households["VA/2/1/101"].id


def test_a_spend_waits_for_both_signatures_and_is_shared_by_area(db, world):
    collect(db, world)
    entry, created = spend(db, world)
    assert created and entry.status is FundStatus.pending and entry.amount == D("-600.00")
    seen = ledger.statement(db.session, world.officer, world.community)
    assert (seen.balance, seen.pending) == (D("15000.00"), D("600.00"))
    ledger.sign(db.session, world.committee, entry)
    assert entry.status is FundStatus.pending
    with pytest.raises(Conflict) as twice:
        ledger.sign(db.session, world.committee, entry)
    assert twice.value.code == "already_signed"
    ledger.sign(db.session, world.officer, entry)
    assert entry.status is FundStatus.posted and entry.posted_at is not None
    signatures = db.session.execute(select(FundSignature.side, FundSignature.user_id)
                                    .where(FundSignature.entry_id == entry.id)
                                    .order_by(FundSignature.id)).all()
    assert [(s.value, u) for s, u in signatures] == [
        ("committee", world.committee.id), ("street_office", world.officer.id)]
    # 600 by area over 500 m²: 1.20 per m²; VA/1/1/101 has 80 m².
    after = balances(db, world)
    assert after["VA/1/1/101"] == D("2400.00") - D("96.00")
    assert sum(after.values()) == D("14400.00")
    assert ledger.statement(db.session, world.officer, world.community).pending == D("0.00")
    with pytest.raises(Conflict) as posted:
        ledger.sign(db.session, world.officer, entry)
    assert posted.value.code == "not_pending"
    actions = set(db.session.scalars(select(AuditRecord.action).where(
        AuditRecord.object_type == "fund_entry", AuditRecord.object_key == str(entry.id))))
    assert actions == {"fund_entry_recorded", "fund_spend_signed", "fund_spend_posted"}


def test_the_spends_of_a_vote_never_pass_its_amount(db, world):
    collect(db, world)
    spend(db, world, ref="S-1", amount="600.00")
    with pytest.raises(RuleRefused) as refused:
        spend(db, world, ref="S-2", amount="400.01")
    assert refused.value.code == "vote_amount_exceeded"
    spend(db, world, ref="S-2", amount="400.00")
    with pytest.raises(RuleRefused):
        spend(db, world, ref="S-3", amount="0.01")


def test_a_spend_needs_a_passed_vote_on_using_the_fund_of_this_community(db, world):
    collect(db, world)
    with pytest.raises(RuleRefused) as failed:
        spend(db, world, vote=world.failed_vote)
    assert failed.value.code == "vote_not_passed"
    other = closed_vote(world.community, matter="hire_manager")
    with pytest.raises(RuleRefused) as wrong:
        spend(db, world, vote=other)
    assert wrong.value.code == "vote_wrong_matter"
    elsewhere = closed_vote(world.other_community)
    with pytest.raises(InvalidInput):
        spend(db, world, vote=elsewhere)
    with pytest.raises(InvalidInput):
        record(db, world, kind="spend", household=None, note="x")
    with pytest.raises(InvalidInput):
        record(db, world, kind="spend", vote=world.fund_vote.id, note="x")
    assert db.session.scalar(select(func.count(FundEntry.id)).where(
        FundEntry.kind == "spend")) == 0


def test_the_second_signature_needs_the_balance_to_cover_the_spend(db, world):
    record(db, world, amount="100.00")
    entry, _ = spend(db, world, amount="600.00")
    ledger.sign(db.session, world.officer, entry)
    with pytest.raises(RuleRefused) as short:
        ledger.sign(db.session, world.committee, entry)
    assert short.value.code == "fund_insufficient"
    assert entry.status is FundStatus.pending


@pytest.mark.parametrize("who", ["manager", "operator", "other_officer"])
def test_others_may_not_record(db, world, who):
    with pytest.raises((Forbidden, NotFound)):
        record(db, world, world.users[who])
    assert db.session.scalar(select(func.count(FundEntry.id))) == 0


@pytest.mark.parametrize("who", ["officer", "committee", "bureau", "sysadmin"])
def test_the_street_office_the_bureau_the_committee_and_a_sysadmin_record(db, world, who):
    entry, created = record(db, world, world.users[who])
    assert created and entry.recorded_by_id == world.users[who].id


def test_only_the_committee_and_the_street_office_sign(db, world):
    collect(db, world)
    entry, _ = spend(db, world)
    for who in ("bureau", "sysadmin", "manager"):
        with pytest.raises(Forbidden):
            ledger.sign(db.session, world.users[who], entry)
    with pytest.raises(Forbidden):
        ledger.sign(db.session, world.residents["V-O1"], entry)


def test_a_resident_reads_the_totals_and_only_their_own_line(db, world):
    collect(db, world)
    spend(db, world)
    seen = ledger.statement(db.session, world.residents["V-O2"], world.community)
    assert [line.path for line in seen.households] == ["VA/1/1/201"]
    assert seen.balance == D("15000.00") and seen.buildings is None
    mine = [view for view in seen.entries if view.household == "VA/1/1/201"]
    assert len(mine) == 1 and mine[0].ref == "DEP-2025/1/1/201"
    others = [view for view in seen.entries if view.entry.kind.value == "deposit"
              and view.household is None]
    assert len(others) == 7 and all(view.ref is None for view in others)
    [pending] = [view for view in seen.entries if view.entry.kind.value == "spend"]
    assert pending.share == D("-72.00")  # 60 m² × 1.20
    with pytest.raises(NotFound):
        ledger.statement(db.session, world.residents["V-X1"], world.community)
    operator = ledger.statement(db.session, world.users["operator"], world.community)
    assert operator.households == []


def test_corrections_are_new_entries_either_way_with_a_note(db, world):
    record(db, world, amount="100.00")
    with pytest.raises(InvalidInput):
        record(db, world, ref="C-1", kind="correction", amount="-10.00")
    entry, _ = record(db, world, ref="C-1", kind="correction", amount="-10.00",
                      note="R-1 多记10元")
    assert entry.amount == D("-10.00") and entry.status is FundStatus.posted
    assert balances(db, world)["VA/1/1/101"] == D("90.00")
    with pytest.raises(InvalidInput):
        record(db, world, ref="C-2", kind="deposit", amount="-10.00")


def test_the_database_refuses_an_entry_of_the_wrong_sign(db, world):
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(insert(FundEntry).values(
            community_id=world.community.id, ref="X", kind="deposit", amount=D("-1.00"),
            household_id=world.households["VA/1/1/101"].id, note="", status="posted",
            created_at=world.fund_vote.closed_at, posted_at=world.fund_vote.closed_at))
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(insert(FundEntry).values(
            community_id=world.community.id, ref="Y", kind="spend", amount=D("-1.00"),
            note="", status="pending", created_at=world.fund_vote.closed_at))
