"""Parking after a renovation (docs/domain.md#parking, #parking-income, #routing): parking
spaces as assets, handed to a parking committee, tickets of the new categories, a complaint
about the manager, and parking income in the public revenue ledger."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from pmsys.assets.services import handovers, register
from pmsys.audit import AuditRecord
from pmsys.errors import InvalidInput
from pmsys.fees import revenue
from pmsys.models.assets import Asset
from pmsys.models.auth import OrganizationCategory, OrgKind, Role
from pmsys.models.fees import RevenueEntry
from pmsys.tickets.explain import steps_text
from pmsys.tickets.services import take_action
from tests.factories import OrganizationFactory, staff
from tests.ticket_world import build_ticket_world, file_as


@pytest.fixture
def world(db):
    world = build_ticket_world()  # the clock reads 2025-06-02
    world.orgs["PK-A"] = OrganizationFactory(code="PK-A", name="供销楼停车管理委员会",
                                             kind=OrgKind.parking_committee,
                                             community=world.communities["CA"])
    world.users["parking_a"] = staff(Role.operator, world.orgs["PK-A"])
    db.session.commit()
    return world


def add_spaces(db, world, code="CA-PK", building=None, **fields):
    asset = register.create_asset(db.session, world.users["bureau"], code=code,
                                  category="parking", community="CA", building=building,
                                  name="院内停车位", spaces=40, space_numbers="A01-A40",
                                  **fields)
    db.session.commit()
    return asset


def hand_to_committee(db, world, asset_code="CA-PK"):
    """Hand the spaces from the bureau to CA's parking committee, whose staff log in as
    operators; CA's owners' committee co-signs."""
    bureau, parking = world.users["bureau"], world.users["parking_a"]
    handover = handovers.create_handover(db.session, bureau, code="H-PK", from_org="HB-D1",
                                         to_org="PK-A", assets=[asset_code])
    handovers.take_action(db.session, bureau, handover, "submit")
    handovers.take_action(db.session, parking, handover, "inspect", note="业委会、停管会")
    handovers.take_action(db.session, bureau, handover, "sign")
    handovers.take_action(db.session, parking, handover, "sign")
    handovers.take_action(db.session, world.users["committee_a"], handover, "sign")
    db.session.commit()
    return handover


# --- the register ------------------------------------------------------------------------------


def test_parking_spaces_are_registered_with_their_count_and_numbers(db, world):
    asset = add_spaces(db, world)
    assert (asset.category, asset.spaces, asset.space_numbers) == ("parking", 40, "A01-A40")
    record = db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == "asset_created", AuditRecord.object_key == "CA-PK")).one()
    assert record.data["spaces"] == 40


@pytest.mark.parametrize(("fields", "field"), [
    ({"category": "parking"}, "spaces"),
    ({"category": "parking", "spaces": 0}, "spaces"),
    ({"category": "parking", "spaces": True}, "spaces"),
    ({"category": "parking", "spaces": "40"}, "spaces"),
    ({"category": "lighting", "spaces": 3}, "spaces"),
    ({"category": "lighting", "space_numbers": "A1"}, "space_numbers"),
    ({"category": "service_complaint"}, "category"),
    ({"category": "disorder"}, "category"),
])
def test_bad_parking_spaces_are_refused(db, world, fields, field):
    with pytest.raises(InvalidInput) as refused:
        register.create_asset(db.session, world.users["bureau"], code="CA-X",
                              community="CA", **fields)
    assert field in refused.value.fields
    assert db.session.scalar(select(Asset.id).where(Asset.code == "CA-X")) is None


# --- hand-over to a parking committee ----------------------------------------------------------


def test_the_parking_committee_receives_its_parking_spaces(db, world):
    add_spaces(db, world)
    handover = hand_to_committee(db, world)
    assert handover.status.value == "effective"
    asset = db.session.scalar(select(Asset).where(Asset.code == "CA-PK"))
    assert [s.organization.code for s in asset.stints] == ["PK-A"]


@pytest.mark.parametrize("asset_code", ["CA-DR", "CB-WS"])
def test_a_parking_committee_takes_only_its_communitys_parking_spaces(db, world, asset_code):
    with pytest.raises(InvalidInput) as refused:
        handovers.create_handover(db.session, world.users["sysadmin"], code="H-X",
                                  from_org="HB-D1", to_org="PK-A", assets=[asset_code])
    assert "to" in refused.value.fields


# --- tickets -------------------------------------------------------------------------------------


def test_parking_goes_to_the_parking_committee_maintaining_the_spaces(db, world):
    add_spaces(db, world)
    before = file_as(world, "resident_a", category="parking", description="消防通道乱停车")
    assert (before.assignee.code, before.routing_reason) == ("PM-A", "manager")
    assert [s["code"] for s in before.routing_steps] == [
        "asset_found", "order_not_defect", "not_handed_over", "manager"]
    hand_to_committee(db, world)
    ticket = file_as(world, "resident_a", category="parking", description="车位被占")
    assert (ticket.assignee.code, ticket.routing_reason) == ("PK-A", "maintainer")
    assert ticket.asset.code == "CA-PK"
    assert [s["code"] for s in ticket.routing_steps] == [
        "asset_found", "order_not_defect", "maintainer"]


def test_parking_without_spaces_goes_to_the_manager(db, world):
    ticket = file_as(world, "resident_a", category="parking", description="乱停车")
    assert (ticket.assignee.code, ticket.routing_reason) == ("PM-A", "manager")


def test_occupied_space_and_disorder(db, world):
    occupied = file_as(world, "resident_a", category="occupied_space",
                       description="楼道堆放杂物")
    assert (occupied.assignee.code, occupied.routing_reason) == ("PM-A", "manager")
    world.orgs["CG-BT"].category_links.clear()
    db.session.flush()
    db.session.add(OrganizationCategory(organization_id=world.orgs["CG-BT"].id,
                                        category="occupied_space"))
    db.session.commit()
    enforced = file_as(world, "resident_a", category="occupied_space",
                       description="公共绿地被圈占")
    assert (enforced.assignee.code, enforced.routing_reason) == ("CG-BT", "duty")
    noise = file_as(world, "resident_a", category="disorder", description="夜间广场舞噪音")
    assert (noise.assignee.code, noise.routing_reason) == ("PM-A", "manager")


def test_a_service_complaint_goes_to_the_street_office_naming_the_manager(app, db, world):
    ticket = file_as(world, "resident_a", category="service_complaint",
                     description="物业不打扫楼道，投诉")
    assert ticket.assignee.code == "SO-S1" != "PM-A"
    assert ticket.routing_reason == "service_complaint"
    assert ticket.routing_steps == [{"code": "complaint", "params": {
        "org": world.orgs["SO-S1"].name, "manager": "甲物业", "manager_code": "PM-A"}}]
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert "甲物业" in steps_text(ticket.routing_steps)[0]


def test_a_service_complaint_where_nobody_manages(db, world):
    ticket = file_as(world, "resident_ac", community="CC", category="service_complaint",
                     description="没人管")
    assert (ticket.assignee.code, ticket.routing_reason) == ("SO-S3", "service_complaint")
    assert [s["code"] for s in ticket.routing_steps] == ["complaint_no_manager"]
    assert ticket.routing_flags == []


# --- parking income ----------------------------------------------------------------------------


def entry(db, world, login="committee_a", **overrides):
    fields = {"direction": "income", "category": "parking", "amount": "1200.00",
              "on": "2025-03-31", "description": "一季度停车费", "resolution": ""}
    fields.update(overrides)
    return revenue.record_entry(db.session, world.users[login], world.communities["CA"],
                                **fields)


def test_parking_income_by_parking_asset_and_what_it_paid(db, world):
    add_spaces(db, world)
    add_spaces(db, world, code="CA-PK2", building="1")
    hand_to_committee(db, world)
    entry(db, world, asset="CA-PK")
    entry(db, world, asset="CA-PK", amount="800.00", on="2025-05-31")
    entry(db, world, amount="150.00", description="临时停车")
    paid = entry(db, world, direction="spending", category="subsidy", amount="600.00",
                 on="2025-05-31", description="补贴物业管理费", resolution="业委会决议 2025-02",
                 asset="CA-PK")
    assert paid.asset.code == "CA-PK"
    book = revenue.ledger(db.session, world.users["resident_a"], world.communities["CA"], 2025)
    assert book.income_by_category["parking"] == Decimal("2150.00")
    assert book.parking_unassigned == Decimal("150.00")
    lines = {line.asset.code: line for line in book.parking}
    assert list(lines) == ["CA-PK", "CA-PK2"]
    assert (lines["CA-PK"].maintainer.code, lines["CA-PK"].income, lines["CA-PK"].spending,
            lines["CA-PK"].net) == ("PK-A", Decimal("2000.00"), Decimal("600.00"),
                                    Decimal("1400.00"))
    assert (lines["CA-PK2"].maintainer, lines["CA-PK2"].income) == (None, Decimal("0.00"))


@pytest.mark.parametrize("overrides", [
    {"asset": "CA-DR"},  # not a parking asset
    {"asset": "NOPE"},
    {"asset": 7},
    {"category": "advertising", "asset": "CA-PK"},  # an income other than parking
])
def test_a_revenue_entry_names_only_a_parking_asset_of_its_community(db, world, overrides):
    add_spaces(db, world)
    with pytest.raises(InvalidInput) as refused:
        entry(db, world, **overrides)
    assert "asset" in refused.value.fields
    assert db.session.scalars(select(RevenueEntry.id)).all() == []


def test_the_parking_committee_works_its_parking_tickets(db, world):
    add_spaces(db, world)
    hand_to_committee(db, world)
    ticket = file_as(world, "resident_a", category="parking", description="车位地锁坏了")
    take_action(db.session, world.users["parking_a"], ticket, "accept")
    take_action(db.session, world.users["parking_a"], ticket, "resolve", note="已更换地锁")
    assert ticket.status.value == "resolved"
