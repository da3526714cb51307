"""The maintenance fund page (docs/domain.md#fund): the statement each reader sees, the
keepers' forms, the two signatures of a spend, the Excel export."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from pmsys.extensions import db as _db
from pmsys.fund import ledger
from pmsys.models.fund import FundEntry, FundStatus
from tests.fund_world import build_fund_world
from tests.web.test_governance_pages import INLINE, Browser

PAGE = "/communities/VA/fund"


@pytest.fixture
def world(db):
    return build_fund_world()


@pytest.fixture
def web(client, login_as, world):
    return Browser(client, login_as, {**world.users, **world.residents})


def entries() -> int:
    return _db.session.scalar(select(func.count(FundEntry.id)))


@pytest.mark.parametrize("login, status", [
    ("V-O1", 200), ("V-T", 200), ("officer", 200), ("committee", 200), ("manager", 200),
    ("operator", 200), ("bureau", 200), ("sysadmin", 200), ("V-X1", 404),
    ("other_officer", 404),
])
def test_the_page_renders_for_those_who_see_the_community(web, login, status):
    response = web.get(login, PAGE)
    assert response.status_code == status
    if status == 200:
        assert not INLINE.search(response.get_data(as_text=True))
        assert web.get(login, PAGE + ".xlsx").status_code == 200


def test_collecting_recording_and_signing_through_the_pages(web, world):
    collected = web.post("officer", PAGE + "/deposits", rate="30", prefix="DEP-2025")
    assert collected.status_code == 302
    assert entries() == 8
    assert web.post("officer", PAGE + "/deposits", rate="30",
                    prefix="DEP-2025").status_code == 302
    assert entries() == 8
    assert web.post("officer", PAGE + "/deposits", rate="", prefix="X").status_code == 400
    assert web.post("manager", PAGE + "/deposits", rate="30", prefix="M").status_code == 403
    spend = {"ref": "SP-1", "kind": "spend", "household": "", "amount": "600.00",
             "vote": str(world.fund_vote.id), "note": "屋面防水"}
    over = web.post("committee", PAGE + "/entries", **{**spend, "amount": "1000.01"})
    assert over.status_code == 422 and "flash-error" in over.get_data(as_text=True)
    assert web.post("committee", PAGE + "/entries", **spend).status_code == 302
    entry = _db.session.scalar(select(FundEntry).where(FundEntry.ref == "SP-1"))
    assert entry.status is FundStatus.pending
    page = web.get("committee", PAGE).get_data(as_text=True)
    assert 'id="pending-spends"' in page and f"/fund/entries/{entry.id}/sign" in page
    assert web.post("bureau", f"/fund/entries/{entry.id}/sign").status_code == 403
    assert web.post("committee", f"/fund/entries/{entry.id}/sign").status_code == 302
    assert web.post("officer", f"/fund/entries/{entry.id}/sign").status_code == 302
    _db.session.refresh(entry)
    assert entry.status is FundStatus.posted
    page = web.get("officer", PAGE).get_data(as_text=True)
    assert 'id="pending-spends"' not in page and 'id="fund-buildings"' in page
    seen = ledger.statement(_db.session, world.officer, world.community)
    assert seen.balance == Decimal("14400.00")


def test_a_resident_reads_their_own_statement_only(web, world):
    web.post("officer", PAGE + "/deposits", rate="30", prefix="DEP-2025")
    page = web.get("V-O2", PAGE).get_data(as_text=True)
    assert 'data-place="VA/1/1/201"' in page
    assert 'data-place="VA/1/1/101"' not in page and "DEP-2025/1/1/101" not in page
    assert 'id="record-entry"' not in page and 'id="fund-buildings"' not in page
    assert web.post("V-O2", PAGE + "/entries", ref="X", kind="deposit", household="1/1/201",
                    amount="1.00", vote="", note="").status_code == 403
    book = load_workbook(BytesIO(web.get("V-O2", PAGE + ".xlsx").data))
    households = book.worksheets[0]
    assert [row[0] for row in households.iter_rows(min_row=2, values_only=True)] == [
        "VA/1/1/201"]
    assert 'id="fund-link"' in web.get("V-O2", "/communities/VA").get_data(as_text=True)
    assert "/communities/VA/fund#fund-households" in web.get("V-O2", "/").get_data(as_text=True)
