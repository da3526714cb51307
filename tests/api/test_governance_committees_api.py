"""A community's owners' committee over the API: prepare, candidates, vetting, activation,
the interim committee and expiry; who reads whose name.

VA (tests/vote_world.py) has a committee in office (VA-YWH, the `committee`
login) and six owners; VX has no committee. The role table runs in tests/world.py.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pmsys.extensions import db as _db
from pmsys.models.auth import Role, User
from tests.api.test_openapi import conforms, response_schema
from tests.api.test_votes_api import passed_vote
from tests.vote_world import build_vote_world
from tests.world import VISIBLE, build_world

API = "/api/v1"
VA = f"{API}/communities/VA/committee"
VX = f"{API}/communities/VX/committee"
SLATE = ("V-O1", "V-O2", "V-O3")
ROLES = [{"person": "V-O1", "role": "director"}, {"person": "V-O2", "role": "deputy"},
         {"person": "V-O3", "role": "member"}]


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


def code_of(response) -> str:
    return response.get_json()["error"]["code"]


def slate(client, headers, approve=SLATE, url=VA) -> None:
    """Prepare a committee of three and approve the candidates named."""
    assert client.post(url, json={"seats": 3}, headers=headers).status_code == 201
    for person in approve:
        assert client.post(url + "/candidates", json={"person": person},
                           headers=headers).status_code == 201
        vetted = client.post(f"{url}/candidates/{person}/vetting",
                             json={"decision": "approve", "note": "联审通过"}, headers=headers)
        assert vetted.status_code == 200, vetted.get_json()


def elect(client, as_) -> int:
    """Prepare VA's next committee, elect its slate; the clock moves a week on."""
    slate(client, as_("officer"))
    return passed_vote(client, as_("officer"), "VA", ["V-O1", "V-O2", "V-O3", "V-O4", "V-O5"],
                       matter="elect_committee")


# --- reading ---------------------------------------------------------------------------

def test_the_overview_of_a_community_with_a_committee_in_office(client, vw, as_, doc):
    answer = client.get(VA, headers=as_("V-O1"))
    assert answer.status_code == 200
    body = answer.get_json()
    conforms(doc, body, response_schema(doc, "/communities/{code}/committee", "get", "200"))
    assert body["status"] == "active" and body["preparing"] is None
    assert body["active"]["organization"] == "VA-YWH" and body["active"]["kind"] == "owners"
    assert body["rules"] == {"min_members": 5, "max_members": 11, "small_households": 100,
                             "small_min_members": 3, "max_term_years": 5, "warn_days": 90}
    assert [c["status"] for c in body["history"]] == ["active"]
    none = client.get(VX, headers=as_("V-X1")).get_json()
    assert (none["status"], none["active"], none["preparing"], none["history"]) == (
        "none", None, None, [])


def test_candidates_and_notes_are_named_only_to_those_who_read_owners(client, vw, as_):
    officer = as_("officer")
    slate(client, officer, approve=("V-O1",))
    client.post(VA + "/candidates", json={"person": "V-O2"}, headers=as_("V-O2"))
    client.post(VA + "/candidates/V-O2/vetting", json={"decision": "reject", "note": "欠费未清"},
                headers=officer)
    named = [("V-O1", "业主V-O1", "approved", "联审通过"),
             ("V-O2", "业主V-O2", "rejected", "欠费未清")]
    for login in ("officer", "committee", "manager", "bureau", "sysadmin"):
        preparing = client.get(VA, headers=as_(login)).get_json()["preparing"]
        assert [(c["person"], c["name"], c["status"], c["note"])
                for c in preparing["candidates"]] == named, login
    own = client.get(VA, headers=as_("V-O2")).get_json()["preparing"]["candidates"]
    assert [(c["person"], c["name"], c["note"]) for c in own] == [
        (None, None, None), ("V-O2", "业主V-O2", "欠费未清")]
    for login in ("V-O3", "V-T", "operator"):
        hidden = client.get(VA, headers=as_(login)).get_json()["preparing"]["candidates"]
        assert [(c["person"], c["name"], c["note"], c["status"]) for c in hidden] == [
            (None, None, None, "approved"), (None, None, None, "rejected")], login
        assert all(c["vetted_at"] == "2025-09-01T10:00:00+08:00" for c in hidden)


