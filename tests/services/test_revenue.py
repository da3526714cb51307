"""The public revenue ledger: who keeps it, who reads it, what it refuses, its totals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from pmsys.audit import AuditRecord
from pmsys.errors import Forbidden, InvalidInput, NotFound, RuleRefused
from pmsys.fees import revenue
from pmsys.models.fees import RevenueDirection, RevenueEntry
from tests.units import as_request
from tests.world import build_world


@pytest.fixture
def world(db):
    return build_world()  # the clock reads 2025-06-02


def record(db, world, login="manager_a", community="CA", **overrides):
    fields = {"direction": "income", "category": "parking", "amount": "1200.00",
              "on": "2025-03-31", "description": "一季度停车费", "resolution": ""}
    fields.update(overrides)
    return revenue.record_entry(db.session, world.users[login], world.communities[community],
                                **fields)


def entry_count(db) -> int:
    return db.session.scalar(select(func.count(RevenueEntry.id)))


def test_keepers_record_income_and_spending_and_the_ledger_totals_them(db, world):
    record(db, world, on="2024-12-20", amount="300.00", description="2024年广告位",
           category="advertising")
    record(db, world, amount="1200.00")
    record(db, world, login="committee_a", amount="800.50", on="2025-05-02",
           category="rental", description="一楼公房出租")
    spent = record(db, world, login="committee_a", direction="spending",
                   category="maintenance", amount="450.25", on="2025-04-10",
                   description="更换单元门闭门器", resolution="业委会决议 2025-03 号")
    assert spent.direction is RevenueDirection.spending
    assert spent.resolution == "业委会决议 2025-03 号"
    assert spent.recorded_by_id == world.users["committee_a"].id

    book = revenue.ledger(db.session, world.users["resident_a"], world.communities["CA"], 2025)
    assert [(e.on, e.amount) for e in book.entries] == [
        (date(2025, 3, 31), Decimal("1200.00")),
        (date(2025, 4, 10), Decimal("450.25")),
        (date(2025, 5, 2), Decimal("800.50")),
    ]
    assert book.income_by_category == {"parking": Decimal("1200.00"),
                                       "advertising": Decimal("0.00"),
                                       "rental": Decimal("800.50"),
                                       "other_income": Decimal("0.00")}
    assert book.spending_by_category["maintenance"] == Decimal("450.25")
    assert sum(book.spending_by_category.values()) == Decimal("450.25")
    assert (book.income, book.spending) == (Decimal("2000.50"), Decimal("450.25"))
    # 2024's advertising is carried into 2025 as the opening balance.
    assert book.opening == Decimal("300.00")
    assert book.closing == Decimal("1850.25")
    earlier = revenue.ledger(db.session, world.users["resident_a"], world.communities["CA"],
                             "2024")
    assert [e.description for e in earlier.entries] == ["2024年广告位"]
    assert (earlier.opening, earlier.closing) == (Decimal("0.00"), Decimal("300.00"))
    assert revenue.ledger_years(db.session, world.communities["CA"], 2025) == [2025, 2024]


def test_recording_is_audited(db, world):
    entry = record(db, world)
    trail = db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == "revenue_entry_recorded")).all()
    assert len(trail) == 1
    assert trail[0].actor == "manager_a" and trail[0].object_key == "CA"
    assert trail[0].data["entry"] == entry.id and trail[0].data["amount"] == "1200.00"


def test_a_spending_needs_the_committees_resolution(db, world):
    with pytest.raises(RuleRefused) as refused:
        record(db, world, direction="spending", category="maintenance",
               description="修路灯", resolution="   ")
    assert refused.value.code == "resolution_required"
    assert "resolution" in refused.value.fields
    assert entry_count(db) == 0
    # An income needs none.
    record(db, world, resolution="")
    assert entry_count(db) == 1


@pytest.mark.parametrize("login", ["resident_a", "tenant_a", "officer", "bureau",
                                   "operator_in"])
def test_who_sees_the_community_but_does_not_keep_it_is_refused_and_audited(db, world, login):
    with pytest.raises(Forbidden) as refused, as_request(db.session):
        record(db, world, login=login)
    assert refused.value.code == "not_a_revenue_keeper"
    assert entry_count(db) == 0
    denial = db.session.scalar(select(AuditRecord).where(
        AuditRecord.action == "revenue_entry_refused"))
    assert denial is not None and denial.actor == login


@pytest.mark.parametrize("login", ["manager_b", "resident_b", "operator_out", "self_manager"])
def test_who_does_not_see_the_community_gets_not_found(db, world, login):
    with pytest.raises(NotFound):
        record(db, world, login=login)
    with pytest.raises(NotFound):
        revenue.ledger(db.session, world.users[login], world.communities["CA"], 2025)
    assert entry_count(db) == 0


def test_the_manager_keeps_only_the_communities_it_manages_today_and_a_sysadmin_any(db, world):
    record(db, world, login="manager_b", community="CB")
    record(db, world, login="sysadmin", community="CC", description="维修基金利息",
           category="other_income")
    with pytest.raises(NotFound):
        record(db, world, login="committee_a", community="CB")
    assert entry_count(db) == 2


@pytest.mark.parametrize("login", ["resident_a", "tenant_a", "manager_a", "committee_a",
                                   "operator_in", "officer", "bureau", "sysadmin"])
def test_everyone_who_sees_the_community_reads_the_ledger(db, world, login):
    record(db, world)
    book = revenue.ledger(db.session, world.users[login], world.communities["CA"], 2025)
    assert [e.amount for e in book.entries] == [Decimal("1200.00")]


@pytest.mark.parametrize(("overrides", "field"), [
    ({"direction": "loan"}, "direction"),
    ({"direction": None}, "direction"),
    ({"category": "maintenance"}, "category"),
    ({"direction": "spending", "category": "parking", "resolution": "决议1号"}, "category"),
    ({"category": ["parking"]}, "category"),
    ({"amount": "0.00"}, "amount"),
    ({"amount": "-5.00"}, "amount"),
    ({"amount": "12.345"}, "amount"),
    ({"amount": 12.5}, "amount"),
    ({"amount": "abc"}, "amount"),
    ({"amount": None}, "amount"),
    ({"on": "2025-06-03"}, "on"),
    ({"on": "31/03/2025"}, "on"),
    ({"on": None}, "on"),
    ({"description": "  "}, "description"),
    ({"description": None}, "description"),
    ({"description": "x" * 501}, "description"),
    ({"description": 7}, "description"),
    ({"resolution": "r" * 201}, "resolution"),
    ({"resolution": ["决议"]}, "resolution"),
])
def test_bad_input_is_refused_with_the_field_named(db, world, overrides, field):
    with pytest.raises(InvalidInput) as refused:
        record(db, world, **overrides)
    assert field in refused.value.fields
    assert entry_count(db) == 0


def test_today_is_a_valid_date_and_text_is_stored_trimmed(db, world):
    entry = record(db, world, on=date(2025, 6, 2), description="  六月停车费 ",
                   resolution=" 无 ")
    assert (entry.on, entry.description, entry.resolution) == (date(2025, 6, 2), "六月停车费",
                                                                "无")


@pytest.mark.parametrize("year", ["25", "1969", "3000", "20x5", True, None, 2025.0, "２０２５"])
def test_a_ledger_year_outside_1970_to_2999_is_bad_input(db, world, year):
    with pytest.raises(InvalidInput) as refused:
        revenue.ledger(db.session, world.users["manager_a"], world.communities["CA"], year)
    assert refused.value.code == "invalid_year"


def test_an_empty_year_has_zero_totals(db, world):
    book = revenue.ledger(db.session, world.users["manager_a"], world.communities["CA"], 2025)
    assert book.entries == []
    assert (book.income, book.spending, book.opening, book.closing) == (Decimal("0.00"),) * 4
    assert revenue.ledger_years(db.session, world.communities["CA"], 2025) == [2025]
