"""The governance pages of tests/world.py: committee, terms, coverage, votes list, notices.

Who reads and who may act (404 for those who do not see the community, 403 for
those who see it but may not act), every committee and term form's success and
refusals (a refusal shows a message and changes nothing), the Chinese default.
"""

from __future__ import annotations

import html
import re
from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from pmsys.extensions import db as _db
from pmsys.models.governance import (
    Committee,
    CommitteeCandidate,
    CommitteeStatus,
    ManagementTerm,
)
from tests.conftest import csrf_token
from tests.world import VISIBLE, build_world

COMMITTEE = "/communities/CA/committee"
TERMS = "/communities/CA/terms"
VOTES = "/communities/CA/votes"
COVERAGE = "/reports/coverage"
INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+=|\sstyle=", re.IGNORECASE)
LOGINS = sorted(VISIBLE)


class Browser:
    """One test client, logged in as whichever user acts next."""

    def __init__(self, client, login_as, users):
        self.client, self.login_as, self.users = client, login_as, users

    def get(self, who: str, url: str):
        self.login_as(self.users[who])
        return self.client.get(url)

    def post(self, who: str, url: str, csrf: bool = True, **form):
        self.login_as(self.users[who])
        if csrf:
            form["csrf_token"] = csrf_token(self.client, "/account")
        return self.client.post(url, data=form)


def squash(response) -> str:
    """The page's text with tags dropped and runs of white space made one."""
    page = response.get_data(as_text=True)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def count(model, *where) -> int:
    return _db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def world(db):
    world = build_world()  # the clock reads 2025-06-02
    for user in world.users.values():
        user.locale = "en"
    db.session.commit()
    return world


@pytest.fixture
def web(client, login_as, world):
    return Browser(client, login_as, world.users)


def preparing(db) -> Committee | None:
    return db.session.scalar(select(Committee).where(Committee.status == CommitteeStatus.preparing))


# --- who reads --------------------------------------------------------------------------------


@pytest.mark.parametrize("login", LOGINS)
def test_committee_votes_terms_and_notices_render_for_those_who_see_the_community(web, login):
    for url in (COMMITTEE, VOTES, TERMS, "/communities/CA/notices"):
        response = web.get(login, url)
        expected = 200 if "CA" in VISIBLE[login] else 404
        assert response.status_code == expected, (login, url)
        if expected == 200:
            assert not INLINE.search(response.get_data(as_text=True))


@pytest.mark.parametrize("login", LOGINS)
def test_the_forms_show_only_to_who_may_use_them(web, login):
    if "CA" not in VISIBLE[login]:
        return
    committee = web.get(login, COMMITTEE).get_data(as_text=True)
    assert (f'action="{COMMITTEE}/prepare"' in committee) == (login in ("officer", "sysadmin"))
    terms = web.get(login, TERMS).get_data(as_text=True)
    assert (f'action="{TERMS}"' in terms) == (
        login in ("officer", "sysadmin", "bureau", "committee_a"))
    votes = web.get(login, VOTES).get_data(as_text=True)
    assert (f'href="{VOTES}/new"' in votes) == (login in ("officer", "sysadmin", "committee_a"))


@pytest.mark.parametrize("login", LOGINS)
def test_the_coverage_report_is_for_street_offices_bureaus_and_sysadmins(web, login):
    response = web.get(login, COVERAGE)
    readers = ("officer", "bureau", "sysadmin", "office_officer")
    assert response.status_code == (200 if login in readers else 403)
    home = web.get(login, "/account").get_data(as_text=True)
    assert (f'href="{COVERAGE}"' in home) == (login in readers)


def test_the_coverage_report_counts_terms_in_force_and_lists_the_communities_without(web):
    page = web.get("bureau", COVERAGE)
    text = page.get_data(as_text=True)
    assert 'id="region-S1"' in text and 'id="region-S3"' in text and 'id="region-S2"' not in text
    assert 'id="uncovered-CC"' in text and 'id="uncovered-CA"' not in text
    assert 'href="/communities/CC/terms"' in text
    total = squash(page).split("All", 1)[1]
    assert total.split()[:4] == ["2", "1", "50.00", "%"]
    by_district = web.get("bureau", COVERAGE + "?level=district&on=2021-06-01")
    assert by_district.status_code == 200
    assert 'id="region-D1"' in by_district.get_data(as_text=True)
    assert web.get("bureau", COVERAGE + "?level=planet").status_code == 400
    assert web.get("bureau", COVERAGE + "?on=not-a-day").status_code == 400