# --- preparing -------------------------------------------------------------------------

def test_the_street_office_prepares_once(client, vw, as_, doc):
    answer = client.post(VA, json={"seats": 5, "note": "第二届换届"}, headers=as_("officer"))
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    conforms(doc, body, response_schema(doc, "/communities/{code}/committee", "post", "201"))
    assert (body["status"], body["kind"], body["seats"], body["note"], body["candidates"],
            body["members"], body["organization"]) == (
        "preparing", "owners", 5, "第二届换届", [], [], None)
    overview = client.get(VA, headers=as_("V-O1")).get_json()
    assert overview["status"] == "preparing" and overview["active"] is not None
    again = client.post(VA, json={"seats": 3}, headers=as_("sysadmin"))
    assert again.status_code == 409 and code_of(again) == "committee_in_preparation"


@pytest.mark.parametrize("body", [{"seats": 4}, {"seats": 13}, {"seats": 1}, {},
                                  {"seats": "5"}, {"seats": 5, "note": "长" * 1001},
                                  {"seats": 10**30}, {"seats": True}])
def test_preparing_refuses_bad_seats(client, vw, as_, body):
    answer = client.post(VA, json=body, headers=as_("officer"))
    assert answer.status_code == 400, answer.get_json()
    assert set(answer.get_json()["error"]["fields"]) & {"seats", "note"}
    assert client.get(VA, headers=as_("officer")).get_json()["preparing"] is None


@pytest.mark.parametrize(("login", "status"), [
    ("officer", 201), ("sysadmin", 201), ("committee", 403), ("V-O1", 403), ("manager", 403),
    ("bureau", 403), ("operator", 403), ("V-T", 403), ("other_officer", 404), ("V-X1", 404),
])
def test_who_prepares(client, vw, as_, login, status):
    answer = client.post(VA, json={"seats": 3}, headers=as_(login))
    assert answer.status_code == status, answer.get_json()


# --- candidates and vetting --------------------------------------------------------------

def test_proposals(client, vw, as_, doc):
    officer = as_("officer")
    none = client.post(VA + "/candidates", json={"person": "V-O1"}, headers=officer)
    assert none.status_code == 422 and code_of(none) == "no_committee_in_preparation"
    client.post(VA, json={"seats": 3}, headers=officer)
    proposed = client.post(VA + "/candidates", json={"person": "V-O1"}, headers=officer)
    assert proposed.status_code == 201
    conforms(doc, proposed.get_json(), response_schema(
        doc, "/communities/{code}/committee/candidates", "post", "201"))
    assert proposed.get_json() == {"person": "V-O1", "name": "业主V-O1", "status": "proposed",
                                   "note": "", "vetted_at": None}
    themself = client.post(VA + "/candidates", json={"person": "V-O2"}, headers=as_("V-O2"))
    assert themself.status_code == 201 and themself.get_json()["person"] == "V-O2"
    cases = [
        (officer, {"person": "V-O1"}, 409, "already_proposed"),
        (officer, {"person": "V-DEV"}, 422, "not_an_owner"),
        (officer, {"person": "V-T"}, 422, "not_an_owner"),
        (officer, {"person": "V-X1"}, 422, "not_an_owner"),
        (officer, {"person": "NOBODY"}, 422, "not_an_owner"),
        (officer, {}, 400, "invalid_input"),
        (officer, {"person": 5}, 400, "invalid_input"),
        (as_("V-O3"), {"person": "V-O4"}, 403, "forbidden"),
        (as_("manager"), {"person": "V-O4"}, 403, "forbidden"),
        (as_("committee"), {"person": "V-O4"}, 403, "forbidden"),
        (as_("other_officer"), {"person": "V-O4"}, 404, "community_not_found"),
        (as_("V-X1"), {"person": "V-X1"}, 404, "community_not_found"),
    ]
    for headers, body, status, code in cases:
        answer = client.post(VA + "/candidates", json=body, headers=headers)
        assert (answer.status_code, code_of(answer)) == (status, code), body


