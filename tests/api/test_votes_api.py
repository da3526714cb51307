"""Assembly votes over the API: convene, ballots (own and paper), the ballot list, close.

Most tests run in tests/vote_world.py (community VA: six owners on the roll,
500.00 m²); the role table runs in tests/world.py. The walk from no committee
to a professional manager is in test_coverage_api.py, where it ends.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from pmsys import clock
from pmsys.extensions import db as _db
from pmsys.models.governance import Vote
from tests.api.test_openapi import conforms, response_schema
from tests.vote_world import NOW, build_vote_world
from tests.world import VISIBLE, build_world

API = "/api/v1"
WEEK = timedelta(days=7)


def new_vote(**overrides) -> dict:
    """A vote body opening now and closing in a week (hire a manager)."""
    now = clock.now()
    return {"matter": "hire_manager", "title": "选聘物业服务企业", "opens_at": now.isoformat(),
            "closes_at": (now + WEEK).isoformat(), "description": "三家比选", **overrides}


def convene(client, headers, community: str = "VA", **overrides):
    return client.post(f"{API}/communities/{community}/votes", json=new_vote(**overrides),
                       headers=headers)


def ballot(client, headers, vote_id: int, choice: str, person: str | None = None):
    body = {"choice": choice} if person is None else {"choice": choice, "person": person}
    return client.post(f"{API}/votes/{vote_id}/ballots", json=body, headers=headers)


def code_of(response) -> str:
    return response.get_json()["error"]["code"]


def passed_vote(client, headers, community: str, persons: list[str], matter="hire_manager"):
    """Convene a vote, record every named owner's approval on paper, close it a week later.

    Leaves the clock a week on; returns the vote's id.
    """
    made = convene(client, headers, community, matter=matter)
    assert made.status_code == 201, made.get_json()
    vote_id = made.get_json()["id"]
    for person in persons:
        assert ballot(client, headers, vote_id, "approve", person).status_code == 201
    clock.set_now(clock.now() + WEEK)
    closed = client.post(f"{API}/votes/{vote_id}/close", json={}, headers=headers)
    assert closed.status_code == 200 and closed.get_json()["passed"], closed.get_json()
    return vote_id


@pytest.fixture
def vw(db):
    return build_vote_world()  # the clock reads 2025-09-01 10:00 in Shanghai


@pytest.fixture
def as_(vw, api_token):
    """Headers of a vote-world login: "officer", "committee", … or a person code."""
    return lambda name: api_token(vw.users.get(name) or vw.residents[name])


@pytest.fixture
def doc(client):
    return client.get(f"{API}/openapi.json").get_json()


# --- convening -------------------------------------------------------------------------

def test_the_committee_convenes_a_vote_that_opens_at_once(client, vw, as_, doc):
    answer = convene(client, as_("committee"))
    assert answer.status_code == 201, answer.get_json()
    vote = answer.get_json()
    conforms(doc, vote, response_schema(doc, "/communities/{code}/votes", "post", "201"))
    assert {k: vote[k] for k in ("community", "matter", "kind", "title", "description",
                                 "status", "committee", "convened_by", "my_ballot",
                                 "result", "closed_at")} == {
        "community": "VA", "matter": "hire_manager", "kind": "ordinary",
        "title": "选聘物业服务企业", "description": "三家比选", "status": "open",
        "committee": None, "convened_by": "VA-YWH", "my_ballot": None, "result": None,
        "closed_at": None}
    assert vote["participation"] == {"ballots": 0, "owners": 6}
    assert vote["opens_at"] == "2025-09-01T10:00:00+08:00"
    assert vote["closes_at"] == "2025-09-08T10:00:00+08:00"
    major = convene(client, as_("officer"), matter="rebuild").get_json()
    assert major["kind"] == "major" and major["convened_by"] == "VSO-1"


def test_a_vote_opening_later_is_scheduled_and_takes_no_ballot_yet(client, vw, as_):
    later = clock.now() + timedelta(days=1)
    answer = convene(client, as_("officer"), opens_at="2025-09-02T10:00:00",
                     closes_at=(later + WEEK).isoformat())
    assert answer.status_code == 201, answer.get_json()
    vote = answer.get_json()
    assert vote["status"] == "scheduled" and vote["participation"] is None
    assert vote["opens_at"] == "2025-09-02T10:00:00+08:00"  # no offset: Shanghai time
    refused = ballot(client, as_("V-O1"), vote["id"], "approve")
    assert refused.status_code == 409 and code_of(refused) == "vote_not_open"
    clock.set_now(later)
    assert ballot(client, as_("V-O1"), vote["id"], "approve").status_code == 201
    assert client.get(f"{API}/votes/{vote['id']}", headers=as_("V-O2")).get_json()[
        "participation"] == {"ballots": 1, "owners": 6}


@pytest.mark.parametrize(("change", "field", "code"), [
    ({"matter": "buy_a_boat"}, "matter", "invalid_input"),
    ({"title": "   "}, "title", "invalid_input"),
    ({"title": "长" * 201}, "title", "invalid_input"),
    ({"closes_at": "2025-09-01T09:00:00+08:00"}, "closes_at", "closes_before_opens"),
    ({"opens_at": "2025-08-01T10:00:00+08:00", "closes_at": "2025-08-30T10:00:00+08:00"},
     "closes_at", "invalid_input"),
    ({"closes_at": "2025-12-15T10:00:00+08:00"}, "closes_at", "invalid_input"),
    ({"opens_at": "tomorrow"}, "opens_at", "invalid_input"),
    ({"opens_at": "0001-01-01T00:00:00+08:00"}, "opens_at", "invalid_input"),
    ({"opens_at": "9999-12-31T23:00:00-12:00"}, "opens_at", "invalid_input"),
    ({"closes_at": 20250908}, "closes_at", "invalid_input"),
    ({"matter": None}, "matter", "invalid_input"),
    ({"title": ["list"]}, "title", "invalid_input"),
])
def test_convening_refuses_bad_input(client, vw, as_, change, field, code):
    answer = convene(client, as_("committee"), **change)
    assert answer.status_code == 400, answer.get_json()
    assert code_of(answer) == code
    assert field in answer.get_json()["error"]["fields"]
    assert _db.session.scalar(select(Vote.id)) is None
    not_json = client.post(f"{API}/communities/VA/votes", data="x", headers=as_("committee"))
    assert not_json.status_code == 400 and code_of(not_json) == "invalid_json"


@pytest.mark.parametrize(("login", "status"), [
    ("committee", 201), ("officer", 201), ("sysadmin", 201),
    ("V-O1", 403), ("V-T", 403), ("manager", 403), ("operator", 403), ("bureau", 403),
    ("other_officer", 404), ("V-X1", 404), ("V-B", 404),
])
def test_who_convenes(client, vw, as_, login, status):
    answer = convene(client, as_(login))
    assert answer.status_code == status, answer.get_json()
    if status >= 400:
        assert code_of(answer) == {403: "forbidden", 404: "community_not_found"}[status]


def test_an_election_needs_a_fitting_slate_and_runs_once(client, vw, as_):
    officer = as_("officer")
    refused = convene(client, officer, matter="elect_committee")
    assert refused.status_code == 422 and code_of(refused) == "no_committee_in_preparation"
    assert client.post(f"{API}/communities/VA/committee", json={"seats": 3},
                       headers=officer).status_code == 201
    for person in ("V-O1", "V-O2", "V-O3"):
        proposed = client.post(f"{API}/communities/VA/committee/candidates",
                               json={"person": person}, headers=officer)
        assert proposed.status_code == 201, proposed.get_json()
    for person in ("V-O1", "V-O2"):
        client.post(f"{API}/communities/VA/committee/candidates/{person}/vetting",
                    json={"decision": "approve", "note": "联审通过"}, headers=officer)
    short = convene(client, officer, matter="elect_committee")
    assert short.status_code == 422 and code_of(short) == "candidates_do_not_fit"
    client.post(f"{API}/communities/VA/committee/candidates/V-O3/vetting",
                json={"decision": "approve", "note": ""}, headers=officer)
    election = convene(client, officer, matter="elect_committee")
    assert election.status_code == 201, election.get_json()
    preparing = client.get(f"{API}/communities/VA/committee", headers=officer).get_json()
    assert election.get_json()["committee"] == preparing["preparing"]["id"]
    again = convene(client, as_("committee"), matter="elect_committee")
    assert again.status_code == 409 and code_of(again) == "election_under_way"


# --- reading votes ---------------------------------------------------------------------

def test_the_list_is_paged_latest_opening_first_for_everyone_in_the_community(
        client, vw, as_, doc):
    committee = as_("committee")
    for day in (1, 3, 2):
        start = clock.now() + timedelta(days=day)
        convene(client, committee, title=f"第{day}次", opens_at=start.isoformat(),
                closes_at=(start + WEEK).isoformat())
    for login in ("V-O1", "V-T", "manager", "operator", "bureau", "officer", "sysadmin"):
        page = client.get(f"{API}/communities/VA/votes?per_page=2", headers=as_(login))
        assert page.status_code == 200, (login, page.get_json())
        body = page.get_json()
        conforms(doc, body, response_schema(doc, "/communities/{code}/votes", "get", "200"))
        assert body["total"] == 3
        assert [v["title"] for v in body["items"]] == ["第3次", "第2次"]
    second = client.get(f"{API}/communities/VA/votes?per_page=2&page=2",
                        headers=as_("V-O1")).get_json()
    assert [v["title"] for v in second["items"]] == ["第1次"]
    for login in ("other_officer", "V-X1"):
        hidden = client.get(f"{API}/communities/VA/votes", headers=as_(login))
        assert hidden.status_code == 404
    bad = client.get(f"{API}/communities/VA/votes?page=0", headers=as_("V-O1"))
    assert bad.status_code == 400 and code_of(bad) == "invalid_paging"


@pytest.mark.parametrize("path", ["/votes/999999", "/votes/0", "/votes/99999999999",
                                  "/votes/-1", "/votes/abc"])
def test_an_unknown_vote_is_404(client, vw, as_, path):
    for url in (path, path + "/ballots"):
        answer = client.get(API + url, headers=as_("sysadmin"))
        assert answer.status_code == 404 and answer.get_json()["error"]["code"] in (
            "vote_not_found", "not_found")
    posted = client.post(API + path + "/close", json={}, headers=as_("sysadmin"))
    assert posted.status_code == 404


def test_a_vote_of_a_community_one_does_not_see_is_404_everywhere(client, vw, as_):
    vote_id = convene(client, as_("committee")).get_json()["id"]
    for login in ("other_officer", "V-X1", "V-B"):
        headers = as_(login)
        for answer in (client.get(f"{API}/votes/{vote_id}", headers=headers),
                       client.get(f"{API}/votes/{vote_id}/ballots", headers=headers),
                       ballot(client, headers, vote_id, "approve"),
                       client.post(f"{API}/votes/{vote_id}/close", json={}, headers=headers)):
            assert answer.status_code == 404, (login, answer.get_json())
            assert code_of(answer) == "vote_not_found"


def test_every_route_needs_a_token(client, vw):
    for method, url in (("get", "/communities/VA/votes"), ("post", "/communities/VA/votes"),
                        ("get", "/votes/1"), ("get", "/votes/1/ballots"),
                        ("post", "/votes/1/ballots"), ("post", "/votes/1/close")):
        answer = getattr(client, method)(API + url, json={})
        assert answer.status_code == 401 and code_of(answer) == "unauthenticated"


# --- ballots ---------------------------------------------------------------------------

def test_an_owner_votes_and_a_later_ballot_replaces_the_first(client, vw, as_, doc):
    vote_id = convene(client, as_("committee")).get_json()["id"]
    owner = as_("V-O1")
    first = ballot(client, owner, vote_id, "reject")
    assert first.status_code == 201, first.get_json()
    conforms(doc, first.get_json(), response_schema(doc, "/votes/{vote_id}/ballots", "post",
                                                    "201"))
    assert first.get_json() == {"vote": vote_id, "person": "V-O1", "choice": "reject",
                                "cast_at": "2025-09-01T10:00:00+08:00", "paper": False,
                                "replaced": 0}
    clock.set_now(NOW + timedelta(hours=1))
    second = ballot(client, owner, vote_id, "approve")
    assert second.status_code == 200
    assert second.get_json()["replaced"] == 1 and second.get_json()["choice"] == "approve"
    mine = client.get(f"{API}/votes/{vote_id}", headers=owner).get_json()
    conforms(doc, mine, response_schema(doc, "/votes/{vote_id}", "get", "200"))
    assert mine["my_ballot"] == {"choice": "approve", "cast_at": "2025-09-01T11:00:00+08:00",
                                 "paper": False}
    assert mine["participation"] == {"ballots": 1, "owners": 6}
    other = client.get(f"{API}/votes/{vote_id}", headers=as_("V-O2")).get_json()
    assert other["my_ballot"] is None and other["result"] is None
    developer = ballot(client, as_("V-DEV"), vote_id, "abstain")
    assert developer.status_code == 201


def test_ballot_refusals(client, vw, as_):
    vote_id = convene(client, as_("committee")).get_json()["id"]
    cases = [
        (as_("V-O1"), {"choice": "maybe"}, 400, "invalid_input"),
        (as_("V-O1"), {}, 400, "invalid_input"),
        (as_("V-O1"), {"choice": "approve", "person": 7}, 400, "invalid_input"),
        (as_("V-T"), {"choice": "approve"}, 403, "not_an_owner"),
        (as_("manager"), {"choice": "approve"}, 403, "not_an_owner"),
        (as_("V-O1"), {"choice": "approve", "person": "V-O2"}, 403, "forbidden"),
        (as_("bureau"), {"choice": "approve", "person": "V-O2"}, 403, "forbidden"),
        (as_("committee"), {"choice": "approve", "person": "V-X1"}, 422, "not_on_roll"),
        (as_("committee"), {"choice": "approve", "person": "NOBODY"}, 422, "not_on_roll"),
        (as_("committee"), {"choice": "approve", "person": "V-T"}, 422, "not_on_roll"),
    ]
    for headers, body, status, code in cases:
        answer = client.post(f"{API}/votes/{vote_id}/ballots", json=body, headers=headers)
        assert answer.status_code == status, (body, answer.get_json())
        assert code_of(answer) == code, body
    assert client.get(f"{API}/votes/{vote_id}", headers=as_("V-O1")).get_json()[
        "participation"]["ballots"] == 0
    clock.set_now(NOW + WEEK)
    late = ballot(client, as_("V-O1"), vote_id, "approve")
    assert late.status_code == 409 and code_of(late) == "vote_closed"


def test_the_convening_side_records_paper_ballots(client, vw, as_):
    vote_id = convene(client, as_("committee")).get_json()["id"]
    paper = ballot(client, as_("committee"), vote_id, "approve", person="V-O2")
    assert paper.status_code == 201
    assert paper.get_json()["paper"] is True and paper.get_json()["person"] == "V-O2"
    by_officer = ballot(client, as_("officer"), vote_id, "reject", person="V-O3")
    assert by_officer.status_code == 201
    # The owner's own ballot on the phone replaces the paper one.
    own = ballot(client, as_("V-O2"), vote_id, "reject")
    assert own.status_code == 200 and own.get_json()["paper"] is False
    mine = client.get(f"{API}/votes/{vote_id}", headers=as_("V-O3")).get_json()["my_ballot"]
    assert mine["paper"] is True and mine["choice"] == "reject"


def test_the_ballot_list_shows_choices_only_after_close(client, vw, as_, doc):
    vote_id = convene(client, as_("committee")).get_json()["id"]
    ballot(client, as_("V-O1"), vote_id, "approve")
    ballot(client, as_("committee"), vote_id, "reject", person="V-O2")
    for login in ("committee", "officer", "bureau", "sysadmin"):
        listed = client.get(f"{API}/votes/{vote_id}/ballots", headers=as_(login))
        assert listed.status_code == 200, (login, listed.get_json())
        body = listed.get_json()
        conforms(doc, body, response_schema(doc, "/votes/{vote_id}/ballots", "get", "200"))
        assert body["total"] == 2
        assert [(b["person"], b["name"], b["choice"], b["paper"]) for b in body["items"]] == [
            ("V-O1", "业主V-O1", None, False), ("V-O2", "业主V-O2", None, True)]
    for login in ("V-O1", "V-T", "manager", "operator"):
        refused = client.get(f"{API}/votes/{vote_id}/ballots", headers=as_(login))
        assert refused.status_code == 403, login
    clock.set_now(NOW + WEEK)
    client.post(f"{API}/votes/{vote_id}/close", json={}, headers=as_("committee"))
    after = client.get(f"{API}/votes/{vote_id}/ballots?per_page=1&page=2",
                       headers=as_("bureau")).get_json()
    assert after["total"] == 2
    assert [(b["person"], b["choice"]) for b in after["items"]] == [("V-O2", "reject")]


# --- closing ---------------------------------------------------------------------------

def test_close_computes_the_art_278_result(client, vw, as_, doc):
    committee = as_("committee")
    vote_id = convene(client, committee).get_json()["id"]
    for person in ("V-O1", "V-O2", "V-O3", "V-O4"):
        ballot(client, committee, vote_id, "approve", person=person)
    ballot(client, as_("V-O5"), vote_id, "reject")
    early = client.post(f"{API}/votes/{vote_id}/close", json={}, headers=committee)
    assert early.status_code == 409 and code_of(early) == "vote_not_over"
    clock.set_now(NOW + WEEK)
    for login, status in (("V-O1", 403), ("manager", 403), ("bureau", 403)):
        refused = client.post(f"{API}/votes/{vote_id}/close", json={}, headers=as_(login))
        assert refused.status_code == status and code_of(refused) == "forbidden"
    closed = client.post(f"{API}/votes/{vote_id}/close", headers=committee)
    assert closed.status_code == 200, closed.get_json()
    result = closed.get_json()
    conforms(doc, result, response_schema(doc, "/votes/{vote_id}/close", "post", "200"))
    assert result["passed"] is True and result["reason"] == "passed"
    assert result["kind"] == "ordinary"
    assert result["participation"] == {"area_ratio": "0.8000", "owner_ratio": "0.8333"}
    assert result["approval"] == {"area_ratio": "0.7750", "owner_ratio": "0.8000"}
    assert result["thresholds"] == {"quorum": "2/3", "quorum_rule": "at_least",
                                    "approval": "1/2", "approval_rule": "more_than"}
    counts = result["counts"]
    assert (counts["owners"], counts["participants"], counts["approving"]) == (6, 5, 4)
    assert [Decimal(counts[k]) for k in ("total_area", "participating_area",
                                         "approving_area")] == [500, 400, 310]
    again = client.post(f"{API}/votes/{vote_id}/close", json={}, headers=as_("officer"))
    assert again.status_code == 409 and code_of(again) == "vote_closed"
    vote = client.get(f"{API}/votes/{vote_id}", headers=as_("V-T")).get_json()
    assert vote["status"] == "closed" and vote["result"] == result
    assert vote["closed_at"] == "2025-09-08T10:00:00+08:00"
    assert vote["participation"] == {"ballots": 5, "owners": 6}


def test_a_vote_without_quorum_fails_and_says_why(client, vw, as_):
    officer = as_("officer")
    vote_id = convene(client, officer, matter="raise_maintenance_fund").get_json()["id"]
    ballot(client, officer, vote_id, "approve", person="V-O1")
    clock.set_now(NOW + WEEK)
    result = client.post(f"{API}/votes/{vote_id}/close", json={}, headers=officer).get_json()
    assert result["passed"] is False and result["kind"] == "major"
    assert result["reason"] in ("quorum_area", "quorum_owners")
    assert result["thresholds"]["approval"] == "3/4"


# --- every login of tests/world.py -----------------------------------------------------

BALLOT_BY_LOGIN = {
    "resident_a": 201, "resident_ac": 201, "tenant_a": 403, "manager_a": 403,
    "committee_a": 403, "operator_in": 403, "officer": 403, "bureau": 403, "sysadmin": 403,
}
CONVENERS = {"committee_a", "officer", "sysadmin"}


@pytest.mark.parametrize("login", sorted(VISIBLE))
def test_role_coverage_in_the_access_world(client, db, api_token, login):
    world = build_world()
    vote = convene(client, api_token(world.users["officer"]), "CA")
    assert vote.status_code == 201, vote.get_json()
    vote_id = vote.get_json()["id"]
    headers = api_token(world.users[login])
    sees = "CA" in VISIBLE[login]
    listed = client.get(f"{API}/communities/CA/votes", headers=headers)
    one = client.get(f"{API}/votes/{vote_id}", headers=headers)
    assert (listed.status_code, one.status_code) == ((200, 200) if sees else (404, 404))
    cast = ballot(client, headers, vote_id, "approve")
    assert cast.status_code == BALLOT_BY_LOGIN.get(login, 404), cast.get_json()
    close = client.post(f"{API}/votes/{vote_id}/close", json={}, headers=headers)
    expected = 409 if login in CONVENERS else 403 if sees else 404
    assert close.status_code == expected, close.get_json()
    ballots = client.get(f"{API}/votes/{vote_id}/ballots", headers=headers)
    readers = CONVENERS | {"bureau"}
    assert ballots.status_code == (200 if login in readers else 403 if sees else 404)


@pytest.mark.parametrize("query", ["page=", "per_page=", "page=x"])
def test_empty_or_malformed_paging_of_votes_and_ballots_is_400(client, vw, as_, query):
    vote_id = convene(client, as_("committee")).get_json()["id"]
    for url in (f"/communities/VA/votes?{query}", f"/votes/{vote_id}/ballots?{query}"):
        answer = client.get(API + url, headers=as_("committee"))
        assert answer.status_code == 400 and code_of(answer) == "invalid_paging", url
    hidden = client.get(f"{API}/votes/999999/ballots?{query}", headers=as_("committee"))
    assert hidden.status_code == 404 and code_of(hidden) == "vote_not_found"


def test_the_document_states_how_long_a_vote_may_stay_open(doc):
    from pmsys.governance.services.votes import MAX_DAYS_OPEN

    described = doc["paths"]["/communities/{code}/votes"]["post"]["description"]
    assert f"at most {MAX_DAYS_OPEN} days later" in " ".join(described.split())
