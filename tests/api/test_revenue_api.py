"""GET and POST /api/v1/communities/{code}/revenue: the public ledger over the API."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pmsys.audit import AuditRecord
from pmsys.extensions import db as _db
from pmsys.models.fees import RevenueEntry
from tests.world import build_world

URL = "/api/v1/communities/{}/revenue"
INCOME = {"direction": "income", "category": "parking", "amount": "1200.00",
          "on": "2025-03-31", "description": "一季度停车费"}
SPENDING = {"direction": "spending", "category": "maintenance", "amount": "450.25",
            "on": "2025-04-10", "description": "更换闭门器", "resolution": "业委会决议3号"}


@pytest.fixture
def world(db):
    return build_world()  # the clock reads 2025-06-02


@pytest.fixture
def as_user(world, api_token):
    return lambda login: api_token(world.users[login])


def entries() -> int:
    return _db.session.scalar(select(func.count(RevenueEntry.id)))


def test_the_manager_posts_an_income_and_everyone_in_the_community_reads_it(
        client, world, as_user):
    posted = client.post(URL.format("CA"), json=INCOME, headers=as_user("manager_a"))
    assert posted.status_code == 201, posted.get_json()
    body = posted.get_json()
    assert {k: body[k] for k in INCOME} == INCOME
    assert body["resolution"] == "" and isinstance(body["id"], int)
    committee = client.post(URL.format("CA"), json=SPENDING, headers=as_user("committee_a"))
    assert committee.status_code == 201, committee.get_json()
    for login in ("resident_a", "operator_in", "officer", "bureau", "committee_a"):
        answer = client.get(URL.format("CA") + "?year=2025", headers=as_user(login))
        assert answer.status_code == 200, (login, answer.get_json())
        ledger = answer.get_json()
        assert ledger["community"] == "CA" and ledger["year"] == 2025
        assert [item["amount"] for item in ledger["items"]] == ["1200.00", "450.25"]
        assert ledger["total"] == 2
        assert ledger["income"] == {"total": "1200.00", "by_category": {
            "parking": "1200.00", "advertising": "0.00", "rental": "0.00",
            "other_income": "0.00"}}
        assert ledger["spending"]["total"] == "450.25"
        assert ledger["spending"]["by_category"]["maintenance"] == "450.25"
        assert ledger["opening_balance"] == "0.00"
        assert ledger["closing_balance"] == "749.75"


def test_the_year_defaults_to_this_year_and_pages_the_entries(client, world, as_user):
    for month in (1, 2, 3):
        answer = client.post(URL.format("CA"), headers=as_user("manager_a"),
                             json={**INCOME, "on": f"2025-0{month}-28"})
        assert answer.status_code == 201
    client.post(URL.format("CA"), headers=as_user("manager_a"),
                json={**INCOME, "on": "2024-12-28", "amount": "100.00"})
    this_year = client.get(URL.format("CA") + "?per_page=2&page=2",
                           headers=as_user("resident_a")).get_json()
    assert this_year["year"] == 2025 and this_year["total"] == 3
    assert [item["on"] for item in this_year["items"]] == ["2025-03-28"]
    assert this_year["income"]["total"] == "3600.00"
    assert this_year["opening_balance"] == "100.00"
    assert this_year["closing_balance"] == "3700.00"
    last_year = client.get(URL.format("CA") + "?year=2024",
                           headers=as_user("resident_a")).get_json()
    assert [item["on"] for item in last_year["items"]] == ["2024-12-28"]


@pytest.mark.parametrize("login", ["resident_a", "officer", "bureau", "operator_in"])
def test_who_only_reads_gets_403_and_the_denial_is_audited(client, world, as_user, login):
    answer = client.post(URL.format("CA"), json=INCOME, headers=as_user(login))
    assert answer.status_code == 403
    assert answer.get_json()["error"]["code"] == "not_a_revenue_keeper"
    assert entries() == 0
    assert _db.session.scalar(select(func.count(AuditRecord.id)).where(
        AuditRecord.action == "revenue_entry_refused", AuditRecord.actor == login)) == 1


@pytest.mark.parametrize("login", ["manager_b", "resident_b", "operator_out"])
def test_a_community_the_caller_does_not_see_is_404_for_both_methods(
        client, world, as_user, login):
    headers = as_user(login)
    assert client.get(URL.format("CA"), headers=headers).status_code == 404
    answer = client.post(URL.format("CA"), json=INCOME, headers=headers)
    assert answer.status_code == 404
    assert answer.get_json()["error"]["code"] == "community_not_found"
    assert client.get(URL.format("NOPE"), headers=headers).status_code == 404
    assert entries() == 0


def test_without_a_token_it_is_401(client, world):
    assert client.get(URL.format("CA")).status_code == 401
    assert client.post(URL.format("CA"), json=INCOME).status_code == 401


def test_a_spending_without_resolution_is_422(client, world, as_user):
    answer = client.post(URL.format("CA"), headers=as_user("committee_a"),
                         json={**SPENDING, "resolution": ""})
    assert answer.status_code == 422
    assert answer.get_json()["error"]["code"] == "resolution_required"
    assert entries() == 0


@pytest.mark.parametrize("body", [
    {**INCOME, "amount": 12.5},
    {**INCOME, "amount": "12.345"},
    {**INCOME, "amount": "0"},
    {**INCOME, "amount": "1e309"},
    {**INCOME, "amount": "9" * 29},
    {**INCOME, "category": "maintenance"},
    {**INCOME, "direction": 1},
    {**INCOME, "on": "2025-02-30"},
    {**INCOME, "on": "2099-01-01"},
    {**INCOME, "description": ""},
    {key: value for key, value in INCOME.items() if key != "amount"},
    {**INCOME, "description": {"text": "x"}},
])
def test_bad_bodies_are_400_with_the_envelope(client, world, as_user, body):
    answer = client.post(URL.format("CA"), json=body, headers=as_user("manager_a"))
    assert answer.status_code == 400, answer.get_json()
    assert set(answer.get_json()["error"]) >= {"code", "message", "fields"}
    assert entries() == 0


def test_a_body_that_is_not_an_object_is_400(client, world, as_user):
    headers = as_user("manager_a")
    assert client.post(URL.format("CA"), json=[INCOME], headers=headers).status_code == 400
    assert client.post(URL.format("CA"), data="{", headers={
        **headers, "Content-Type": "application/json"}).status_code == 400


def test_fields_the_caller_may_not_set_are_ignored(client, world, as_user):
    answer = client.post(URL.format("CA"), headers=as_user("manager_a"), json={
        **INCOME, "id": 999, "community": "CB", "recorded_by_id": 1})
    assert answer.status_code == 201
    entry = _db.session.scalar(select(RevenueEntry))
    assert answer.get_json()["id"] == entry.id
    assert entry.community_id == world.communities["CA"].id
    assert entry.recorded_by_id == world.users["manager_a"].id


@pytest.mark.parametrize("query", ["year=abc", "year=1969", "year=3000", "page=0",
                                   "per_page=201"])
def test_bad_query_parameters_are_400(client, world, as_user, query):
    answer = client.get(URL.format("CA") + "?" + query, headers=as_user("resident_a"))
    assert answer.status_code == 400


def test_the_operations_are_described(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    operations = doc["paths"]["/communities/{code}/revenue"]
    assert operations["get"]["operationId"] == "getRevenueLedger"
    assert operations["post"]["operationId"] == "recordRevenueEntry"
    assert "RevenueLedger" in doc["components"]["schemas"]


@pytest.mark.parametrize("query, code", [
    ("year=", "invalid_year"), ("year=abc", "invalid_year"), ("year=1969", "invalid_year"),
    ("year=+2025", "invalid_year"), ("page=", "invalid_paging"), ("per_page=", "invalid_paging"),
])
def test_an_empty_or_malformed_query_parameter_is_400_naming_it(client, world, as_user, query,
                                                                 code):
    answer = client.get(URL.format("CA") + "?" + query, headers=as_user("resident_a"))
    assert answer.status_code == 400
    error = answer.get_json()["error"]
    assert error["code"] == code and set(error["fields"]) == {query.split("=")[0]}