def test_the_coverage_page_exports_its_tables_to_excel(web):
    """The same rows as the page, for the same reader; counts and rates as numbers."""
    page = web.get("bureau", COVERAGE + "?on=2025-06-02").get_data(as_text=True)
    assert 'href="/reports/coverage.xlsx?on=2025-06-02&amp;level=street" download' in page
    response = web.get("bureau", "/reports/coverage.xlsx?on=2025-06-02&level=street")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="coverage-street-2025-06-02.xlsx"')
    book = load_workbook(BytesIO(response.data))
    coverage, uncovered = ([list(row) for row in sheet.iter_rows(values_only=True)]
                           for sheet in book.worksheets)
    assert coverage[0][:5] == ["Code", "Street", "Communities", "Covered", "Rate"]
    assert [row[0] for row in coverage[1:]] == ["S1", "S3", None]
    assert coverage[-1][1:5] == ["All", 2, 1, 0.5]
    assert book.worksheets[0]["E4"].number_format == "0.00%"
    assert [row[0] for row in uncovered[1:]] == ["CC"]
    assert web.get("officer", "/reports/coverage.xlsx").status_code == 200
    assert web.get("resident_a", "/reports/coverage.xlsx").status_code == 403
    assert web.get("bureau", "/reports/coverage.xlsx?level=planet").status_code == 400


def test_the_community_page_links_to_committee_votes_and_terms(web):
    page = web.get("resident_a", "/communities/CA").get_data(as_text=True)
    for url in (COMMITTEE, VOTES, TERMS):
        assert f'href="{url}"' in page


def test_the_chinese_default_renders_every_page(web, world, db):
    for user in world.users.values():
        user.locale = None
    db.session.commit()
    for who, url in (("officer", COMMITTEE), ("officer", VOTES), ("officer", VOTES + "/new"),
                     ("officer", TERMS), ("officer", COVERAGE), ("resident_a", COMMITTEE),
                     ("resident_a", "/communities/CA/notices")):
        response = web.get(who, url)
        assert response.status_code == 200, url
        assert '<html lang="zh-CN">' in response.get_data(as_text=True)


# --- the committee's forms --------------------------------------------------------------------


def test_the_street_office_prepares_proposes_and_vets(web, db):
    assert web.post("officer", COMMITTEE + "/prepare", seats="3", note="换届").status_code == 302
    committee = preparing(db)
    assert committee.seats == 3
    page = web.get("officer", COMMITTEE)
    text = page.get_data(as_text=True)
    assert 'id="seats">3<' in text and 'data-status="preparing"' in text
    assert 'value="P-A"' in text and 'value="P-T"' not in text  # owners only, no tenant
    assert web.post("officer", COMMITTEE + "/candidates", person="P-A").status_code == 302
    assert web.post("resident_ac", COMMITTEE + "/candidates", person="P-AC").status_code == 302
    assert web.post("officer", COMMITTEE + "/candidates/P-A/vetting", decision="approve",
                    note="").status_code == 302
    assert web.post("officer", COMMITTEE + "/candidates/P-AC/vetting", decision="reject",
                    note="不符合条件").status_code == 302
    statuses = dict(db.session.execute(
        select(CommitteeCandidate.note, CommitteeCandidate.status)).all())
    assert {k: v.value for k, v in statuses.items()} == {"": "approved", "不符合条件": "rejected"}
    text = squash(web.get("resident_a", COMMITTEE))
    assert "不符合条件" in text and "业主甲" in text


def test_a_resident_owner_proposes_themself_only(web, db):
    web.post("officer", COMMITTEE + "/prepare", seats="3")
    page = web.get("resident_a", COMMITTEE).get_data(as_text=True)
    assert 'id="self-form"' in page and 'id="propose-form"' not in page
    assert web.get("tenant_a", COMMITTEE).get_data(as_text=True).count('id="self-form"') == 0
    refused = web.post("resident_a", COMMITTEE + "/candidates", person="P-AC")
    assert refused.status_code == 403
    assert count(CommitteeCandidate) == 0
    assert web.post("resident_a", COMMITTEE + "/candidates", person="P-A").status_code == 302
    assert 'id="self-form"' not in web.get("resident_a", COMMITTEE).get_data(as_text=True)


