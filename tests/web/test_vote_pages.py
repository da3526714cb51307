"""The vote pages in tests/vote_world.py: convening, ballots on the phone, paper ballots,
closing and the result; and one walk through the whole issue in the pages only:
no committee → elected committee → a passed vote that installs a professional manager.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from pmsys import clock
from pmsys.extensions import db as _db
from pmsys.governance.services import votes
from pmsys.models.auth import OrgKind, Role
from pmsys.models.governance import (
    Committee,
    CommitteeStatus,
    ManagementTerm,
    Vote,
    VoteBallot,
    VoteStatus,
)
from tests.factories import OrganizationFactory
from tests.vote_world import NOW, build_vote_world
from tests.web.test_governance_pages import INLINE, Browser, squash

OPENS = NOW
CLOSES = NOW + timedelta(days=7)


def local(moment: datetime) -> str:
    return moment.astimezone(clock.LOCAL_TZ).strftime("%Y-%m-%dT%H:%M")


def ballots() -> int:
    return _db.session.scalar(select(func.count(VoteBallot.id)))


@pytest.fixture
def world(db):
    world = build_vote_world()  # the clock reads 2025-09-01 10:00 in Shanghai
    for user in [*world.users.values(), *world.residents.values()]:
        user.locale = "en"
    db.session.commit()
    return world


@pytest.fixture
def web(client, login_as, world):
    users = {**world.users, **world.residents}
    return Browser(client, login_as, users)


@pytest.fixture
def vote(db, world) -> Vote:
    vote = votes.convene(db.session, world.officer, world.community, matter="hire_manager",
                         title="续聘物业", opens_at=OPENS, closes_at=CLOSES)
    db.session.commit()
    return vote


def page(vote: Vote) -> str:
    return f"/votes/{vote.id}"


@pytest.mark.parametrize("login, status", [
    ("V-O1", 200), ("V-T", 200), ("V-DEV", 200), ("officer", 200), ("committee", 200),
    ("manager", 200), ("bureau", 200), ("sysadmin", 200), ("V-X1", 404), ("V-B", 404),
    ("other_officer", 404),
])
def test_the_vote_page_and_list_render_for_those_who_see_the_community(web, vote, login, status):
    for url in (page(vote), "/communities/VA/votes"):
        response = web.get(login, url)
        assert response.status_code == status, url
        if status == 200:
            assert not INLINE.search(response.get_data(as_text=True))
    assert web.get(login, "/votes/99999999999").status_code == 404


def test_the_vote_page_says_what_is_decided_and_what_is_needed(web, vote):
    text = web.get("V-O1", page(vote)).get_data(as_text=True)
    assert 'data-matter="hire_manager"' in text and 'data-kind="ordinary"' in text
    assert 'id="opens-at">2025-09-01 10:00<' in text
    assert 'id="closes-at">2025-09-08 10:00<' in text
    assert "more than half of the participating area" in squash(web.get("V-O1", page(vote)))
    major = votes.convene(_db.session, web.users["officer"], vote.community, matter="rebuild",
                          title="加装电梯", opens_at=OPENS, closes_at=CLOSES)
    _db.session.commit()
    assert 'data-kind="major"' in web.get("V-O1", page(major)).get_data(as_text=True)
    assert "at least 3/4" in squash(web.get("V-O1", page(major)))


def test_an_owner_votes_with_a_button_and_may_change_the_ballot(web, vote, db):
    before = web.get("V-O2", page(vote)).get_data(as_text=True)
    assert before.count('name="choice"') == 3 and 'id="my-ballot"' not in before
    assert web.post("V-O2", page(vote) + "/ballot", choice="approve").status_code == 302
    shown = web.get("V-O2", page(vote)).get_data(as_text=True)
    assert 'data-choice="approve"' in shown and "2025-09-08 10:00" in shown
    assert web.post("V-O2", page(vote) + "/ballot", choice="reject").status_code == 302
    assert 'data-choice="reject"' in web.get("V-O2", page(vote)).get_data(as_text=True)
    assert ballots() == 1
    tally = web.get("V-T", page(vote)).get_data(as_text=True)
    assert 'id="tally-ballots">1<' in tally and 'id="tally-owners">6<' in tally
    assert 'name="choice"' not in tally  # a tenant has no vote


def test_ballot_refusals_show_a_message_and_change_nothing(web, vote, world, db):
    assert web.post("V-T", page(vote) + "/ballot", choice="approve").status_code == 403
    assert web.post("V-X1", page(vote) + "/ballot", choice="approve").status_code == 404
    assert web.post("other_officer", page(vote) + "/ballot", choice="approve",
                    person="V-O1").status_code == 404
    nonsense = web.post("V-O1", page(vote) + "/ballot", choice="maybe")
    assert nonsense.status_code == 400 and 'class="field-error"' in nonsense.get_data(as_text=True)
    assert web.post("V-O1", page(vote) + "/ballot", csrf=False, choice="approve").status_code == 400
    assert web.post("V-O1", page(vote) + "/ballot", choice="approve",
                    person="V-O2").status_code == 403
    assert web.post("manager", page(vote) + "/ballot", choice="approve",
                    person="V-O2").status_code == 403
    not_on_roll = web.post("officer", page(vote) + "/ballot", choice="approve", person="V-T")
    assert not_on_roll.status_code == 422
    assert 'class="field-error"' in not_on_roll.get_data(as_text=True)
    later = votes.convene(db.session, world.officer, world.community, matter="other",
                          title="下周表决", opens_at=NOW + timedelta(days=1),
                          closes_at=NOW + timedelta(days=8))
    db.session.commit()
    assert 'name="choice"' not in web.get("V-O1", page(later)).get_data(as_text=True)
    early = web.post("V-O1", page(later) + "/ballot", choice="approve")
    assert early.status_code == 409 and "flash-error" in early.get_data(as_text=True)
    assert ballots() == 0


def test_the_committee_records_paper_ballots_for_owners_on_the_roll(web, vote):
    form = web.get("committee", page(vote)).get_data(as_text=True)
    assert 'id="paper-form"' in form and 'value="V-O4"' in form and 'value="V-T"' not in form
    assert 'id="paper-form"' not in web.get("V-O1", page(vote)).get_data(as_text=True)
    assert web.post("committee", page(vote) + "/ballot", choice="abstain",
                    person="V-O4").status_code == 302
    mine = web.get("V-O4", page(vote)).get_data(as_text=True)
    assert 'data-choice="abstain"' in mine and "paper" in mine


def test_closing_before_the_time_is_refused_then_the_result_is_shown(web, vote, db):
    for who in ("V-O1", "V-O2", "V-O3", "V-O4", "V-O5"):
        web.post(who, page(vote) + "/ballot", choice="approve")
    web.post("V-DEV", page(vote) + "/ballot", choice="reject")
    assert 'id="close"' not in web.get("officer", page(vote)).get_data(as_text=True)
    early = web.post("officer", page(vote) + "/close")
    assert early.status_code == 409 and "flash-error" in early.get_data(as_text=True)
    assert db.session.get(Vote, vote.id).status is VoteStatus.open
    clock.set_now(CLOSES)
    assert 'id="close"' in web.get("committee", page(vote)).get_data(as_text=True)
    assert web.post("V-O1", page(vote) + "/close").status_code == 403
    assert web.post("other_officer", page(vote) + "/close").status_code == 404
    late = web.post("V-O1", page(vote) + "/ballot", choice="reject")
    assert late.status_code == 409
    assert web.post("committee", page(vote) + "/close").status_code == 302
    result = web.get("V-T", page(vote))
    text = result.get_data(as_text=True)
    assert 'data-reason="passed"' in text and 'id="result"' in text
    plain = squash(result)
    # 6 of 6 owners, 500 of 500 m²; approving 5 owners holding 400 m².
    assert "Participation by area 100.00 % at least 2/3" in plain
    assert "Participation by owners 100.00 % at least 2/3" in plain
    assert "Approval by area 80.00 % more than 1/2" in plain
    assert "Approval by owners 83.33 % more than 1/2" in plain
    assert web.post("committee", page(vote) + "/close").status_code == 409


def test_a_failed_vote_gives_its_reason(web, vote):
    web.post("V-O1", page(vote) + "/ballot", choice="approve")
    clock.set_now(CLOSES + timedelta(minutes=1))
    assert web.post("officer", page(vote) + "/close").status_code == 302
    text = web.get("V-O2", page(vote)).get_data(as_text=True)
    assert 'data-reason="quorum_area"' in text
    notices = web.get("V-T", "/communities/VA/notices").get_data(as_text=True)
    assert f'id="notice-vote-{vote.id}"' in notices and 'data-reason="quorum_area"' in notices


def test_convening_through_the_form_and_its_refusals(web, world, db):
    for login, status in (("officer", 200), ("committee", 200), ("sysadmin", 200),
                          ("V-O1", 403), ("manager", 403), ("bureau", 403),
                          ("other_officer", 404), ("V-X1", 404)):
        assert web.get(login, "/communities/VA/votes/new").status_code == status, login
    form = web.get("officer", "/communities/VA/votes/new?matter=elect_committee")
    text = form.get_data(as_text=True)
    assert text.count("<option") == 10
    assert re.search(r"<option selected value=\"elect_committee\"", text)
    assert 'value="2025-09-01T10:00"' in text and 'value="2025-09-08T10:00"' in text
    good = {"matter": "use_maintenance_fund", "title": "维修屋面", "description": "用维修资金",
            "opens_at": local(NOW), "closes_at": local(NOW + timedelta(days=5)),
            "amount": "50000.00"}
    before = db.session.scalar(select(func.count(Vote.id)))
    no_amount = web.post("officer", "/communities/VA/votes/new", **{**good, "amount": ""})
    assert no_amount.status_code == 400
    assert 'class="field-error"' in no_amount.get_data(as_text=True)
    backwards = web.post("officer", "/communities/VA/votes/new",
                         **{**good, "closes_at": local(NOW - timedelta(hours=1))})
    assert backwards.status_code == 400
    assert 'class="field-error"' in backwards.get_data(as_text=True)
    assert web.post("officer", "/communities/VA/votes/new",
                    **{**good, "title": ""}).status_code == 400
    too_long = web.post("officer", "/communities/VA/votes/new",
                        **{**good, "closes_at": local(NOW + timedelta(days=120))})
    assert too_long.status_code == 400
    no_committee = web.post("officer", "/communities/VA/votes/new",
                            **{**good, "matter": "elect_committee", "amount": ""})
    assert no_committee.status_code == 422 and "flash-error" in no_committee.get_data(as_text=True)
    assert web.post("V-O1", "/communities/VA/votes/new", **good).status_code == 403
    assert db.session.scalar(select(func.count(Vote.id))) == before
    posted = web.post("committee", "/communities/VA/votes/new", **good)
    assert posted.status_code == 302
    vote = db.session.scalar(select(Vote).where(Vote.title == "维修屋面"))
    assert posted.headers["Location"].endswith(f"/votes/{vote.id}")
    assert vote.status is VoteStatus.open and vote.closes_at == NOW + timedelta(days=5)
    assert vote.amount == Decimal("50000.00")
    assert "50,000.00" in web.get("V-T", f"/votes/{vote.id}").get_data(as_text=True)
    listed = web.get("V-T", "/communities/VA/votes").get_data(as_text=True)
    assert f'href="/votes/{vote.id}"' in listed


def test_the_walk_from_no_committee_to_a_professional_manager(web, world, db):
    """The issue's walk: officer, residents and the new committee, through the pages only."""
    # The committee the world put in office ends: the community has none.
    assert web.post("officer", "/communities/VA/committee/expire", which="active",
                    on="2025-08-31", reason="任期届满").status_code == 302
    base = "/communities/VA/committee"
    assert web.post("officer", base + "/prepare", seats="3").status_code == 302
    for person in ("V-O1", "V-O2"):
        assert web.post("officer", base + "/candidates", person=person).status_code == 302
    assert web.post("V-O3", base + "/candidates", person="V-O3").status_code == 302
    for person in ("V-O1", "V-O2", "V-O3"):
        assert web.post("officer", f"{base}/candidates/{person}/vetting", decision="approve",
                        note="联审通过").status_code == 302
    election = web.post("officer", "/communities/VA/votes/new", matter="elect_committee",
                        title="选举业主委员会", opens_at=local(NOW),
                        closes_at=local(NOW + timedelta(days=7)))
    assert election.status_code == 302
    election_url = election.headers["Location"]
    slate = squash(web.get("V-O5", election_url))
    assert "业主V-O1" in slate and "业主V-O3" in slate
    for who in ("V-O1", "V-O2", "V-O3", "V-O4", "V-O5"):
        assert web.post(who, election_url + "/ballot", choice="approve").status_code == 302
    clock.set_now(NOW + timedelta(days=7))
    assert web.post("officer", election_url + "/close").status_code == 302
    assert 'data-reason="passed"' in web.get("V-O1", election_url).get_data(as_text=True)
    form = web.get("officer", base).get_data(as_text=True)
    assert 'id="activate-form"' in form
    roles = {"members-0-person": "V-O1", "members-0-role": "director",
             "members-1-person": "V-O2", "members-1-role": "deputy",
             "members-2-person": "V-O3", "members-2-role": "member",
             "term_start": "2025-09-08"}
    assert web.post("officer", base + "/activate", **roles).status_code == 302
    committee = db.session.scalar(
        select(Committee).where(Committee.status == CommitteeStatus.active))
    assert committee.term_start == date(2025, 9, 8) and len(committee.members) == 3
    director = world.residents["V-O1"]
    db.session.refresh(director)
    assert director.role is Role.committee_member
    shown = web.get("V-T", base).get_data(as_text=True)
    assert 'data-status="active"' in shown and "业主V-O1" in shown

    # The new committee convenes the hiring of a property company; the owners vote.
    hire = web.post("V-O1", "/communities/VA/votes/new", matter="hire_manager",
                    title="选聘新物业", opens_at=local(clock.now()),
                    closes_at=local(clock.now() + timedelta(days=7)))
    assert hire.status_code == 302
    hire_url = hire.headers["Location"]
    for who in ("V-O1", "V-O2", "V-O3", "V-O4"):
        assert web.post(who, hire_url + "/ballot", choice="approve").status_code == 302
    assert web.post("V-O5", hire_url + "/ballot", choice="reject").status_code == 302
    clock.set_now(NOW + timedelta(days=14))
    assert web.post("V-O1", hire_url + "/close").status_code == 302
    assert 'data-reason="passed"' in web.get("V-O4", hire_url).get_data(as_text=True)

    # The committee records the professional term resting on that vote.
    new_company = OrganizationFactory(code="VPM-2", kind=OrgKind.property_company,
                                      name="新物业")
    db.session.commit()
    terms_url = "/communities/VA/terms"
    hire_id = hire_url.rsplit("/", 1)[1]
    term_form = web.get("V-O1", terms_url).get_data(as_text=True)
    assert f'value="{hire_id}"' in term_form and 'value="VPM-2"' in term_form
    assert web.post("V-O1", terms_url, mode="professional", org="VPM-2", start="2025-09-16",
                    basis_vote=hire_id).status_code == 302
    term = db.session.scalar(select(ManagementTerm).where(
        ManagementTerm.organization_id == new_company.id))
    assert term.basis_vote_id == int(hire_id) and term.decided_by_id == director.id
    history = web.get("V-T", terms_url).get_data(as_text=True)
    assert f'href="{hire_url}"' in history and "新物业" in history
    assert f'value="{hire_id}"' not in web.get("officer", terms_url).get_data(as_text=True)

    # Coverage counts the community; the notice page publishes the results.
    coverage = web.get("officer", "/reports/coverage?on=2025-09-16").get_data(as_text=True)
    assert 'id="region-VS1"' in coverage and 'id="uncovered-VA"' not in coverage
    notices = web.get("V-T", "/communities/VA/notices")
    text = notices.get_data(as_text=True)
    for url in (election_url, hire_url):
        assert f'href="{url}"' in text
    assert text.count('data-reason="passed"') == 2
    assert "业主V-O1" in squash(notices) and 'id="notice-committee-term"' in text
