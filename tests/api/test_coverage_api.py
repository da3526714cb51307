"""GET /api/v1/reports/coverage: communities with a management term in force on a date.

tests/world.py on 2025-06-02: CA (street S1) and CB (S2) are managed
professionally, CC (S3) only from next year; districts D1 (S1, S3) and D2
(S2). CD, added here in S1, was managed until the end of 2024.

The last test walks a community of tests/vote_world.py from no committee to
an elected committee to a passed vote that installs a professional manager,
through the API only, until coverage shows it covered.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from pmsys import clock
from pmsys.extensions import db as _db
from pmsys.models.auth import OrgKind, Role, User
from tests.api.test_openapi import conforms, response_schema
from tests.api.test_votes_api import API, WEEK, ballot, convene
from tests.factories import (
    CommunityFactory,
    HouseholdFactory,
    ManagementTermFactory,
    PersonFactory,
    UnitFactory,
    UserFactory,
)
from tests.vote_world import NOW, build_vote_world
from tests.world import VISIBLE, build_world

URL = "/api/v1/reports/coverage"
READERS = {"officer", "bureau", "sysadmin", "office_officer"}


@pytest.fixture
def world(db):
    world = build_world()
    cd = CommunityFactory(code="CD", name="旧管小区", street=world.streets["S1"])
    ManagementTermFactory(community=cd, start=date(2020, 1, 1), end=date(2024, 12, 31))
    _db.session.commit()
    return world


@pytest.fixture
def as_user(world, api_token):
    return lambda login: api_token(world.users[login])


@pytest.fixture
def doc(client):
    return client.get("/api/v1/openapi.json").get_json()


def modes(**counts) -> dict:
    return {"professional": 0, "self": 0, "community": 0, "original_unit": 0, **counts}


def test_the_sysadmin_reads_every_street_today(client, world, as_user, doc):
    answer = client.get(URL, headers=as_user("sysadmin"))
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    conforms(doc, body, response_schema(doc, "/reports/coverage", "get", "200"))
    assert (body["on"], body["level"]) == ("2025-06-02", "street")
    assert [(i["key"], i["name"], i["communities"], i["covered"], i["rate"])
            for i in body["items"]] == [("S1", "萨拉齐镇", 2, 1, "0.5000"),
                                        ("S2", "沙河街道", 1, 1, "1.0000"),
                                        ("S3", "双龙镇", 1, 0, "0.0000")]
    assert body["items"][0]["by_mode"] == modes(professional=1)
    assert body["total"] == {"communities": 4, "covered": 2, "rate": "0.5000",
                             "by_mode": modes(professional=2)}
    assert body["uncovered"] == [
        {"code": "CC", "name": "无人管小区", "street": "S3", "street_name": "双龙镇",
         "district": "D1", "last_term_end": None},
        {"code": "CD", "name": "旧管小区", "street": "S1", "street_name": "萨拉齐镇",
         "district": "D1", "last_term_end": "2024-12-31"}]


def test_each_reader_sees_only_its_own_communities(client, world, as_user):
    officer = client.get(URL, headers=as_user("officer")).get_json()
    assert [(i["key"], i["communities"], i["covered"]) for i in officer["items"]] == [
        ("S1", 2, 1)]
    assert [c["code"] for c in officer["uncovered"]] == ["CD"]
    bureau = client.get(URL + "?level=district", headers=as_user("bureau")).get_json()
    assert bureau["level"] == "district"
    assert [(i["key"], i["name"], i["communities"], i["covered"], i["rate"])
            for i in bureau["items"]] == [("D1", "土右旗", 3, 1, "0.3333")]
    office = client.get(URL, headers=as_user("office_officer")).get_json()
    assert [(i["key"], i["covered"]) for i in office["items"]] == [("S3", 0)]


def test_coverage_on_an_earlier_date_by_district(client, world, as_user):
    body = client.get(URL + "?on=2021-06-30&level=district",
                      headers=as_user("sysadmin")).get_json()
    assert body["on"] == "2021-06-30"
    assert [(i["key"], i["communities"], i["covered"], i["by_mode"]) for i in body["items"]] == [
        ("D1", 3, 2, modes(professional=2)), ("D2", 1, 1, modes(self=1))]
    assert body["total"]["rate"] == "0.7500"
    assert [c["code"] for c in body["uncovered"]] == ["CC"]


@pytest.mark.parametrize(("query", "code", "field"), [
    ("?on=2025-13-01", "invalid_date", "on"),
    ("?on=yesterday", "invalid_date", "on"),
    ("?on=2025-6-2", "invalid_date", "on"),
    ("?level=city", "invalid_filter", "level"),
    # An empty value is malformed too, not "the default".
    ("?on=", "invalid_date", "on"),
    ("?level=", "invalid_filter", "level"),
    ("?on=&level=district", "invalid_date", "on"),
])
def test_bad_parameters_are_400(client, world, as_user, query, code, field):
    answer = client.get(URL + query, headers=as_user("bureau"))
    assert answer.status_code == 400
    assert answer.get_json()["error"]["code"] == code
    assert field in answer.get_json()["error"]["fields"]


def test_a_role_that_does_not_read_coverage_learns_nothing_from_bad_parameters(
        client, world, as_user):
    answer = client.get(URL + "?on=yesterday&level=city", headers=as_user("resident_a"))
    assert answer.status_code == 403
    assert answer.get_json()["error"]["code"] == "forbidden"


def test_a_token_is_needed(client, world):
    answer = client.get(URL)
    assert answer.status_code == 401
    assert answer.get_json()["error"]["code"] == "unauthenticated"


@pytest.mark.parametrize("login", sorted(VISIBLE))
def test_role_coverage_in_the_access_world(client, world, as_user, login):
    answer = client.get(URL, headers=as_user(login))
    if login in READERS:
        assert answer.status_code == 200
        seen = {i["key"] for i in answer.get_json()["items"]}
        assert seen == {s for s, codes in {"S1": {"CA"}, "S2": {"CB"}, "S3": {"CC"}}.items()
                        if codes & VISIBLE[login]}
    else:
        assert answer.status_code == 403
        assert answer.get_json()["error"]["code"] == "forbidden"


# --- the whole way through -------------------------------------------------------------

@pytest.fixture
def vw(db):
    return build_vote_world()  # the clock reads 2025-09-01 10:00 in Shanghai


def test_from_no_committee_to_a_professional_manager_through_the_api(client, vw, api_token):
    """VX has no committee and no manager: its street office (VS2) takes it all the way."""
    vx = vw.other_community
    unit = UnitFactory(building=vx.buildings[0], code="2")
    owners = {"V-X1": vw.residents["V-X1"]}
    for code in ("V-X2", "V-X3"):
        person = PersonFactory(code=code, name=f"业主{code}")
        HouseholdFactory(unit=unit, code=code[-1] + "01", owner=person, area=Decimal("60.00"))
        owners[code] = UserFactory(role=Role.resident, person=person, username=f"v_{code}")
    _db.session.commit()
    officer = api_token(vw.users["other_officer"])
    token = {code: api_token(user) for code, user in owners.items()}
    base = f"{API}/communities/VX"

    assert client.get(base + "/committee", headers=officer).get_json()["status"] == "none"
    prepared = client.post(base + "/committee", json={"seats": 3, "note": "首届"},
                           headers=officer)
    assert prepared.status_code == 201, prepared.get_json()
    assert client.post(base + "/committee/candidates", json={"person": "V-X1"},
                       headers=officer).status_code == 201
    assert client.post(base + "/committee/candidates", json={"person": "V-X2"},
                       headers=token["V-X2"]).status_code == 201  # proposes themself
    assert client.post(base + "/committee/candidates", json={"person": "V-X3"},
                       headers=officer).status_code == 201
    rejected = client.post(base + "/committee/candidates/V-X3/vetting",
                           json={"decision": "reject", "note": "材料不全"}, headers=officer)
    assert rejected.get_json()["status"] == "rejected"
    for code in ("V-X1", "V-X2", "V-X3"):
        vetted = client.post(f"{base}/committee/candidates/{code}/vetting",
                             json={"decision": "approve", "note": "复审通过"}, headers=officer)
        assert vetted.status_code == 200 and vetted.get_json()["status"] == "approved"

    election = convene(client, officer, "VX", matter="elect_committee", title="选举首届业委会")
    assert election.status_code == 201, election.get_json()
    election_id = election.get_json()["id"]
    for code in owners:
        assert ballot(client, token[code], election_id, "approve").status_code == 201
    assert client.post(f"{API}/votes/{election_id}/close", json={},
                       headers=officer).status_code == 409
    clock.set_now(NOW + WEEK)
    elected = client.post(f"{API}/votes/{election_id}/close", json={}, headers=officer)
    assert elected.status_code == 200 and elected.get_json()["passed"] is True

    activated = client.post(base + "/committee/activate", headers=officer, json={
        "members": [{"person": "V-X1", "role": "director"},
                    {"person": "V-X2", "role": "deputy"},
                    {"person": "V-X3", "role": "member"}],
        "term_start": "2025-09-08"})
    assert activated.status_code == 200, activated.get_json()
    assert activated.get_json()["status"] == "active"
    me = client.get(f"{API}/me", headers=token["V-X1"]).get_json()
    assert me["role"] == "committee_member" and me["organization"]["community"] == "VX"

    hire = convene(client, token["V-X1"], "VX", title="选聘表决物业")
    assert hire.status_code == 201, hire.get_json()
    hire_id = hire.get_json()["id"]
    assert ballot(client, token["V-X1"], hire_id, "approve", person="V-X1").status_code == 201
    for code in ("V-X2", "V-X3"):
        ballot(client, token["V-X1"], hire_id, "approve", person=code)
    clock.set_now(NOW + 2 * WEEK)
    closed = client.post(f"{API}/votes/{hire_id}/close", json={}, headers=token["V-X1"])
    assert closed.status_code == 200 and closed.get_json()["passed"] is True

    before = client.get(f"{API}/reports/coverage?on=2025-09-15",
                        headers=officer).get_json()
    assert [c["code"] for c in before["uncovered"]] == ["VX"]
    term = client.post(base + "/terms", headers=token["V-X1"], json={
        "mode": "professional", "org": "VPM", "start": "2025-09-15", "basis_vote": hire_id})
    assert term.status_code == 201, term.get_json()
    assert term.get_json()["basis_vote"] == hire_id
    assert term.get_json()["decided_by"] == "v_V-X1"
    after = client.get(f"{API}/reports/coverage?on=2025-09-15", headers=officer).get_json()
    assert after["uncovered"] == []
    assert after["total"]["covered"] == after["total"]["communities"] == 1
    assert after["items"][0]["key"] == "VS2" and after["items"][0]["rate"] == "1.0000"
    assert after["items"][0]["by_mode"]["professional"] == 1
    user = _db.session.scalar(select(User).where(User.username == "v_V-X1"))
    assert user.organization.kind is OrgKind.owners_committee
