"""GET /api/v1/reports/collection: docs/api.md#collection's shape, the extras, defaults, refusals,
visibility.

The fee world and its figures are those of tests/services/test_fee_reports.py.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.asset_world import Caller, conforms_to_document
from tests.api.test_errors import assert_envelope
from tests.services.test_fee_reports import build_fee_world

PATH = "/reports/collection"
FIGURES = {"billed", "paid", "rate_amount", "households_billed", "households_paid",
           "rate_households"}


@pytest.fixture
def world(db):
    return build_fee_world()


@pytest.fixture
def api(client, world):
    return Caller(client, world)


def get(api, who="sysadmin", **query):
    response = api.get(who, PATH + ("?" + urlencode(query) if query else ""))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_the_shape_of_api_md_with_money_and_ratios_as_strings(api):
    body = get(api, period="2025-05", as_of="2025-06-02", level="community")
    assert {"items", "total"} <= set(body)
    assert set(body) == {"items", "total", "period", "as_of", "level", "trend", "arrears",
                         "recovery"}
    ca, cb, cc = body["items"]
    assert ca == {"key": "CA", "name": "供销楼小区", "billed": "180.75", "paid": "82.50",
                  "rate_amount": "0.4564", "households_billed": 3, "households_paid": 1,
                  "rate_households": "0.3333"}
    assert (cb["key"], cb["rate_amount"], cc["key"], cc["paid"]) == ("CB", "1.0000", "CC",
                                                                     "0.00")
    assert body["total"] == {"billed": "275.75", "paid": "137.50", "rate_amount": "0.4986",
                             "households_billed": 5, "households_paid": 2,
                             "rate_households": "0.4000"}
    assert (body["period"], body["as_of"], body["level"]) == ("2025-05", "2025-06-02",
                                                              "community")


def test_trend_arrears_and_recovery(api):
    body = get(api, period="2025-05", as_of="2025-06-02")
    trend = body["trend"]
    assert [month["period"] for month in trend][::11] == ["2024-06", "2025-05"]
    assert len(trend) == 12 and set(trend[0]) == {"period", *FIGURES}
    assert trend[0]["rate_amount"] is None and trend[0]["billed"] == "0.00"
    assert trend[-1] == {"period": "2025-05", **body["total"]}
    arrears = body["arrears"]
    assert arrears["as_of"] == "2025-06-02"
    assert arrears["items"][0] == {
        "key": "CA", "name": "供销楼小区", "outstanding": "721.25",
        "buckets": {"0-3": "279.00", "3-6": "180.75", "6-12": "150.75", "12+": "110.75"}}
    assert arrears["total"] == {
        "outstanding": "1141.25",
        "buckets": {"0-3": "414.00", "3-6": "275.75", "6-12": "245.75", "12+": "205.75"}}
    recovery = body["recovery"]
    assert (recovery["period"], recovery["from"], recovery["to"]) == (
        "2025-05", "2025-05-01", "2025-05-31")
    assert recovery["items"][0] == {"key": "CA", "name": "供销楼小区", "arrears": "723.00",
                                    "recovered": "100.00", "rate": "0.1383"}
    assert recovery["total"] == {"arrears": "1103.00", "recovered": "100.00", "rate": "0.0907"}


@pytest.mark.parametrize("level, keys", [
    ("street", ["S1", "S2", "S3"]),
    ("district", ["D1", "D2"]),
    ("mode", ["none", "professional"]),
])
def test_levels(api, level, keys):
    body = get(api, period="2025-05", as_of="2025-06-02", level=level)
    assert [item["key"] for item in body["items"]] == keys
    assert [item["key"] for item in body["arrears"]["items"]] == keys
    assert body["total"]["billed"] == "275.75"


def test_defaults_are_last_month_as_of_today_per_community(api):
    body = get(api, "bureau")
    assert (body["period"], body["as_of"], body["level"]) == ("2025-05", "2025-06-02",
                                                              "community")
    assert [item["key"] for item in body["items"]] == ["CA", "CC"]
    # Empty parameters are the defaults too.
    assert get(api, "bureau", period="", as_of="", level="") == body


def test_as_of_leaves_out_later_payments(api):
    body = get(api, period="2025-05", as_of="2025-06-01")
    assert body["total"]["paid"] == "82.50" and body["total"]["households_paid"] == 1


@pytest.mark.parametrize("who, keys", [
    ("manager_a", ["CA"]),
    ("manager_b", ["CB"]),
    ("committee_a", ["CA"]),
    ("officer", ["CA"]),
    ("bureau", ["CA", "CC"]),
])
def test_each_reader_sees_its_own_communities(api, who, keys):
    body = get(api, who, period="2025-05", as_of="2025-06-02")
    assert [item["key"] for item in body["items"]] == keys
    assert [item["key"] for item in body["arrears"]["items"]] == keys
    assert body["total"]["households_billed"] == sum(
        item["households_billed"] for item in body["items"])


@pytest.mark.parametrize("who", ["resident_a", "tenant_a", "operator_in", "operator_out"])
def test_residents_and_operators_get_403(api, who):
    assert_envelope(api.get(who, PATH), 403, "not_a_fee_reader")


def test_a_reader_refused_learns_nothing_of_the_filters(api):
    # The 403 comes before the 400.
    assert_envelope(api.get("resident_a", PATH + "?level=city&period=x"), 403, "not_a_fee_reader")


def test_no_token_gets_401(api):
    assert_envelope(api.get(None, PATH), 401)


@pytest.mark.parametrize("query, code, field", [
    ("period=2025-13", "invalid_period", "period"),
    ("period=1969-12", "invalid_period", "period"),
    ("period=2025-6", "invalid_period", "period"),
    ("as_of=2025-02-30", "invalid_date", "as_of"),
    ("as_of=3000-01-01", "invalid_date", "as_of"),
    ("as_of=today", "invalid_date", "as_of"),
    ("level=city", "invalid_level", "level"),
])
def test_bad_filters_get_400_with_the_envelope(api, query, code, field):
    error = assert_envelope(api.get("sysadmin", PATH + "?" + query), 400, code)
    assert field in error["fields"]


def test_the_answers_match_the_openapi_document(api, client):
    responses = [
        api.get("sysadmin", PATH + "?period=2025-05&as_of=2025-06-02&level=mode"),
        api.get("bureau", PATH),
        api.get("self_manager", PATH),
        api.get("sysadmin", PATH + "?period=1970-01&as_of=1970-01-01"),
        api.get("resident_a", PATH),
        api.get("sysadmin", PATH + "?level=city"),
        api.get(None, PATH),
    ]
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 403, 400, 401]
    conforms_to_document(client, [(PATH, "get", response) for response in responses])


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.dictionaries(st.sampled_from(["period", "as_of", "level", "page"]),
                             st.text(max_size=12), max_size=3))
def test_any_query_answers_200_or_400_never_500(api, query):
    response = api.get("bureau", PATH + "?" + urlencode(query))
    assert response.status_code in (200, 400), response.get_data(as_text=True)[:300]