def test_vetting(client, vw, as_, doc):
    officer = as_("officer")
    client.post(VA, json={"seats": 3}, headers=officer)
    client.post(VA + "/candidates", json={"person": "V-O1"}, headers=officer)
    url = VA + "/candidates/V-O1/vetting"
    cases = [
        (officer, {"decision": "reject"}, 400, "invalid_input", "note"),
        (officer, {"decision": "reject", "note": "  "}, 400, "invalid_input", "note"),
        (officer, {"decision": "maybe", "note": "x"}, 400, "invalid_input", "decision"),
        (officer, {"note": "x"}, 400, "invalid_input", "decision"),
        (officer, {"decision": "approve", "note": "长" * 1001}, 400, "invalid_input", "note"),
        (as_("V-O1"), {"decision": "approve"}, 403, "forbidden", None),
        (as_("committee"), {"decision": "approve"}, 403, "forbidden", None),
        (as_("bureau"), {"decision": "approve"}, 403, "forbidden", None),
        (as_("other_officer"), {"decision": "approve"}, 404, "community_not_found", None),
    ]
    for headers, body, status, code, field in cases:
        answer = client.post(url, json=body, headers=headers)
        assert (answer.status_code, code_of(answer)) == (status, code), body
        if field:
            assert field in answer.get_json()["error"]["fields"]
    unknown = client.post(VA + "/candidates/V-O4/vetting", json={"decision": "approve"},
                          headers=officer)
    assert unknown.status_code == 404 and code_of(unknown) == "candidate_not_found"
    rejected = client.post(url, json={"decision": "reject", "note": "不在本小区居住"},
                           headers=officer)
    assert rejected.status_code == 200
    conforms(doc, rejected.get_json(), response_schema(
        doc, "/communities/{code}/committee/candidates/{person}/vetting", "post", "200"))
    assert rejected.get_json()["status"] == "rejected"
    assert rejected.get_json()["vetted_at"] == "2025-09-01T10:00:00+08:00"
    approved = client.post(url, json={"decision": "approve"}, headers=officer)
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"


def test_the_slate_is_fixed_once_the_election_is_convened(client, vw, as_):
    officer = as_("officer")
    slate(client, officer)
    client.post(VA + "/candidates", json={"person": "V-O4"}, headers=officer)
    election = client.post(f"{API}/communities/VA/votes", headers=officer, json={
        "matter": "elect_committee", "title": "换届选举", "opens_at": "2025-09-01T10:00:00+08:00",
        "closes_at": "2025-09-08T10:00:00+08:00"})
    assert election.status_code == 201, election.get_json()
    late = client.post(VA + "/candidates", json={"person": "V-O5"}, headers=officer)
    assert late.status_code == 409 and code_of(late) == "election_under_way"
    vet = client.post(VA + "/candidates/V-O4/vetting", json={"decision": "approve"},
                      headers=officer)
    assert vet.status_code == 409 and code_of(vet) == "election_under_way"


# --- activation ------------------------------------------------------------------------

def test_activation_needs_a_passed_election(client, vw, as_):
    officer = as_("officer")
    slate(client, officer)
    answer = client.post(VA + "/activate", json={"members": ROLES, "term_start": "2025-09-08"},
                         headers=officer)
    assert answer.status_code == 422 and code_of(answer) == "not_elected"


