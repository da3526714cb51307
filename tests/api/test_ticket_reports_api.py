"""GET /api/v1/reports/tickets: the shape of docs/api.md#ticket-reports, defaults, refusals and
visibility."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from pmsys import clock
from pmsys.tickets.services import take_action
from tests.api.asset_world import Caller, conforms_to_document
from tests.api.test_errors import assert_envelope
from tests.ticket_world import NOW, build_ticket_world, file_as

PATH = "/reports/tickets"
FIELDS = ["filed", "responded", "responded_on_time", "resolved", "resolved_on_time", "rated",
          "satisfied", "reopens", "disputes", "response_rate", "resolution_rate",
          "on_time_rate", "satisfaction_rate", "reopen_rate", "dispute_rate",
          "median_response_minutes", "median_resolution_minutes", "disputes_raised",
          "disputes_upheld", "disputes_returned", "callbacks", "callback_satisfaction_rate"]


def local(*args) -> datetime:
    return datetime(*args, tzinfo=clock.LOCAL_TZ)


@pytest.fixture
def world(db):
    world = build_ticket_world()
    with clock.frozen(local(2025, 5, 20, 10)):
        water = file_as(world, "resident_a")
    for login, action, hours, fields in (
        ("operator_in", "accept", 1, {}),
        ("operator_in", "resolve", 5, {"note": "换了阀门"}),
        ("resident_a", "confirm", 30, {"rating": 4}),
    ):
        with clock.frozen(local(2025, 5, 20, 10) + timedelta(hours=hours)):
            take_action(db.session, world.users[login], water, action, **fields)
    with clock.frozen(local(2025, 4, 12, 10)):
        file_as(world, "resident_a", category="lighting", description="路灯不亮")
    with clock.frozen(local(2025, 5, 30, 10)):
        file_as(world, "resident_a", category="lighting", description="路灯又不亮")
    db.session.commit()
    return world


@pytest.fixture
def api(client, world):
    return Caller(client, world)


def get(api, who="bureau", query=""):
    response = api.get(who, PATH + query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_the_shape_of_api_md_with_rates_as_strings(api):
    body = get(api, query="?from=2025-05-01&to=2025-05-31")
    assert set(body) == {"items", "total"}
    lighting, water = body["items"]
    assert set(water) == {"key", "name", *FIELDS}
    assert set(body["total"]) == set(FIELDS)
    assert water == {
        "key": "W-D1", "name": api.world.orgs["W-D1"].name,
        "filed": 1, "responded": 1, "responded_on_time": 1, "resolved": 1,
        "resolved_on_time": 1, "rated": 1, "satisfied": 1, "reopens": 0, "disputes": 0,
        "response_rate": "1.0000", "resolution_rate": "1.0000", "on_time_rate": "1.0000",
        "satisfaction_rate": "1.0000", "reopen_rate": "0.0000", "dispute_rate": "0.0000",
        "median_response_minutes": 60.0, "median_resolution_minutes": 300.0,
        "disputes_raised": 0, "disputes_upheld": 0, "disputes_returned": 0,
        "callbacks": 0, "callback_satisfaction_rate": None,
    }
    # The May lighting ticket: past its response deadline by NOW, never answered.
    assert lighting["key"] == "PM-A" and lighting["filed"] == 1
    assert lighting["response_rate"] == "0.0000" and lighting["on_time_rate"] is None
    assert lighting["median_response_minutes"] is None
    total = body["total"]
    assert (total["filed"], total["resolved"], total["resolution_rate"]) == (2, 1, "0.5000")


def test_the_response_matches_the_openapi_document(api, client):
    responses = [
        api.get("bureau", PATH + "?group=month&from=2025-04-01&to=2025-06-02"),
        api.get("bureau", PATH),
        api.get("bureau", PATH + "?group=nope"),
        api.get(None, PATH),
        api.get("resident_a", PATH),
    ]
    conforms_to_document(client, [("/reports/tickets", "get", r) for r in responses])


def test_the_default_is_the_last_thirty_days_by_organisation(api):
    assert clock.now() == NOW  # 2025-06-02: the period is 2025-05-04 … 2025-06-02
    body = get(api)
    assert [i["key"] for i in body["items"]] == ["PM-A", "W-D1"]
    assert body["total"]["filed"] == 2
    # Only `to`: the thirty days ending then.
    body = get(api, query="?to=2025-04-30")
    assert body["total"]["filed"] == 1 and body["items"][0]["key"] == "PM-A"


@pytest.mark.parametrize(("group", "keys"), [
    ("org", ["PM-A", "W-D1"]),
    ("community", ["CA"]),
    ("category", ["lighting", "water_supply"]),
    ("month", ["2025-04", "2025-05", "2025-06"]),
])
def test_each_grouping_keys_its_items(api, group, keys):
    body = get(api, query=f"?from=2025-04-01&to=2025-06-02&group={group}")
    assert [i["key"] for i in body["items"]] == keys
    assert body["total"]["filed"] == 3


def test_month_items_are_named_by_their_key_and_list_empty_months(api):
    body = get(api, query="?from=2025-04-01&to=2025-06-02&group=month")
    assert [(i["key"], i["name"], i["filed"]) for i in body["items"]] == [
        ("2025-04", "2025-04", 1), ("2025-05", "2025-05", 2), ("2025-06", "2025-06", 0)]
    assert body["items"][2]["response_rate"] is None


def test_an_operator_reads_only_its_own_organisations_measures(api):
    body = get(api, who="operator_in", query="?from=2025-04-01&to=2025-06-02")
    assert [i["key"] for i in body["items"]] == ["W-D1"]
    assert body["total"]["filed"] == 1
    assert get(api, who="operator_out", query="?from=2025-04-01")["items"] == []


@pytest.mark.parametrize("who", ["resident_a", "resident_b", "tenant_a"])
def test_residents_get_403(api, who):
    response = api.get(who, PATH)
    assert response.status_code == 403
    assert_envelope(response, 403, "forbidden")


def test_without_a_token_401(api):
    response = api.get(None, PATH)
    assert response.status_code == 401
    assert_envelope(response, 401, "unauthenticated")


def test_a_reversed_period_is_empty_and_a_long_one_is_accepted(api):
    body = get(api, query="?from=2025-06-01&to=2025-05-01&group=month")
    assert body["items"] == [] and body["total"]["filed"] == 0
    body = get(api, query="?from=1970-01-01&to=2999-12-31&group=month")
    assert [(i["key"], i["filed"]) for i in body["items"]] == [("2025-04", 1), ("2025-05", 2)]


@pytest.mark.parametrize(("query", "code", "field"), [
    ("?from=2025-5-1", "invalid_date", "from"),
    ("?to=yesterday", "invalid_date", "to"),
    ("?from=2025-02-30", "invalid_date", "from"),
    ("?from=0001-01-01", "invalid_period", "from"),
    ("?from=1969-12-31", "invalid_period", "from"),
    ("?to=3000-01-01", "invalid_period", "to"),
    ("?to=9999-12-31", "invalid_period", "to"),
    ("?group=street", "invalid_group", "group"),
    ("?group=ORG", "invalid_group", "group"),
    # Only `to`, and before 1970: refused, not counted back from (docs/api.md#lists).
    ("?to=0001-01-01", "invalid_period", "to"),
    # An empty value is malformed, as on every list (docs/api.md#lists).
    ("?from=", "invalid_date", "from"),
    ("?to=&group=month", "invalid_date", "to"),
    ("?group=", "invalid_group", "group"),
])
def test_bad_parameters_answer_400_with_the_envelope(api, query, code, field):
    response = api.get("bureau", PATH + query)
    assert response.status_code == 400
    error = assert_envelope(response, 400, code)
    assert field in error["fields"]


def test_a_reader_refused_learns_nothing_of_the_parameters(api):
    # The 403 comes before the 400: a resident is refused whatever they ask.
    assert_envelope(api.get("resident_a", PATH + "?group=nope&from=x"), 403)


# --- Disputes against the organisation that raised them (docs/domain.md#measures) -------


@pytest.fixture
def disputed(db, world):
    """Three June tickets in CA (NOW is 2025-06-02): W-D1 disputes water twice (upheld, then
    it comes back by a reassignment and W-D1 disputes again, returned); PM-A disputes the
    lamp (waiting); PM-A disputes a second lamp, upheld to W-D1."""
    users = world.users

    def act(login, ticket, action, **fields):
        take_action(db.session, users[login], ticket, action, **fields)

    with clock.frozen(local(2025, 6, 1, 9)):
        water = file_as(world, "resident_a", description="六月水管漏水")
        lamp = file_as(world, "resident_a", category="lighting", description="六月路灯不亮")
        lamp2 = file_as(world, "resident_a", category="lighting", description="楼门灯不亮")
        act("operator_in", water, "dispute", note="不是我们的管道")
        act("officer", water, "reassign", org="PM-A", note="物业负责")
        act("officer", water, "reassign", org="W-D1", note="还是供水公司")  # nobody disputed
        act("operator_in", water, "dispute", note="仍然不是我们的")
        act("officer", water, "uphold", note="维持")
        act("manager_a", lamp, "dispute", note="路灯应移交")
        act("manager_a", lamp2, "dispute", note="线路属于供电")
        act("officer", lamp2, "reassign", org="W-D1", note="交供水公司试试")
    db.session.commit()
    return {"water": water, "lamp": lamp, "lamp2": lamp2}


def disputes_of(item: dict) -> tuple[int, int, int]:
    return item["disputes_raised"], item["disputes_upheld"], item["disputes_returned"]


def test_disputes_count_against_the_organisation_that_raised_them(api, disputed):
    body = get(api, query="?from=2025-06-01&to=2025-06-02")
    items = {item["key"]: item for item in body["items"]}
    # W-D1 holds water and lamp2 now; PM-A holds lamp. The disputes are counted by who raised
    # them: W-D1 twice (one upheld, one returned), PM-A twice (one upheld, one waiting).
    assert disputes_of(items["W-D1"]) == (2, 1, 1)
    assert disputes_of(items["PM-A"]) == (2, 1, 0)
    assert (items["W-D1"]["filed"], items["PM-A"]["filed"]) == (2, 1)
    assert disputes_of(body["total"]) == (4, 2, 1)
    # The older measure stays what it was: tickets disputed at least once, by holder.
    assert (items["W-D1"]["disputes"], items["PM-A"]["disputes"]) == (2, 1)


def test_an_organisation_that_holds_none_of_its_disputed_tickets_is_listed(api, db, world,
                                                                           disputed):
    # The lamp goes away from PM-A: PM-A holds no June ticket but raised two disputes.
    take_action(db.session, world.users["officer"], disputed["lamp"], "reassign", org="W-D1",
                note="交供水公司")
    db.session.commit()
    body = get(api, query="?from=2025-06-01&to=2025-06-02")
    items = {item["key"]: item for item in body["items"]}
    assert items["PM-A"]["name"] == world.orgs["PM-A"].name
    assert items["PM-A"]["filed"] == 0 and items["PM-A"]["response_rate"] is None
    assert disputes_of(items["PM-A"]) == (2, 2, 0)
    assert disputes_of(items["W-D1"]) == (2, 1, 1)
    # Its own staff read its disputes although the tickets are no longer theirs.
    own = get(api, "manager_a", "?from=2025-06-01&to=2025-06-02")
    assert disputes_of({i["key"]: i for i in own["items"]}["PM-A"]) == (2, 2, 0)
    # An operator reads the disputes on the tickets it holds: its own, and PM-A's on the
    # two lamps that came to it; it holds no ticket of PM-A's but sees their trails.
    water = get(api, "operator_in", "?from=2025-06-01&to=2025-06-02")
    assert {i["key"]: disputes_of(i) for i in water["items"]} == {
        "PM-A": (2, 2, 0), "W-D1": (2, 1, 1)}
    assert get(api, "operator_out", "?from=2025-06-01&to=2025-06-02")["items"] == []


@pytest.mark.parametrize("group, expected", [
    ("community", {"CA": (4, 2, 1)}),
    ("category", {"lighting": (2, 1, 0), "water_supply": (2, 1, 1)}),
    ("month", {"2025-06": (4, 2, 1)}),
])
def test_other_groupings_count_disputes_in_the_group_of_their_ticket(api, disputed, group,
                                                                     expected):
    body = get(api, query=f"?from=2025-06-01&to=2025-06-02&group={group}")
    assert {item["key"]: disputes_of(item) for item in body["items"]
            if item["disputes_raised"]} == expected


def test_dispute_measures_fit_the_document(api, client, disputed):
    conforms_to_document(client, [(PATH, "get", api.get("bureau", PATH + "?from=2025-06-01"))])
