"""GET /api/v1/reports/three-coverages: management, committee and Party organisation coverage.

tests/world.py on 2025-06-02: CA (S1) has a term and a committee in office, CB (S2) a term
only, CC (S3) nothing (its term starts next year); a Party branch is added here for CA.
"""

from __future__ import annotations

import pytest

from pmsys.extensions import db as _db
from pmsys.models.auth import OrgKind
from tests.api.test_openapi import conforms, response_schema
from tests.factories import OrganizationFactory
from tests.world import build_world

URL = "/api/v1/reports/three-coverages"


@pytest.fixture
def world(db):
    world = build_world()
    OrganizationFactory(code="DZ-CA", name="供销楼小区党支部", kind=OrgKind.party_organization,
                        community=world.communities["CA"])
    _db.session.commit()
    return world


@pytest.fixture
def as_user(world, api_token):
    return lambda login: api_token(world.users[login])


def test_the_districts_of_the_city(client, world, as_user):
    doc = client.get("/api/v1/openapi.json").get_json()
    answer = client.get(URL + "?region=BT&on=2025-06-02", headers=as_user("sysadmin"))
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    conforms(doc, body, response_schema(doc, "/reports/three-coverages", "get", "200"))
    assert body["items"] == [
        {"key": "D1", "name": "土右旗", "communities": 2, "managed": 1, "committee": 1,
         "party": 1},
        {"key": "D2", "name": "九原区", "communities": 1, "managed": 1, "committee": 0,
         "party": 0}]
    assert body["missing"] == {"managed": ["CC"], "committee": ["CB", "CC"],
                               "party": ["CB", "CC"]}


def test_the_streets_of_the_bureaus_district_by_default(client, world, as_user):
    body = client.get(URL, headers=as_user("bureau")).get_json()
    assert body["region"] == "D1"
    assert [(i["key"], i["managed"], i["committee"], i["party"]) for i in body["items"]] == [
        ("S1", 1, 1, 1), ("S3", 0, 0, 0)]
    assert body["total"] == {"communities": 2, "managed": 1, "committee": 1, "party": 1}


@pytest.mark.parametrize(("login", "region", "status", "code"), [
    ("officer", "S2", 404, "region_not_found"),
    ("bureau", "D2", 404, "region_not_found"),
    ("bureau", "NOPE", 404, "region_not_found"),
    ("manager_a", None, 403, "forbidden"),
    ("resident_a", "S1", 403, "forbidden"),
])
def test_refusals(client, world, as_user, login, region, status, code):
    answer = client.get(URL + (f"?region={region}" if region else ""), headers=as_user(login))
    assert answer.status_code == status
    assert answer.get_json()["error"]["code"] == code


@pytest.mark.parametrize("query", ["?on=2025-13-01", "?on=", "?on=yesterday"])
def test_a_bad_date_is_400(client, world, as_user, query):
    answer = client.get(URL + query, headers=as_user("bureau"))
    assert answer.status_code == 400
    assert answer.get_json()["error"]["code"] == "invalid_date"