def test_committee_refusals_show_a_message_and_change_nothing(web, db):
    even = web.post("officer", COMMITTEE + "/prepare", seats="4")
    assert even.status_code == 400
    assert 'class="field-error"' in even.get_data(as_text=True)
    assert preparing(db) is None
    assert web.post("officer", COMMITTEE + "/prepare", seats="").status_code == 400
    assert web.post("officer", COMMITTEE + "/prepare", seats="3").status_code == 302
    again = web.post("officer", COMMITTEE + "/prepare", seats="5")
    assert again.status_code == 409 and 'flash-error' in again.get_data(as_text=True)
    assert preparing(db).seats == 3
    tenant = web.post("officer", COMMITTEE + "/candidates", person="P-T")
    assert tenant.status_code == 422
    assert 'class="field-error"' in tenant.get_data(as_text=True)
    web.post("officer", COMMITTEE + "/candidates", person="P-A")
    twice = web.post("officer", COMMITTEE + "/candidates", person="P-A")
    assert twice.status_code == 409
    assert count(CommitteeCandidate) == 1
    bare = web.post("officer", COMMITTEE + "/candidates/P-A/vetting", decision="reject", note="")
    assert bare.status_code == 400 and 'class="field-error"' in bare.get_data(as_text=True)
    unknown = web.post("officer", COMMITTEE + "/candidates/P-B/vetting", decision="approve",
                       note="")
    assert unknown.status_code == 404
    assert db.session.scalar(select(CommitteeCandidate.status)).value == "proposed"
    early = web.post("officer", COMMITTEE + "/activate", **{
        "members-0-person": "P-A", "members-0-role": "director", "term_start": "2025-06-02"})
    assert early.status_code == 422 and 'flash-error' in early.get_data(as_text=True)
    assert preparing(db) is not None
    interim = web.post("officer", COMMITTEE + "/interim", **{
        "members-0-person": "P-A", "members-0-role": "director", "start": "2025-06-02",
        "note": "无法成立"})
    assert interim.status_code == 409
    assert count(Committee, Committee.kind == "interim") == 0
    assert web.post("officer", COMMITTEE + "/prepare", csrf=False, seats="3").status_code == 400


@pytest.mark.parametrize("action, form", [
    ("prepare", {"seats": "3"}),
    ("candidates", {"person": "P-A"}),
    ("candidates/P-A/vetting", {"decision": "approve", "note": ""}),
    ("activate", {"term_start": "2025-06-02"}),
    ("interim", {"members-0-person": "P-A", "members-0-role": "director",
                 "start": "2025-06-02", "note": "x"}),
    ("expire", {"which": "active", "on": "2025-06-02", "reason": "x"}),
])
@pytest.mark.parametrize("login, status", [
    ("manager_a", 403), ("committee_a", 403), ("bureau", 403), ("operator_in", 403),
    ("resident_b", 404), ("manager_b", 404), ("self_manager", 404),
])
def test_committee_forms_refuse_who_may_not_act(web, db, action, form, login, status):
    before = count(Committee), count(CommitteeCandidate)
    assert web.post(login, f"{COMMITTEE}/{action}", **form).status_code == status
    assert (count(Committee), count(CommitteeCandidate)) == before


def test_the_street_office_ends_the_committee_and_appoints_an_interim_one(web, db, world):
    page = web.get("officer", COMMITTEE).get_data(as_text=True)
    assert 'data-kind="owners"' in page and 'action="/communities/CA/committee/expire"' in page
    assert 'action="/communities/CA/committee/interim"' not in page
    blank = web.post("officer", COMMITTEE + "/expire", which="active", on="2025-06-02",
                     reason="")
    assert blank.status_code == 400
    assert count(Committee, Committee.status == CommitteeStatus.active) == 1
    assert web.post("officer", COMMITTEE + "/expire", which="active", on="2025-06-01",
                    reason="任期届满").status_code == 302
    assert count(Committee, Committee.status == CommitteeStatus.active) == 0
    page = web.get("officer", COMMITTEE)
    assert 'data-status="expired"' in page.get_data(as_text=True)
    assert "任期届满" in squash(page)
    two_directors = {"members-0-person": "P-A", "members-0-role": "director",
                     "members-1-person": "P-AC", "members-1-role": "director",
                     "start": "2025-06-02", "note": "无法成立业委会"}
    refused = web.post("officer", COMMITTEE + "/interim", **two_directors)
    assert refused.status_code == 400
    assert 'class="field-error"' in refused.get_data(as_text=True)
    assert count(Committee, Committee.status == CommitteeStatus.active) == 0
    assert web.post("officer", COMMITTEE + "/interim",
                    **{**two_directors, "members-1-role": "member"}).status_code == 302
    page = web.get("resident_a", COMMITTEE).get_data(as_text=True)
    assert 'data-kind="interim"' in page and "业主甲" in page and "邻居丙" in page
    notices = web.get("tenant_a", "/communities/CA/notices").get_data(as_text=True)
    assert 'id="owners-committee"' in notices and "业主甲" in notices


