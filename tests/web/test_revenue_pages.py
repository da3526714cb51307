"""The public revenue ledger page and the community's notice page."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from pmsys.audit import AuditRecord
from pmsys.extensions import db as _db
from pmsys.fees import revenue
from pmsys.models.fees import RevenueEntry
from tests.conftest import csrf_token
from tests.world import build_world

LEDGER = "/communities/CA/revenue"
NOTICES = "/communities/CA/notices"
INCOME = {"direction": "income", "category": "parking", "amount": "1,200.00",
          "on": "2025-03-31", "description": "一季度停车费", "resolution": ""}
SPENDING = {"direction": "spending", "category": "maintenance", "amount": "450.25",
            "on": "2025-04-10", "description": "更换单元门闭门器", "resolution": "业委会决议3号"}
INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+=|\sstyle=", re.IGNORECASE)


@pytest.fixture
def world(db):
    world = build_world()  # the clock reads 2025-06-02
    for user in world.users.values():
        user.locale = "en"  # the assertions read the English source strings
    db.session.commit()
    return world


class Browser:
    """One test client, logged in as whichever user of the world acts next."""

    def __init__(self, client, login_as, world):
        self.client, self.login_as, self.world = client, login_as, world

    def get(self, who: str, url: str):
        self.login_as(self.world.users[who])
        return self.client.get(url)

    def post(self, who: str, url: str, csrf: bool = True, **form):
        self.login_as(self.world.users[who])
        if csrf:
            form["csrf_token"] = csrf_token(self.client, "/account")
        return self.client.post(url, data=form)


@pytest.fixture
def web(client, login_as, world):
    return Browser(client, login_as, world)


def squash(response) -> str:
    """The page's text with tags dropped and runs of white space made one."""
    page = response.get_data(as_text=True)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def entries() -> int:
    return _db.session.scalar(select(func.count(RevenueEntry.id)))


def test_keepers_record_entries_and_the_ledger_shows_them_with_totals(web, db):
    page = web.get("manager_a", LEDGER)
    assert page.status_code == 200
    assert 'name="description"' in page.get_data(as_text=True)
    posted = web.post("manager_a", LEDGER, **INCOME)
    assert posted.status_code == 302
    assert posted.headers["Location"].endswith(LEDGER + "?year=2025")
    assert web.post("committee_a", LEDGER, **SPENDING).status_code == 302
    stored = db.session.scalars(select(RevenueEntry).order_by(RevenueEntry.on)).all()
    assert [(e.amount, e.resolution) for e in stored] == [
        (Decimal("1200.00"), ""), (Decimal("450.25"), "业委会决议3号")]
    text = squash(web.get("committee_a", LEDGER + "?year=2025"))
    assert "一季度停车费" in text and "更换单元门闭门器" in text and "业委会决议3号" in text
    assert "Income · Parking ¥1,200.00" in text
    assert "Spending · Repairs and maintenance ¥450.25" in text
    assert "¥749.75" in text  # the balance at the end of 2025


@pytest.mark.parametrize("login", ["resident_a", "tenant_a", "operator_in", "officer",
                                   "bureau"])
def test_everyone_in_the_community_reads_both_pages_without_the_form(web, db, world, login):
    revenue.record_entry(db.session, world.users["committee_a"], world.communities["CA"],
                         **{**SPENDING, "on": "2025-05-01"})
    revenue.record_entry(db.session, world.users["manager_a"], world.communities["CA"],
                         **{**INCOME, "amount": "2000.00", "on": "2024-11-30"})
    db.session.commit()
    ledger = web.get(login, LEDGER)
    assert ledger.status_code == 200
    assert 'name="description"' not in ledger.get_data(as_text=True)
    notices = web.get(login, NOTICES)
    assert notices.status_code == 200
    text = squash(notices)
    assert "Public revenue of 2025" in text
    assert "更换单元门闭门器" in text and "一季度停车费" not in text  # 2024's is carried only
    assert "¥2,000.00" in text and "¥1,549.75" in text
    assert 'href="/communities/CA/revenue"' in notices.get_data(as_text=True)
    last_year = squash(web.get(login, LEDGER + "?year=2024"))
    assert "一季度停车费" in last_year


def test_the_community_page_links_to_the_notices_and_the_ledger(web):
    page = web.get("resident_a", "/communities/CA").get_data(as_text=True)
    assert f'href="{NOTICES}"' in page and f'href="{LEDGER}"' in page


@pytest.mark.parametrize("login", ["resident_a", "operator_in", "officer", "bureau"])
def test_who_only_reads_cannot_post_and_the_denial_is_audited(web, db, login):
    assert web.post(login, LEDGER, **INCOME).status_code == 403
    assert entries() == 0
    assert db.session.scalar(select(func.count(AuditRecord.id)).where(
        AuditRecord.action == "revenue_entry_refused", AuditRecord.actor == login)) == 1


@pytest.mark.parametrize("login", ["resident_b", "manager_b", "operator_out", "self_manager"])
def test_a_community_the_user_does_not_see_is_404(web, login):
    for url in (LEDGER, NOTICES, "/communities/NOPE/revenue", "/communities/NOPE/notices"):
        assert web.get(login, url).status_code == 404, url
    assert web.post(login, LEDGER, **INCOME).status_code == 404
    assert entries() == 0


def test_anonymous_users_are_sent_to_log_in(client, world):
    for url in (LEDGER, NOTICES):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(("change", "message"), [
    ({"resolution": ""}, "A spending needs the owners' committee's resolution."),
    ({"category": "parking"}, "Choose a category of the chosen direction."),
    ({"amount": "0"}, "Enter an amount in yuan, more than zero, with at most two decimals."),
    ({"amount": "4.505"}, "Enter an amount in yuan, more than zero, with at most two decimals."),
    ({"amount": "abc"}, "Enter an amount in yuan, more than zero, with at most two decimals."),
    ({"on": "2025-06-03"}, "The date cannot be in the future."),
    ({"description": ""}, "Say what the money was for."),
    ({"amount": "123456789.00"},
     "Enter an amount in yuan, more than zero, with at most two decimals."),
    ({"amount": "1e309"}, "Enter an amount in yuan, more than zero, with at most two decimals."),
    ({"amount": "9" * 20}, "Enter an amount in yuan, more than zero, with at most two decimals."),
])
def test_bad_input_answers_400_on_the_same_page(web, change, message):
    response = web.post("committee_a", LEDGER, **{**SPENDING, **change})
    assert response.status_code == 400
    assert message in squash(response)
    assert entries() == 0


def test_a_post_needs_a_csrf_token(web):
    assert web.post("manager_a", LEDGER, csrf=False, **INCOME).status_code == 400
    assert entries() == 0


def test_a_bad_year_is_400(web):
    for year in ("abc", "1969", "3000"):
        assert web.get("resident_a", f"{LEDGER}?year={year}").status_code == 400


def test_the_pages_carry_no_inline_script_or_style(web):
    for login, url in (("manager_a", LEDGER), ("resident_a", NOTICES)):
        response = web.get(login, url)
        assert response.status_code == 200
        assert not INLINE.search(response.get_data(as_text=True)), url
