"""Parking over the API (docs/api.md#parking): parking assets with their spaces, tickets of
the new categories, a complaint about the manager, parking income in the revenue ledger."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from pmsys.extensions import db as _db
from pmsys.models.assets import Asset, AssetMaintainer
from pmsys.models.auth import OrgKind
from pmsys.models.fees import RevenueEntry
from tests.factories import OrganizationFactory
from tests.ticket_world import build_ticket_world

SPACES = {"code": "CA-PK", "category": "parking", "community": "CA", "name": "院内停车位",
          "spaces": 40, "space_numbers": "A01-A40"}


@pytest.fixture
def world(db):
    world = build_ticket_world()  # the clock reads 2025-06-02
    world.orgs["PK-A"] = OrganizationFactory(code="PK-A", name="供销楼停车管理委员会",
                                             kind=OrgKind.parking_committee,
                                             community=world.communities["CA"])
    _db.session.commit()
    return world


@pytest.fixture
def as_user(world, api_token):
    return lambda login: api_token(world.users[login])


def register_spaces(client, as_user, world, committee=True):
    posted = client.post("/api/v1/assets", json=SPACES, headers=as_user("bureau"))
    assert posted.status_code == 201, posted.get_json()
    if committee:
        asset = _db.session.scalar(select(Asset).where(Asset.code == "CA-PK"))
        _db.session.add(AssetMaintainer(asset=asset, organization=world.orgs["PK-A"],
                                        start=date(2025, 1, 1)))
        _db.session.commit()
    return posted.get_json()


def test_the_bureau_registers_parking_spaces(client, world, as_user):
    body = register_spaces(client, as_user, world, committee=False)
    assert body["category"] == "parking"
    assert body["parking"] == {"spaces": 40, "space_numbers": "A01-A40"}
    read = client.get("/api/v1/assets/CA-PK", headers=as_user("resident_a")).get_json()
    assert read["parking"] == {"spaces": 40, "space_numbers": "A01-A40"}
    listed = client.get("/api/v1/assets?category=parking", headers=as_user("resident_a"))
    assert [a["code"] for a in listed.get_json()["items"]] == ["CA-PK"]


@pytest.mark.parametrize(("change", "field"), [
    ({"spaces": None}, "spaces"),
    ({"spaces": 0}, "spaces"),
    ({"spaces": "40"}, "spaces"),
    ({"category": "lighting"}, "spaces"),
    ({"category": "service_complaint", "spaces": None, "space_numbers": None}, "category"),
])
def test_bad_parking_spaces_are_400(client, world, as_user, change, field):
    answer = client.post("/api/v1/assets", json={**SPACES, **change}, headers=as_user("bureau"))
    assert answer.status_code == 400, answer.get_json()
    assert field in answer.get_json()["error"]["fields"]
    assert _db.session.scalar(select(func.count(Asset.id)).where(Asset.code == "CA-PK")) == 0


def test_filing_parking_goes_to_the_committee_maintaining_the_spaces(client, world, as_user):
    register_spaces(client, as_user, world)
    answer = client.post("/api/v1/tickets", headers=as_user("resident_a"), json={
        "category": "parking", "community": "CA", "description": "车位被外来车辆占用"})
    assert answer.status_code == 201, answer.get_json()
    ticket = answer.get_json()
    assert ticket["assignee"]["org"] == "PK-A"
    assert ticket["routing"]["reason"] == "maintainer"
    assert ticket["asset"] == "CA-PK"


@pytest.mark.parametrize(("category", "assignee", "reason"), [
    ("occupied_space", "PM-A", "manager"),
    ("disorder", "PM-A", "manager"),
    ("service_complaint", "SO-S1", "service_complaint"),
])
def test_filing_the_new_categories(client, world, as_user, category, assignee, reason):
    answer = client.post("/api/v1/tickets", headers=as_user("resident_a"), json={
        "category": category, "community": "CA", "description": "投诉"})
    assert answer.status_code == 201, answer.get_json()
    ticket = answer.get_json()
    assert (ticket["assignee"]["org"], ticket["routing"]["reason"]) == (assignee, reason)


def test_a_service_complaint_names_the_manager_and_never_goes_to_it(client, world, as_user):
    headers = as_user("resident_a") | {"Accept-Language": "en"}
    preview = client.get("/api/v1/routing/preview?category=service_complaint&community=CA",
                         headers=headers)
    assert preview.status_code == 200, preview.get_json()
    body = preview.get_json()
    assert body["assignee"]["org"] == "SO-S1"
    assert body["reason"] == "service_complaint"
    assert "甲物业" in body["steps"][0] and "street office" in body["steps"][0]


def test_parking_income_names_its_asset_and_the_ledger_shows_it(client, world, as_user):
    register_spaces(client, as_user, world)
    url = "/api/v1/communities/CA/revenue"
    income = {"direction": "income", "category": "parking", "amount": "1200.00",
              "on": "2025-03-31", "description": "一季度停车费", "asset": "CA-PK"}
    posted = client.post(url, json=income, headers=as_user("committee_a"))
    assert posted.status_code == 201, posted.get_json()
    assert posted.get_json()["asset"] == "CA-PK"
    paid = client.post(url, headers=as_user("committee_a"), json={
        "direction": "spending", "category": "subsidy", "amount": "500.00", "on": "2025-04-30",
        "description": "补贴物业管理费", "resolution": "业委会决议2号", "asset": "CA-PK"})
    assert paid.status_code == 201, paid.get_json()
    ledger = client.get(url + "?year=2025", headers=as_user("resident_a")).get_json()
    assert ledger["parking"] == {
        "income": "1200.00", "unassigned_income": "0.00",
        "spaces": [{"asset": "CA-PK", "name": "院内停车位", "spaces": 40,
                    "maintainer": {"org": "PK-A", "name": "供销楼停车管理委员会"},
                    "income": "1200.00", "spending": "500.00", "net": "700.00"}],
    }
    assert [item["asset"] for item in ledger["items"]] == ["CA-PK", "CA-PK"]


@pytest.mark.parametrize("change", [{"asset": "CA-WS"}, {"asset": "NOPE"},
                                    {"category": "rental"}, {"asset": 5}])
def test_a_bad_parking_asset_on_an_entry_is_400(client, world, as_user, change):
    register_spaces(client, as_user, world)
    body = {"direction": "income", "category": "parking", "amount": "10.00",
            "on": "2025-03-31", "description": "停车费", "asset": "CA-PK", **change}
    answer = client.post("/api/v1/communities/CA/revenue", json=body,
                         headers=as_user("manager_a"))
    assert answer.status_code == 400, answer.get_json()
    assert "asset" in answer.get_json()["error"]["fields"]
    assert _db.session.scalar(select(func.count(RevenueEntry.id))) == 0
