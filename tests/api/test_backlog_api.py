"""GET /api/v1/reports/handover-backlog: who reads it, its shape, the 90/91-day boundary, counts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from pmsys.extensions import db as _db
from pmsys.models.assets import HandoverStatus
from pmsys.models.auth import OrgKind
from pmsys.models.places import Setting
from tests.api.asset_world import (
    ACCEPTED,
    TODAY,
    AssetMaintainerFactory,
    Caller,
    HandoverFactory,
    build_asset_world,
    conforms_to_document,
)
from tests.api.test_errors import assert_envelope
from tests.factories import OrganizationFactory

DEADLINE = ACCEPTED + timedelta(days=90)  # 2022-02-18: the last day that is not overdue
PATH = "/reports/handover-backlog"
WATER = {"org": "WATER", "name": "WATER 单位"}
POWER = {"org": "POWER", "name": "POWER 单位"}


@pytest.fixture
def world(db):
    return build_asset_world()


@pytest.fixture
def api(client, world):
    return Caller(client, world)


def report(api, who="bureau", query="") -> dict:
    response = api.get(who, PATH + query)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["total"] == len(body["items"])
    return body


def item(asset, category, community, street, days, handover=None, status=None,
         receiver=WATER) -> dict:
    return {"asset": asset, "category": category, "community": community, "street": street,
            "project": "P2021", "accepted_on": "2021-11-20", "days_overdue": days,
            "handover": handover, "handover_status": status, "receiver": receiver}


def test_shape_numbers_and_counts(api):
    body = report(api, query="?on=2022-02-19")
    assert body == {
        "items": [
            item("CA-DR", "drainage", "CA", "S1", 1),
            item("CA-PW", "power", "CA", "S1", 1, receiver=POWER),
            item("CA-WS", "water_supply", "CA", "S1", 1),
            item("CB-WS", "water_supply", "CB", "S2", 1),
        ],
        "total": 4,
        "by_category": {"drainage": 1, "power": 1, "water_supply": 2},
        "by_street": {"S1": 3, "S2": 1},
        "by_receiver": {"POWER": 1, "WATER": 3},
    }


def test_overdue_only_after_ninety_days(api):
    assert DEADLINE == date(2022, 2, 18)
    body = report(api, query="?on=2022-02-18")  # 90 days after acceptance
    assert body == {"items": [], "total": 0, "by_category": {}, "by_street": {},
                    "by_receiver": {}}
    body = report(api, query="?on=2022-02-19")  # 91 days
    assert {i["days_overdue"] for i in body["items"]} == {1}
    assert report(api, query="?on=2021-11-20")["total"] == 0


def test_on_defaults_to_today(api):
    body = report(api)
    assert body["total"] == 4
    assert {i["days_overdue"] for i in body["items"]} == {(TODAY - DEADLINE).days}


def test_a_region_may_set_its_own_deadline(api):
    _db.session.add(Setting(scope="S2", key="handover_overdue_days", value=30))
    _db.session.flush()
    body = report(api, query="?on=2021-12-21")
    assert [(i["asset"], i["days_overdue"]) for i in body["items"]] == [("CB-WS", 1)]


def test_open_and_effective_hand_overs(api, world):
    HandoverFactory(code="H-OPEN", from_org=world.orgs["HB"], to_org=world.orgs["WATER"],
                    status=HandoverStatus.submitted, assets=[world.assets["CA-WS"]])
    done = HandoverFactory(code="H-DONE", from_org=world.orgs["HB"], to_org=world.orgs["WATER"],
                           status=HandoverStatus.effective, effective_on=date(2022, 3, 1),
                           assets=[world.assets["CB-WS"]])
    AssetMaintainerFactory(asset=world.assets["CB-WS"], organization=world.orgs["WATER"],
                           start=date(2022, 3, 1), handover_id=done.id)
    body = report(api, query="?on=2022-02-28")
    assert item("CA-WS", "water_supply", "CA", "S1", 10, "H-OPEN", "submitted") in body["items"]
    assert [i["asset"] for i in body["items"]] == ["CA-DR", "CA-PW", "CA-WS", "CB-WS"]
    # From its effective date the hand-over takes the asset off the backlog.
    body = report(api, query="?on=2022-03-01")
    assert [i["asset"] for i in body["items"]] == ["CA-DR", "CA-PW", "CA-WS"]
    assert body["by_street"] == {"S1": 3}
    assert body["by_category"] == {"drainage": 1, "power": 1, "water_supply": 1}


def test_of_two_open_hand_overs_the_newest_is_shown(api, world):
    older = HandoverFactory(code="H-OLD", from_org=world.orgs["HB"], to_org=world.orgs["WATER"],
                            status=HandoverStatus.returned, assets=[world.assets["CA-WS"]])
    HandoverFactory(code="H-NEW", from_org=world.orgs["HB"], to_org=world.orgs["POWER"],
                    status=HandoverStatus.draft, assets=[world.assets["CA-WS"]],
                    created_at=older.created_at + timedelta(hours=1))
    body = report(api, query="?on=2022-02-19")
    assert item("CA-WS", "water_supply", "CA", "S1", 1, "H-NEW", "draft",
                receiver=POWER) in body["items"]
    assert body["by_receiver"] == {"POWER": 2, "WATER": 2}


def test_a_hand_over_made_through_the_api_clears_the_backlog(api):
    def step(who, **body):
        response = api.post(who, "/handovers/H-1/actions", body)
        assert response.status_code == 200, response.get_json()

    response = api.post("bureau", "/handovers",
                        {"code": "H-1", "from": "HB", "to": "WATER", "assets": ["CB-WS"]})
    assert response.status_code == 201
    assert item("CB-WS", "water_supply", "CB", "S2", (TODAY - DEADLINE).days, "H-1",
                "draft") in report(api)["items"]
    step("bureau", action="submit")
    step("water", action="inspect")
    step("water", action="sign")
    step("bureau", action="sign")
    assert [i["asset"] for i in report(api)["items"]] == ["CA-DR", "CA-PW", "CA-WS"]


def test_no_single_receiver_is_counted_apart(api):
    OrganizationFactory(code="WATER-B", kind=OrgKind.utility,
                        region=api.world.orgs["WATER"].region, categories=["water_supply"])
    body = report(api, query="?on=2022-02-19")
    receivers = {i["asset"]: i["receiver"] for i in body["items"]}
    assert receivers == {"CA-DR": WATER, "CA-PW": POWER, "CA-WS": None, "CB-WS": None}
    assert body["by_receiver"] == {"-": 2, "POWER": 1, "WATER": 1}


@pytest.mark.parametrize(
    "who, expected",
    [
        ("bureau", ["CA-DR", "CA-PW", "CA-WS", "CB-WS"]),
        ("sysadmin", ["CA-DR", "CA-PW", "CA-WS", "CB-WS"]),
        ("officer", ["CA-DR", "CA-PW", "CA-WS"]),
        ("bureau_out", []),
    ],
)
def test_readers_see_the_backlog_of_their_communities(api, who, expected):
    assert [i["asset"] for i in report(api, who)["items"]] == expected


@pytest.mark.parametrize(
    "who", ["water", "power", "water_out", "builder", "committee", "manager", "ou_staff",
            "resident"]
)
def test_others_get_403(api, who):
    assert_envelope(api.get(who, PATH), 403, "forbidden")


def test_anonymous_gets_401(api):
    assert_envelope(api.get(None, PATH), 401, "unauthenticated")


@pytest.mark.parametrize(
    "query, expected",
    [("?region=S2", ["CB-WS"]), ("?region=D1", ["CA-DR", "CA-PW", "CA-WS", "CB-WS"]),
     ("?region=S1", ["CA-DR", "CA-PW", "CA-WS"]), ("?region=D2", []),
     ("?region=", ["CA-DR", "CA-PW", "CA-WS", "CB-WS"])],
)
def test_region_filter(api, query, expected):
    assert [i["asset"] for i in report(api, "bureau", query)["items"]] == expected


def test_unknown_region_is_404(api):
    assert_envelope(api.get("bureau", PATH + "?region=NOPE"), 404)


@pytest.mark.parametrize("on", ["2022-2-19", "yesterday", "2022-02-30", "20220219",
                                "2022-02-19T00:00", "2022-02-19 "])
def test_a_bad_date_is_400(api, on):
    response = api.client.get("/api/v1" + PATH, query_string={"on": on},
                              headers=api.headers("bureau"))
    error = assert_envelope(response, 400, "invalid_date")
    assert "on" in error["fields"]


def test_answers_fit_the_documented_schemas(api, client, world):
    HandoverFactory(code="H-OPEN", from_org=world.orgs["HB"], to_org=world.orgs["WATER"],
                    status=HandoverStatus.inspected, assets=[world.assets["CA-WS"]])
    answers = [
        (PATH, "get", api.get("bureau", PATH)),
        (PATH, "get", api.get("officer", PATH + "?on=2021-01-01")),
        (PATH, "get", api.get("bureau", PATH + "?on=someday")),
        (PATH, "get", api.get("bureau", PATH + "?region=NOPE")),
        (PATH, "get", api.get("water", PATH)),
        (PATH, "get", api.get(None, PATH)),
    ]
    assert [r.status_code for _, _, r in answers] == [200, 200, 400, 404, 403, 401]
    conforms_to_document(client, answers)


def test_an_empty_date_is_400_and_an_empty_region_means_every_region(api):
    error = assert_envelope(api.get("bureau", PATH + "?on="), 400, "invalid_date")
    assert set(error["fields"]) == {"on"}
    assert report(api, "bureau", "?region=&on=2022-02-19")["total"] == report(
        api, "bureau", "?on=2022-02-19")["total"]