def test_the_term_warning_shows_within_the_warning_days(web, db):
    committee = db.session.scalar(
        select(Committee).where(Committee.status == CommitteeStatus.active))
    committee.term_start, committee.term_end = date(2021, 1, 1), date(2025, 7, 31)
    db.session.commit()
    page = web.get("resident_a", COMMITTEE).get_data(as_text=True)
    assert 'id="term-warning"' in page and 'id="days-left">59<' in page
    committee.term_end = date(2025, 12, 31)
    db.session.commit()
    assert 'id="term-warning"' not in web.get("resident_a", COMMITTEE).get_data(as_text=True)


# --- terms ------------------------------------------------------------------------------------


def test_the_community_office_imposes_community_management_where_no_committee_serves(web, db):
    url = "/communities/CC/terms"
    form = web.get("office_officer", url).get_data(as_text=True)
    assert 'value="CO-C"' in form and 'value="professional"' in form
    assert 'value="original_unit"' not in form
    # PM-A's term on CC starts on 2026-06-02: nothing may start before it.
    before = count(ManagementTerm)
    early = web.post("office_officer", url, mode="community", org="CO-C", start="2025-06-02")
    assert early.status_code == 409 and "flash-error" in early.get_data(as_text=True)
    assert count(ManagementTerm) == before
    posted = web.post("office_officer", url, mode="community", org="CO-C", start="2026-07-01",
                      basis="街道决定")
    assert posted.status_code == 302
    term = db.session.scalar(select(ManagementTerm).where(ManagementTerm.start == date(2026, 7, 1)))
    assert term.mode.value == "community" and term.decided_by.username == "office_officer"
    text = squash(web.get("bureau", url))
    assert "街道决定" in text and "office_officer" in text  # decided by, and ended by
    later = web.get("bureau", COVERAGE + "?on=2026-07-02").get_data(as_text=True)
    assert 'id="uncovered-CC"' not in later


def test_term_refusals_show_a_message_and_change_nothing(web, db):
    before = count(ManagementTerm)
    no_vote = web.post("officer", TERMS, mode="professional", org="PM-B", start="2025-07-01")
    assert no_vote.status_code == 422 and "flash-error" in no_vote.get_data(as_text=True)
    wrong_org = web.post("officer", TERMS, mode="community", org="PM-B", start="2025-07-01")
    assert wrong_org.status_code == 422
    unknown = web.post("officer", TERMS, mode="community", org="NOPE", start="2025-07-01")
    assert unknown.status_code == 400 and 'class="field-error"' in unknown.get_data(as_text=True)
    legacy = web.post("officer", TERMS, mode="original_unit", org="PM-B", start="2025-07-01")
    assert legacy.status_code == 400
    backwards = web.post("officer", TERMS, mode="community", org="SO-S1", start="2025-07-01",
                         end="2025-06-01")
    assert backwards.status_code in (400, 422)
    bad_vote = web.post("officer", TERMS, mode="professional", org="PM-B", start="2025-07-01",
                        basis_vote="99999999999")
    assert bad_vote.status_code == 400
    assert count(ManagementTerm) == before
    for login, status in (("resident_a", 403), ("manager_a", 403), ("tenant_a", 403),
                          ("resident_b", 404), ("operator_out", 404)):
        assert web.post(login, TERMS, mode="community", org="SO-S1",
                        start="2025-07-01").status_code == status
    assert count(ManagementTerm) == before
