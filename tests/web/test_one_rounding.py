"""One rounding rule for ratios and money (pmsys/money.py): half up, wherever it is shown.

Coverage of 1 community in 32 is 0.03125: the API, the home page, the coverage page and its
workbook all show it as 0.0313 (3.13 %); banker's rounding would make it 0.0312.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from pmsys.api.fees.serializers import standard_json
from pmsys.models.auth import Role
from pmsys.models.fees import FeeStandard
from pmsys.models.places import Community
from tests.factories import CommunityFactory, ManagementTermFactory, UserFactory, street


@pytest.fixture
def one_in_32(db):
    """32 communities of one street, one of them with a term in force; a sysadmin."""
    road = street()
    communities = [CommunityFactory(street=road) for _ in range(32)]
    ManagementTermFactory(community=communities[0], start=date(2020, 1, 1))
    return UserFactory(role=Role.sysadmin)


def test_the_api_writes_one_in_32_as_0_0313(client, api_token, one_in_32):
    response = client.get("/api/v1/reports/coverage", headers=api_token(one_in_32))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["total"]["rate"] == "0.0313"
    assert [item["rate"] for item in body["items"]] == ["0.0313"]


def test_the_pages_show_one_in_32_as_3_13_percent(login_as, one_in_32):
    client = login_as(one_in_32)
    home = client.get("/").get_data(as_text=True)
    stats = re.findall(r'class="stat-value">([^<]+)<', home)
    assert "3.13 %" in stats and "3.12 %" not in home
    report = client.get("/reports/coverage").get_data(as_text=True)
    assert report.count("3.13 %") == 2  # the street and the total
    assert "3.12 %" not in report


def test_the_workbook_holds_one_in_32_as_0_0313(login_as, one_in_32):
    response = login_as(one_in_32).get("/reports/coverage.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.data)).worksheets[0]
    rates = [row[4] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert rates == [pytest.approx(0.0313, abs=1e-9)] * 2
    assert sheet.cell(row=2, column=5).number_format == "0.00%"


def test_the_fee_serializer_rounds_half_up():
    # A stored amount is at most two places; a computed one (a sum on SQLite, a price with more
    # places) is rounded half up, as the bill rule does: 0.125 → 0.13, not banker's 0.12.
    standard = FeeStandard(price_per_m2_month=Decimal("0.12345"),
                           fixed_per_household=Decimal("0.125"), start=date(2025, 1, 1))
    body = standard_json(standard, Community(code="A"))
    assert body["fixed_per_household"] == "0.13"
    assert body["price_per_m2_month"] == "0.1235"