def test_the_elected_committee_takes_office(client, vw, as_, doc):
    elect(client, as_)  # closed on 2025-09-08
    officer = as_("officer")
    bad = [
        ({"members": ROLES[:2], "term_start": "2025-09-08"}, "members"),
        ({"members": [*ROLES[:2], {"person": "V-O3", "role": "director"}],
          "term_start": "2025-09-08"}, "members"),
        ({"members": [*ROLES, {"person": "V-O4", "role": "member"}],
          "term_start": "2025-09-08"}, "members"),
        ({"members": [*ROLES[:2], {"person": "V-O3", "role": "boss"}],
          "term_start": "2025-09-08"}, "members"),
        ({"members": [*ROLES, ROLES[2]], "term_start": "2025-09-08"}, "members"),
        ({"members": "V-O1", "term_start": "2025-09-08"}, "members"),
        ({"members": ROLES, "term_start": "2025-09-07"}, "term_start"),
        ({"members": ROLES, "term_start": "2025-9-8"}, "term_start"),
        ({"members": ROLES}, "term_start"),
        ({"members": ROLES, "term_start": "2025-09-08", "term_end": "2030-09-08"}, "term_end"),
        ({"members": ROLES, "term_start": "9999-12-31"}, "term_start"),
    ]
    for body, field in bad:
        answer = client.post(VA + "/activate", json=body, headers=officer)
        assert answer.status_code == 400, (body, answer.get_json())
        assert field in answer.get_json()["error"]["fields"], body
    for login, status in (("committee", 403), ("V-O1", 403), ("other_officer", 404)):
        refused = client.post(VA + "/activate", json={"members": ROLES,
                                                      "term_start": "2025-09-08"},
                              headers=as_(login))
        assert refused.status_code == status
    answer = client.post(VA + "/activate", json={"members": ROLES, "term_start": "2025-09-08"},
                         headers=officer)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    conforms(doc, body, response_schema(doc, "/communities/{code}/committee/activate", "post",
                                        "200"))
    assert (body["status"], body["organization"], body["term_start"], body["term_end"]) == (
        "active", "VA-YWH", "2025-09-08", "2030-09-07")
    assert [(m["person"], m["name"], m["role"]) for m in body["members"]] == [
        ("V-O1", "业主V-O1", "director"), ("V-O2", "业主V-O2", "deputy"),
        ("V-O3", "业主V-O3", "member")]
    for login in ("V-O5", "V-T", "operator"):  # members are public within the community
        seen = client.get(VA, headers=as_(login)).get_json()
        assert [m["name"] for m in seen["active"]["members"]] == ["业主V-O1", "业主V-O2",
                                                                  "业主V-O3"]
        assert [(c["status"], c["ended_on"], c["end_reason"]) for c in seen["history"]] == [
            ("active", None, ""), ("expired", "2025-09-07", "succeeded")]
    director = _db.session.scalar(select(User).where(User.username == "v_V-O1"))
    assert director.role is Role.committee_member
    me = client.get(f"{API}/me", headers=as_("V-O1")).get_json()
    assert me["role"] == "committee_member"


# --- the interim committee and expiry ----------------------------------------------------

def test_the_street_office_appoints_an_interim_committee(client, vw, as_, doc):
    officer = as_("other_officer")
    body = {"members": [{"person": "V-X1", "role": "director"}], "start": "2025-09-01",
            "note": "业主无法推选业委会"}
    for change, status, code in (
        ({"note": ""}, 400, "invalid_input"), ({"note": None}, 400, "invalid_input"),
        ({"members": [{"person": "NOBODY", "role": "director"}]}, 400, "invalid_input"),
        ({"members": [{"person": "V-X1", "role": "member"}]}, 400, "invalid_input"),
        ({"members": []}, 400, "invalid_input"),
        ({"end": "2025-08-01"}, 400, "invalid_input"),
        ({"start": "yesterday"}, 400, "invalid_input"),
    ):
        answer = client.post(VX + "/interim", json={**body, **change}, headers=officer)
        assert (answer.status_code, code_of(answer)) == (status, code), change
    for login, status in (("V-X1", 403), ("bureau", 403), ("officer", 404)):
        assert client.post(VX + "/interim", json=body,
                           headers=as_(login)).status_code == status, login
    answer = client.post(VX + "/interim", json={**body, "members": [
        {"person": "V-X1", "role": "director"}, {"person": "V-B", "role": "member"}]},
        headers=officer)
    assert answer.status_code == 201, answer.get_json()
    interim = answer.get_json()
    conforms(doc, interim, response_schema(doc, "/communities/{code}/committee/interim",
                                           "post", "201"))
    assert (interim["kind"], interim["status"], interim["organization"], interim["term_start"],
            interim["term_end"], interim["note"]) == (
        "interim", "active", "VX-YWH", "2025-09-01", None, "业主无法推选业委会")
    again = client.post(VX + "/interim", json=body, headers=officer)
    assert again.status_code == 409 and code_of(again) == "committee_in_office"
    in_office = client.post(VA + "/interim", json={**body, "members": ROLES},
                            headers=as_("officer"))
    assert in_office.status_code == 409 and code_of(in_office) == "committee_in_office"


