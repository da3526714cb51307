"""GET/POST /api/v1/assets: visibility per role, filters, the detail's shape, registering."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from pmsys.models.assets import Asset
from tests.api.asset_world import (
    AssetMaintainerFactory,
    Caller,
    bodies,
    build_asset_world,
    conforms_to_document,
)
from tests.api.test_errors import assert_envelope
from tests.factories import BuildingFactory, UnitFactory

ALL = ["CA-DR", "CA-PW", "CA-ROOF", "CA-WS", "CB-WS", "CX-WS"]
CA = ["CA-DR", "CA-PW", "CA-ROOF", "CA-WS"]


@pytest.fixture
def world(db):
    return build_asset_world()


@pytest.fixture
def api(client, world):
    return Caller(client, world)


def codes(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["total"] == len(body["items"])
    return [item["code"] for item in body["items"]]


@pytest.mark.parametrize(
    "who, expected",
    [
        ("sysadmin", ALL),
        ("bureau", CA + ["CB-WS"]),
        ("bureau_out", ["CX-WS"]),
        ("officer", CA),
        ("water", CA + ["CB-WS"]),
        ("power", CA + ["CB-WS"]),
        ("water_out", ["CX-WS"]),
        # A contractor sees what it holds under warranty, wherever it is.
        ("builder", CA + ["CB-WS"]),
        ("committee", CA),
        ("manager", CA),
        ("resident", CA),
        ("ou_staff", []),
    ],
)
def test_the_list_agrees_with_the_object_check(api, who, expected):
    assert codes(api.get(who, "/assets")) == expected
    for code in ALL:
        status = api.get(who, f"/assets/{code}").status_code
        assert status == (200 if code in expected else 404), (who, code)


def test_an_operator_sees_the_assets_it_maintains_outside_its_region(api, world):
    AssetMaintainerFactory(asset=world.assets["CB-WS"], organization=world.orgs["WATER2"],
                           start=date(2022, 1, 1))
    assert codes(api.get("water_out", "/assets")) == ["CB-WS", "CX-WS"]


def test_anonymous_is_401(api):
    for response in (api.get(None, "/assets"), api.get(None, "/assets/CA-WS"),
                     api.post(None, "/assets", {"code": "X"})):
        assert_envelope(response, 401, "unauthenticated")


def test_unknown_asset_is_404(api):
    assert_envelope(api.get("sysadmin", "/assets/NOPE"), 404, "asset_not_found")


@pytest.mark.parametrize(
    "query, expected",
    [
        ("community=CA", CA),
        ("community=CB", ["CB-WS"]),
        ("community=NOPE", []),
        ("category=water_supply", ["CA-WS", "CB-WS", "CX-WS"]),
        ("category=water_supply&community=CB", ["CB-WS"]),
        ("scope=building", ["CA-ROOF"]),
        ("scope=unit", []),
        ("scope=community&category=power", ["CA-PW"]),
    ],
)
def test_filters(api, query, expected):
    assert codes(api.get("sysadmin", "/assets?" + query)) == expected


def test_paging(api):
    body = api.get("sysadmin", "/assets?per_page=4&page=2").get_json()
    assert body["total"] == 6
    assert [a["code"] for a in body["items"]] == ["CB-WS", "CX-WS"]


@pytest.mark.parametrize("query, field", [("category=plumbing", "category"),
                                          ("scope=street", "scope"), ("page=x", "page")])
def test_bad_filters_are_400(api, query, field):
    error = assert_envelope(api.get("sysadmin", "/assets?" + query), 400)
    assert field in error["fields"]


def test_detail_shape_with_warranty_and_maintainer_history(api, world):
    AssetMaintainerFactory(asset=world.assets["CA-WS"], organization=world.orgs["PM"],
                           start=date(2022, 1, 1), end=date(2024, 12, 31))
    AssetMaintainerFactory(asset=world.assets["CA-WS"], organization=world.orgs["WATER"],
                           start=date(2025, 1, 1))
    body = api.get("committee", "/assets/CA-WS").get_json()
    assert body == {
        "code": "CA-WS",
        "name": "CA-WS",
        "category": "water_supply",
        "community": "CA",
        "building": None,
        "unit": None,
        "scope": "community",
        "project": "P2021",
        "warranty": {
            "contractor": {"org": "BUILDER", "name": "BUILDER 单位"},
            "until": "2023-11-20",
            "contract_until": None,
            "in_warranty_today": False,
        },
        "parking": None,
        "maintainer": {"org": "WATER", "name": "WATER 单位"},
        "maintainers": [
            {"org": "PM", "name": "PM 单位", "start": "2022-01-01", "end": "2024-12-31",
             "handover": None},
            {"org": "WATER", "name": "WATER 单位", "start": "2025-01-01", "end": None,
             "handover": None},
        ],
    }
    roof = api.get("resident", "/assets/CA-ROOF").get_json()
    assert roof["scope"] == "building" and roof["building"] == "1"
    assert roof["warranty"]["in_warranty_today"] is True
    assert roof["maintainer"] is None and roof["maintainers"] == []


# --- registering -------------------------------------------------------------------------------


def test_the_bureau_registers_an_asset_with_the_statutory_warranty(api, world, db):
    response = api.post("bureau", "/assets", {
        "code": "CA-HT", "category": "heating", "community": "CA", "project": "P2021",
        "name": "供热管网",
    })
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["code"] == "CA-HT" and body["name"] == "供热管网"
    assert body["project"] == "P2021" and body["scope"] == "community"
    # Accepted 2021-11-20: two full heating seasons from 2022-10-15, to 2024-04-15
    # (docs/domain.md#warranty).
    assert body["warranty"] == {"contractor": {"org": "BUILDER", "name": "BUILDER 单位"},
                                "until": "2024-04-15", "contract_until": None,
                                "in_warranty_today": False}
    assert api.get("water", "/assets/CA-HT").status_code == 200


def test_a_longer_contract_warranty_and_a_unit_scope(api, world):
    unit = world.communities["CA"].buildings[0].units[0]
    response = api.post("sysadmin", "/assets", {
        "code": "CA-1-1-AC", "category": "access_security", "community": "CA",
        "building": "1", "unit": unit.code, "project": "P2021",
        "warranty_contractor": "BUILDER", "warranty_until": "2027-12-31",
    })
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["scope"], body["building"], body["unit"]) == ("unit", "1", unit.code)
    assert body["warranty"]["until"] == "2027-12-31"
    assert body["warranty"]["contract_until"] == "2027-12-31"
    assert body["warranty"]["in_warranty_today"] is True


@pytest.mark.parametrize(
    "who, status",
    [("bureau", 201), ("sysadmin", 201), ("officer", 403), ("water", 403),
     ("committee", 403), ("manager", 403), ("resident", 403),
     # Those who cannot see CA do not learn that it exists (the contractor sees the assets
     # under its warranty, not the community).
     ("bureau_out", 404), ("water_out", 404), ("ou_staff", 404), ("builder", 404)],
)
def test_who_may_register(api, db, who, status):
    response = api.post(who, "/assets", {"code": "CA-LT", "category": "lighting",
                                         "community": "CA"})
    assert response.status_code == status, response.get_json()
    created = db.session.scalar(select(func.count(Asset.id)).where(Asset.code == "CA-LT"))
    assert created == (1 if status == 201 else 0)


@pytest.mark.parametrize(
    "body, status, field",
    [
        ({"category": "lighting", "community": "CA"}, 400, "code"),
        ({"code": "X", "community": "CA"}, 400, "category"),
        ({"code": "X", "category": "lighting"}, 400, "community"),
        ({"code": "X", "category": "plumbing", "community": "CA"}, 400, "category"),
        ({"code": "X", "category": ["lighting"], "community": "CA"}, 400, "category"),
        ({"code": 7, "category": "lighting", "community": "CA"}, 400, "code"),
        ({"code": "X" * 65, "category": "lighting", "community": "CA"}, 400, "code"),
        ({"code": "X", "category": "lighting", "community": {"code": "CA"}}, 400, "community"),
        ({"code": "X", "category": "lighting", "community": "CA", "name": "n" * 201}, 400,
         "name"),
        ({"code": "X", "category": "lighting", "community": "CA", "building": 1}, 400,
         "building"),
        ({"code": "X", "category": "lighting", "community": "CA", "building": "9"}, 400,
         "building"),
        ({"code": "X", "category": "lighting", "community": "CA", "unit": "1"}, 400, "unit"),
        ({"code": "X", "category": "lighting", "community": "CA", "project": "NOPE"}, 400,
         "project"),
        ({"code": "X", "category": "lighting", "community": "CX", "project": "P2021"}, 404,
         None),
        ({"code": "X", "category": "lighting", "community": "CA",
          "warranty_contractor": "WATER"}, 400, "warranty_contractor"),
        ({"code": "X", "category": "lighting", "community": "CA",
          "warranty_until": "31.12.2027"}, 400, "warranty_until"),
        ({"code": "X", "category": "lighting", "community": "CA", "warranty_until": True},
         400, "warranty_until"),
        ({"code": "CA-WS", "category": "lighting", "community": "CA"}, 409, None),
    ],
)
def test_bad_registrations_are_refused(api, db, body, status, field):
    before = db.session.scalar(select(func.count(Asset.id)))
    error = assert_envelope(api.post("bureau", "/assets", body), status)
    if field:
        assert field in error["fields"]
    assert db.session.scalar(select(func.count(Asset.id))) == before


def test_a_unit_of_another_building_is_refused(api, world):
    other = BuildingFactory(community=world.communities["CA"], code="2")
    UnitFactory(building=other, code="9")
    error = assert_envelope(api.post("bureau", "/assets", {
        "code": "X", "category": "lighting", "community": "CA", "building": "1", "unit": "9",
    }), 400)
    assert "unit" in error["fields"]


def test_answers_fit_the_documented_schemas(api, client, world):
    AssetMaintainerFactory(asset=world.assets["CA-WS"], organization=world.orgs["WATER"],
                           start=date(2025, 1, 1))
    answers = [
        ("/assets", "get", api.get("water", "/assets")),
        ("/assets", "get", api.get("water", "/assets?scope=nowhere")),
        ("/assets", "get", api.get(None, "/assets")),
        ("/assets/{code}", "get", api.get("water", "/assets/CA-WS")),
        ("/assets/{code}", "get", api.get("water", "/assets/CX-WS")),
        ("/assets", "post", api.post("bureau", "/assets", {
            "code": "CA-EV", "category": "ev_charging", "community": "CA", "building": "1",
            "warranty_until": "2030-01-01", "warranty_contractor": "BUILDER"})),
        ("/assets", "post", api.post("bureau", "/assets", {"code": "CA-EV"})),
        ("/assets", "post", api.post("officer", "/assets", {
            "code": "CA-X", "category": "road", "community": "CA"})),
        ("/assets", "post", api.post("bureau_out", "/assets", {
            "code": "CA-X", "category": "road", "community": "CA"})),
        ("/assets", "post", api.post("bureau", "/assets", {
            "code": "CA-EV", "category": "road", "community": "CA"})),
    ]
    assert [r.status_code for _, _, r in answers] == [200, 400, 401, 200, 404, 201, 400, 403,
                                                      404, 409]
    conforms_to_document(client, answers)


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=bodies(
    code=st.text(max_size=70), category=st.sampled_from(["lighting", "heating", "x"]),
    community=st.sampled_from(["CA", "CX", "NOPE"]), building=st.sampled_from(["1", "2"]),
    unit=st.sampled_from(["1", "9"]), project=st.sampled_from(["P2021", "P2025", "NOPE"]),
    name=st.text(max_size=210), warranty_contractor=st.sampled_from(["BUILDER", "WATER"]),
    warranty_until=st.dates().map(str) | st.text(max_size=12),
))
def test_random_bodies_never_cause_a_server_error(api, body):
    response = api.post("bureau", "/assets", body)
    assert response.status_code in (201, 400, 403, 404, 409), response.get_data(as_text=True)
    if response.status_code != 201:
        assert_envelope(response, response.status_code)


@pytest.mark.parametrize("query, code", [
    ("community=", "invalid_filter"), ("category=", "invalid_filter"),
    ("scope=", "invalid_filter"), ("page=", "invalid_paging"), ("per_page=", "invalid_paging"),
])
def test_an_empty_filter_is_400_naming_it(api, query, code):
    error = assert_envelope(api.get("sysadmin", "/assets?" + query), 400, code)
    assert set(error["fields"]) == {query[:-1]}
