"""Open311 as a client from PyPI sees it: `georeport` 0.3.1 against a live server, JSON and XML.

georeport reads (services, service definitions, requests, one request) and never
sends a key, so these are the public reads; filing, discovery and tokens, which
it does not call, are tested by hand in tests/api/test_open311.py.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import requests
import xmltodict
from georeport import GeoReport

from pmsys import clock
from pmsys.categories import CATEGORIES
from pmsys.extensions import db as _db
from pmsys.tickets.services import take_action
from tests.live import live_database, serving
from tests.ticket_world import NOW, build_ticket_world, file_as

HOME_TEXT = "我家101室门锁坏了，电话13812345678"
LAMP_TEXT = "路灯不亮，联系 139-0000-1111"


def _world() -> dict:
    world = build_ticket_world()
    home = file_as(world, "resident_a", category="other", building="1", unit="1",
                   household="101", inside_home=True, description=HOME_TEXT)
    lamp = file_as(world, "resident_a", category="lighting", description=LAMP_TEXT)
    water = file_as(world, "resident_b", community="CB")
    operator = world.users["operator_in"]
    pipe = file_as(world, "resident_a", building="1")
    take_action(_db.session, operator, pipe, "accept", note="明天上午上门")
    _db.session.commit()
    return {
        "numbers": {"home": home.number, "lamp": lamp.number, "water": water.number,
                    "pipe": pipe.number},
        "agency": pipe.assignee.name,
        "names": [user.person.name for user in world.users.values() if user.person],
    }


@pytest.fixture(scope="module")
def live(app, database_url, tmp_path_factory):
    """(base URL of /open311/v2 on a live server, the world's ids)."""
    with live_database(app, database_url, tmp_path_factory, "open311_client", _world) as (
            live_app, ids):
        with serving(live_app) as base:
            yield base + "/open311/v2", ids


@pytest.fixture(autouse=True)
def _world_clock():
    clock.set_now(NOW)
    yield
    clock.set_now(None)


@pytest.fixture(params=["json", "xml"])
def fmt(request) -> str:
    return request.param


@pytest.fixture
def numbers(live) -> dict:
    return live[1]["numbers"]


@pytest.fixture
def georeport(live, fmt) -> GeoReport:
    return GeoReport(live[0], output_format=fmt)


def as_list(value) -> list:
    """xmltodict's answer for repeated elements: a list, one dict, or None for none."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def by_number(found) -> dict:
    return {item["service_request_id"]: item for item in as_list(found)}


def found_requests(georeport: GeoReport, **query) -> dict:
    """The requests georeport finds, by number.

    georeport 0.3.1 cannot read an empty XML list (xmltodict makes it None): then the
    same URL is read here and must be the empty list.
    """
    try:
        return by_number(georeport.get_service_requests(**query))
    except TypeError:
        assert georeport.output_format == "xml"
        response = requests.get(f"{georeport.root_address}/requests.xml", params=query,
                                timeout=10)
        assert response.status_code == 200
        assert xmltodict.parse(response.content) == {"service_requests": None}
        return {}


def test_the_service_list_is_every_category(georeport, fmt):
    services = as_list(georeport.get_service_list())
    assert [s["service_code"] for s in services] == [c.code for c in CATEGORIES]
    water = services[0]
    assert water["service_name"] == "供水" and water["description"]
    assert water["group"] == "utility" and water["type"] == "realtime"
    assert water["metadata"] == (True if fmt == "json" else "true")


def test_a_service_definition_names_its_attributes(georeport, fmt):
    gas = georeport.get_service_definition("gas")
    assert gas["service_code"] == "gas"
    found = gas["attributes"] if fmt == "json" else as_list(gas["attributes"]["attribute"])
    assert [a["code"] for a in found] == ["inside_home", "asset"]
    inside = found[0]
    assert inside["datatype"] == "singlevaluelist"
    values = inside["values"] if fmt == "json" else as_list(inside["values"]["value"])
    assert [v["key"] for v in values] == ["true", "false"]
    assert all(v["name"] for v in values)
    roof = georeport.get_service_definition("roof_leak")
    assert roof["service_code"] == "roof_leak"
    assert not roof["attributes"]  # [] in JSON, an empty element in XML


def test_an_unknown_service_is_404(georeport):
    with pytest.raises(requests.HTTPError) as refused:
        georeport.get_service_definition("nope")
    assert refused.value.response.status_code == 404


def test_anybody_reads_every_request_without_personal_data(live, georeport, numbers, fmt):
    found = by_number(georeport.get_service_requests())
    assert set(found) == set(numbers.values())
    home, lamp, pipe = found[numbers["home"]], found[numbers["lamp"]], found[numbers["pipe"]]
    assert home["address"] == "CA/1"  # the building, not the home
    assert not home["description"]  # a home's own words stay private
    assert lamp["address"] == "CA"
    assert lamp["description"] == "路灯不亮，联系 139****1111"
    assert pipe["status"] == "open" and pipe["status_notes"] == "明天上午上门"
    assert pipe["agency_responsible"] == live[1]["agency"]
    assert pipe["requested_datetime"] == "2025-06-02T10:00:00+08:00"
    body = requests.get(f"{live[0]}/requests.{fmt}", timeout=10).text
    assert not re.search(r"\d(?:[ -]?\d){6}", body_digits(body))  # no phone number
    for name in live[1]["names"]:
        assert name not in body
    assert "101" not in body.replace(numbers["home"], "")


def body_digits(body: str) -> str:
    """The answer's text without its ticket numbers and times: what may not hold a phone."""
    without = re.sub(r"\d{8}-\d{6}", "", body)
    without = re.sub(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00", "", without)
    return re.sub(r"\d{4}-\d{2}-\d{2}", "", without)  # the routing's dates


@pytest.mark.parametrize(
    "query, names",
    [
        ({"service_code": "lighting"}, {"lamp"}),
        ({"service_code": "water_supply,other"}, {"water", "pipe", "home"}),
        ({"status": "open"}, {"home", "lamp", "water", "pipe"}),
        ({"status": "closed"}, set()),
        ({"start_date": "2025-06-02", "end_date": "2025-06-02"}, {"home", "lamp", "water", "pipe"}),
        ({"start_date": "2025-06-03T00:00:00+08:00"}, set()),
        ({"end_date": "2025-06-01"}, set()),
    ],
)
def test_the_filters_of_the_specification(georeport, numbers, query, names):
    found = found_requests(georeport, **query)
    assert set(found) == {numbers[name] for name in names}


def test_requests_by_id_ignore_the_other_filters(georeport, numbers):
    wanted = f"{numbers['lamp']},{numbers['water']}"
    found = by_number(georeport.get_service_requests(service_request_id=wanted,
                                                     service_code="gas"))
    assert set(found) == {numbers["lamp"], numbers["water"]}


def test_without_dates_the_last_90_days(georeport):
    clock.set_now(NOW + timedelta(days=91))
    assert found_requests(georeport) == {}


def test_one_request(georeport, numbers):
    home = georeport.get_service_request(numbers["home"])
    assert home["service_request_id"] == numbers["home"]
    assert home["address"] == "CA/1" and not home["description"]
    assert home["service_code"] == "other"
    with pytest.raises(requests.HTTPError) as refused:
        georeport.get_service_request("20250602-999999")
    assert refused.value.response.status_code == 404


def test_a_jurisdiction_is_accepted_and_ignored(live, fmt, numbers):
    georeport = GeoReport(live[0], jurisdiction="anywhere", output_format=fmt)
    assert len(as_list(georeport.get_service_list())) == len(CATEGORIES)
    assert georeport.get_service_request(numbers["lamp"])["service_code"] == "lighting"