def test_ending_a_committee(client, vw, as_, doc):
    officer = as_("officer")
    for body, field in (({}, "on"), ({"on": "soon"}, "on"),
                        ({"on": "2025-09-30", "reason": "长" * 301}, "reason"),
                        ({"on": "2025-09-30", "committee": "x"}, "committee")):
        answer = client.post(VA + "/expire", json=body, headers=officer)
        assert answer.status_code == 400 and field in answer.get_json()["error"]["fields"]
    for login, status in (("committee", 403), ("V-O1", 403), ("bureau", 403),
                          ("other_officer", 404)):
        answer = client.post(VA + "/expire", json={"on": "2025-09-30"}, headers=as_(login))
        assert answer.status_code == status, login
    ended = client.post(VA + "/expire", json={"on": "2025-09-30", "reason": "集体辞职"},
                        headers=officer)
    assert ended.status_code == 200, ended.get_json()
    conforms(doc, ended.get_json(), response_schema(
        doc, "/communities/{code}/committee/expire", "post", "200"))
    assert (ended.get_json()["status"], ended.get_json()["ended_on"],
            ended.get_json()["end_reason"]) == ("expired", "2025-09-30", "集体辞职")
    assert client.get(VA, headers=as_("V-O1")).get_json()["status"] == "expired"
    again = client.post(VA + "/expire", json={"on": "2025-09-30"}, headers=officer)
    assert again.status_code == 409 and code_of(again) == "committee_not_in_office"
    resident = client.post(VA + "/expire", json={"on": "2025-09-30"}, headers=as_("V-O1"))
    assert resident.status_code == 403


def test_a_preparation_is_abandoned_by_naming_it(client, vw, as_):
    officer = as_("officer")
    preparing = client.post(VA, json={"seats": 3}, headers=officer).get_json()
    wrong = client.post(VA + "/expire", json={"on": "2025-09-02", "committee": 999999},
                        headers=officer)
    assert wrong.status_code == 409 and code_of(wrong) == "committee_not_in_office"
    abandoned = client.post(VA + "/expire", headers=officer, json={
        "on": "2025-09-02", "reason": "无人报名", "committee": preparing["id"]})
    assert abandoned.status_code == 200 and abandoned.get_json()["id"] == preparing["id"]
    overview = client.get(VA, headers=officer).get_json()
    assert overview["status"] == "active" and overview["preparing"] is None


def test_every_route_needs_a_token(client, vw):
    for url in (VA, VA + "/candidates", VA + "/candidates/V-O1/vetting", VA + "/activate",
                VA + "/interim", VA + "/expire"):
        answer = client.post(url, json={})
        assert answer.status_code == 401 and code_of(answer) == "unauthenticated"
    assert client.get(VA).status_code == 401


# --- every login of tests/world.py -----------------------------------------------------

OVERSEERS_OF_CA = {"officer", "sysadmin"}


@pytest.mark.parametrize("login", sorted(VISIBLE))
def test_role_coverage_in_the_access_world(client, db, api_token, login):
    world = build_world()
    headers = api_token(world.users[login])
    sees = "CA" in VISIBLE[login]
    url = f"{API}/communities/CA/committee"
    read = client.get(url, headers=headers)
    assert read.status_code == (200 if sees else 404)
    if sees:
        assert read.get_json()["active"]["organization"] == "OC-A"
    prepared = client.post(url, json={"seats": 3}, headers=headers)
    assert prepared.status_code == (201 if login in OVERSEERS_OF_CA else 403 if sees else 404)
    expired = client.post(url + "/expire", json={"on": "2025-06-30"}, headers=headers)
    assert expired.status_code == (200 if login in OVERSEERS_OF_CA else 403 if sees else 404)
