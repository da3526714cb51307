"""Parking on the pages (docs/domain.md#parking, #parking-income): registering parking spaces,
and the parking income on the community's revenue ledger."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from pmsys.extensions import db as _db
from pmsys.models.assets import Asset, AssetMaintainer
from pmsys.models.auth import OrgKind
from pmsys.models.fees import RevenueEntry
from tests.conftest import csrf_token
from tests.factories import OrganizationFactory
from tests.world import build_world

NEW_ASSET = "/assets/new?community=CA"
LEDGER = "/communities/CA/revenue"
SPACES = {"code": "CA-PK", "name": "院内停车位", "category": "parking", "place": "",
          "project": "", "warranty_contractor": "", "spaces": "40",
          "space_numbers": "A01-A40"}


@pytest.fixture
def world(db):
    world = build_world()  # the clock reads 2025-06-02
    for user in world.users.values():
        user.locale = "en"  # the assertions read the English source strings
    parking = OrganizationFactory(code="PK-A", name="供销楼停车管理委员会",
                                  kind=OrgKind.parking_committee, community=world.communities["CA"])
    db.session.commit()
    world.parking = parking
    return world


def post(client, login_as, user, url, **form):
    login_as(user)
    form["csrf_token"] = csrf_token(client, "/account")
    return client.post(url, data=form)


def text(response) -> str:
    page = response.get_data(as_text=True)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_the_bureau_registers_parking_spaces_on_the_page(client, login_as, world):
    login_as(world.users["bureau"])
    form = client.get(NEW_ASSET)
    assert form.status_code == 200
    assert 'name="spaces"' in form.get_data(as_text=True)
    assert 'value="service_complaint"' not in form.get_data(as_text=True)
    answer = post(client, login_as, world.users["bureau"], NEW_ASSET, **SPACES)
    assert answer.status_code == 302, text(answer)
    asset = _db.session.scalar(select(Asset).where(Asset.code == "CA-PK"))
    assert (asset.spaces, asset.space_numbers) == (40, "A01-A40")
    detail = client.get("/assets/CA-PK")
    assert "Parking spaces" in text(detail) and "A01-A40" in text(detail)


@pytest.mark.parametrize("change", [{"spaces": ""}, {"spaces": "0"}, {"spaces": "many"}])
def test_parking_spaces_need_their_count(client, login_as, world, change):
    answer = post(client, login_as, world.users["bureau"], NEW_ASSET, **{**SPACES, **change})
    assert answer.status_code == 400
    assert _db.session.scalar(select(func.count(Asset.id)).where(Asset.code == "CA-PK")) == 0


def test_the_ledger_shows_parking_income_by_parking_asset(client, login_as, world):
    asset = Asset(code="CA-PK", name="院内停车位", category="parking",
                  community=world.communities["CA"], spaces=40)
    _db.session.add_all([asset, AssetMaintainer(asset=asset, organization=world.parking,
                                                start=date(2025, 1, 1))])
    _db.session.commit()
    keeper = world.users["committee_a"]
    answer = post(client, login_as, keeper, LEDGER, direction="income", category="parking",
                  amount="1200.00", on="2025-03-31", description="一季度停车费", resolution="",
                  asset="CA-PK")
    assert answer.status_code == 302, text(answer)
    answer = post(client, login_as, keeper, LEDGER, direction="spending", category="subsidy",
                  amount="500.00", on="2025-04-30", description="补贴物业管理费",
                  resolution="业委会决议2号", asset="CA-PK")
    assert answer.status_code == 302, text(answer)
    login_as(world.users["resident_a"])
    page = text(client.get(LEDGER + "?year=2025"))
    assert "Parking income of 2025 by parking asset" in page
    assert "院内停车位 · 40 spaces 供销楼停车管理委员会 ¥1,200.00 ¥500.00 ¥700.00" in page


def test_a_parking_asset_on_another_income_is_refused(client, login_as, world):
    _db.session.add(Asset(code="CA-PK", category="parking", community=world.communities["CA"],
                          spaces=5))
    _db.session.commit()
    answer = post(client, login_as, world.users["committee_a"], LEDGER, direction="income",
                  category="advertising", amount="10.00", on="2025-03-31",
                  description="广告", resolution="", asset="CA-PK")
    assert answer.status_code == 400
    assert "Only a parking income or a spending names a parking asset." in text(answer)
    assert _db.session.scalar(select(func.count(RevenueEntry.id))) == 0
