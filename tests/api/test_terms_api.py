"""Management terms over the API (docs/domain.md#management): the history, and a new term on its
basis.

VA (tests/vote_world.py) is managed by VPM since 2020 and has an owners'
committee in office; VX has neither. The role table runs in tests/world.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from pmsys import clock
from pmsys.extensions import db as _db
from pmsys.models.auth import OrgKind
from tests.api.test_openapi import conforms, response_schema
from tests.api.test_votes_api import ballot, convene, passed_vote
from tests.factories import OrganizationFactory
from tests.vote_world import build_vote_world
from tests.world import VISIBLE, build_world

API = "/api/v1"
VA = f"{API}/communities/VA/terms"
VX = f"{API}/communities/VX/terms"
OWNERS = ["V-O1", "V-O2", "V-O3", "V-O4", "V-O5"]


@pytest.fixture
def vw(db):
    world = build_vote_world()  # the clock reads 2025-09-01 10:00 in Shanghai
    OrganizationFactory(code="VPM2", kind=OrgKind.property_company, name="新物业")
    _db.session.commit()
    return world


@pytest.fixture
def as_(vw, api_token):
    """Headers of a vote-world login: "officer", "committee", … or a person code."""
    return lambda name: api_token(vw.users.get(name) or vw.residents[name])


@pytest.fixture
def doc(client):
    return client.get(f"{API}/openapi.json").get_json()


def code_of(response) -> str:
    return response.get_json()["error"]["code"]


def test_the_history_is_read_by_everyone_in_the_community(client, vw, as_, doc):
    for login in ("V-O1", "V-T", "manager", "operator", "committee", "officer", "bureau"):
        answer = client.get(VA, headers=as_(login))
        assert answer.status_code == 200, login
        body = answer.get_json()
        conforms(doc, body, response_schema(doc, "/communities/{code}/terms", "get", "200"))
        assert body["total"] == 1
        term = body["items"][0]
        assert {k: v for k, v in term.items() if k != "id"} == {
            "community": "VA", "mode": "professional", "org": "VPM", "org_name": "表决物业",
            "start": "2020-01-01", "end": None, "basis_vote": None, "decided_by": None,
            "ended_by": None, "ended_at": None}
    for login in ("other_officer", "V-X1", "V-B"):
        assert client.get(VA, headers=as_(login)).status_code == 404
    assert client.get(VA + "?per_page=500", headers=as_("V-O1")).status_code == 400


def test_a_passed_vote_installs_a_professional_manager(client, vw, as_, doc):
    committee = as_("committee")
    vote_id = passed_vote(client, committee, "VA", OWNERS)  # closed 2025-09-08
    answer = client.post(VA, headers=committee, json={
        "mode": "professional", "org": "VPM2", "start": "2025-09-10", "basis_vote": vote_id})
    assert answer.status_code == 201, answer.get_json()
    term = answer.get_json()
    conforms(doc, term, response_schema(doc, "/communities/{code}/terms", "post", "201"))
    assert {k: v for k, v in term.items() if k != "id"} == {
        "community": "VA", "mode": "professional", "org": "VPM2", "org_name": "新物业",
        "start": "2025-09-10", "end": None, "basis_vote": vote_id,
        "decided_by": "v_committee", "ended_by": None, "ended_at": None}
    history = client.get(VA + "?per_page=1&page=2", headers=as_("V-O1")).get_json()
    assert history["total"] == 2
    old = history["items"][0]
    assert (old["org"], old["end"], old["ended_by"], old["ended_at"]) == (
        "VPM", "2025-09-09", "v_committee", "2025-09-08T10:00:00+08:00")
    used = client.post(VA, headers=as_("officer"), json={
        "mode": "professional", "org": "VPM", "start": "2025-10-01", "basis_vote": vote_id})
    assert used.status_code == 409 and code_of(used) == "basis_vote_used"


def test_self_management_rests_on_the_management_rules(client, vw, as_):
    vote_id = passed_vote(client, as_("officer"), "VA", OWNERS, matter="management_rules")
    answer = client.post(VA, headers=as_("bureau"), json={
        "mode": "self", "org": "VA-YWH", "start": "2025-09-08", "basis_vote": vote_id,
        "end": "2027-09-07"})
    assert answer.status_code == 201, answer.get_json()
    assert (answer.get_json()["mode"], answer.get_json()["end"],
            answer.get_json()["decided_by"]) == ("self", "2027-09-07", "v_bureau")


def test_the_street_office_imposes_community_management_where_no_committee_sits(
        client, vw, as_):
    officer = as_("other_officer")
    first = client.post(VX, json={"mode": "community", "org": "VSO-2", "start": "2025-10-01"},
                        headers=officer)
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["basis_vote"] is None
    assert first.get_json()["decided_by"] == "v_other_officer"
    earlier = client.post(VX, json={"mode": "community", "org": "VSO-2", "start": "2025-09-15"},
                          headers=as_("bureau"))
    assert earlier.status_code == 409 and code_of(earlier) == "term_overlap"
    in_office = client.post(VA, json={"mode": "community", "org": "VSO-1",
                                      "start": "2025-10-01"}, headers=as_("officer"))
    assert in_office.status_code == 422 and code_of(in_office) == "basis_vote_required"


def test_refusals(client, vw, as_):
    officer, committee = as_("officer"), as_("committee")
    open_vote = convene(client, committee, "VA").get_json()["id"]
    elsewhere = convene(client, as_("other_officer"), "VX").get_json()["id"]
    passed = passed_vote(client, committee, "VA", OWNERS)  # closed 2025-09-08
    base = {"mode": "professional", "org": "VPM2", "start": "2025-09-10"}
    cases = [
        ({"mode": "chaos"}, 400, "invalid_input", "mode"),
        ({"mode": None}, 400, "invalid_input", "mode"),
        ({"mode": "original_unit"}, 422, "legacy_mode", None),
        ({"org": "NOPE"}, 400, "invalid_input", "org"),
        ({"org": "VSO-1"}, 422, "org_does_not_fit", None),
        ({"mode": "self", "org": "VPM2", "basis_vote": passed}, 422, "org_does_not_fit", None),
        ({"start": "2025-09-31"}, 400, "invalid_input", "start"),
        ({"start": "0001-01-01"}, 400, "invalid_input", "start"),
        ({"end": "2025-09-01", "basis_vote": passed}, 400, "invalid_input", "end"),
        ({}, 422, "basis_vote_required", None),
        ({"mode": "community", "org": "VSO-1"}, 422, "basis_vote_required", None),
        ({"basis_vote": "1"}, 400, "invalid_input", "basis_vote"),
        ({"basis_vote": 999999}, 400, "invalid_input", "basis_vote"),
        ({"basis_vote": 10**12}, 400, "invalid_input", "basis_vote"),
        ({"basis_vote": elsewhere}, 400, "invalid_input", "basis_vote"),
        ({"basis_vote": open_vote}, 422, "basis_vote_not_passed", None),
        ({"basis_vote": passed, "start": "2025-09-07"}, 400, "invalid_input", "start"),
    ]
    for change, status, code, field in cases:
        answer = client.post(VA, json={**base, **change}, headers=officer)
        assert (answer.status_code, code_of(answer)) == (status, code), (change,
                                                                       answer.get_json())
        if field:
            assert field in answer.get_json()["error"]["fields"], change
    assert client.get(VA, headers=officer).get_json()["total"] == 1


def test_a_vote_on_another_matter_or_a_failed_one_is_no_basis(client, vw, as_):
    committee = as_("committee")
    other = passed_vote(client, committee, "VA", OWNERS, matter="other")
    wrong = client.post(VA, headers=committee, json={
        "mode": "professional", "org": "VPM2", "start": "2025-09-20", "basis_vote": other})
    assert wrong.status_code == 422 and code_of(wrong) == "basis_vote_wrong_matter"
    lost = convene(client, committee, "VA").get_json()["id"]
    ballot(client, committee, lost, "reject", "V-O1")
    clock.set_now(clock.now() + timedelta(days=8))
    result = client.post(f"{API}/votes/{lost}/close", json={}, headers=committee).get_json()
    assert result["passed"] is False and result["reason"] == "quorum_area"
    refused = client.post(VA, headers=committee, json={
        "mode": "professional", "org": "VPM2", "start": "2025-09-30", "basis_vote": lost})
    assert refused.status_code == 422 and code_of(refused) == "basis_vote_not_passed"


@pytest.mark.parametrize(("login", "status"), [
    ("V-O1", 403), ("V-T", 403), ("manager", 403), ("operator", 403),
    ("other_officer", 404), ("V-X1", 404), ("V-B", 404),
])
def test_who_may_not_decide(client, vw, as_, login, status):
    answer = client.post(VA, json={"mode": "professional", "org": "VPM2",
                                   "start": "2025-09-10"}, headers=as_(login))
    assert answer.status_code == status, answer.get_json()
    assert code_of(answer) == ("forbidden" if status == 403 else "community_not_found")


def test_every_route_needs_a_token(client, vw):
    assert client.get(VA).status_code == 401
    answer = client.post(VA, json={})
    assert answer.status_code == 401 and code_of(answer) == "unauthenticated"


DECIDERS_OF_CA = {"officer", "bureau", "sysadmin", "committee_a"}


@pytest.mark.parametrize("login", sorted(VISIBLE))
def test_role_coverage_in_the_access_world(client, db, api_token, login):
    world = build_world()
    headers = api_token(world.users[login])
    sees = "CA" in VISIBLE[login]
    url = f"{API}/communities/CA/terms"
    listed = client.get(url, headers=headers)
    assert listed.status_code == (200 if sees else 404)
    if sees:
        assert [t["org"] for t in listed.get_json()["items"]] == ["PM-A", "PM-B"]
    # CA's owners' committee is in office: community management needs a vote.
    imposed = client.post(url, json={"mode": "community", "org": "SO-S1",
                                     "start": "2025-07-01"}, headers=headers)
    expected = 422 if login in DECIDERS_OF_CA else 403 if sees else 404
    assert imposed.status_code == expected, imposed.get_json()


@pytest.mark.parametrize("query", ["page=", "per_page=", "page=1&per_page=x"])
def test_empty_or_malformed_paging_is_400_after_the_community_is_found(client, vw, as_,
                                                                         query):
    answer = client.get(f"{VA}?{query}", headers=as_("V-O1"))
    assert answer.status_code == 400 and code_of(answer) == "invalid_paging"
    hidden = client.get(f"{VA}?{query}", headers=as_("V-X1"))
    assert hidden.status_code == 404 and code_of(hidden) == "community_not_found"
