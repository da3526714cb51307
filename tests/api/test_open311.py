"""Open311 GeoReport v2: services, filing and following service requests, errors."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from pmsys import clock
from pmsys.auth.services import issue_token
from pmsys.categories import CATEGORIES
from pmsys.extensions import db
from pmsys.models.tickets import Ticket
from tests.ticket_world import NOW, build_ticket_world, file_as

BASE = "/open311/v2"


@pytest.fixture
def world(db):
    return build_ticket_world()


@pytest.fixture
def key(world):
    """`key(login)` is an API key of that login (an API token)."""
    keys = {}

    def get(login: str) -> str:
        if login not in keys:
            keys[login], _row = issue_token(db.session, world.users[login], timedelta(days=30))
            db.session.commit()
        return keys[login]

    return get


def assert_open311_error(response, status: int) -> str:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert isinstance(body, list) and len(body) == 1
    assert body[0]["code"] == status
    assert isinstance(body[0]["description"], str) and body[0]["description"]
    return body[0]["description"]


def tickets() -> int:
    return db.session.scalar(select(func.count(Ticket.id)))


# --- services ----------------------------------------------------------------------------------


def test_services_are_the_categories_and_need_no_key(client):
    response = client.get(BASE + "/services.json")
    assert response.status_code == 200
    services = response.get_json()
    assert [s["service_code"] for s in services] == [c.code for c in CATEGORIES]
    water = services[0]
    assert water == {
        "service_code": "water_supply",
        "service_name": "供水",
        "description": water["description"],
        "metadata": True,  # inside the home or not, which line
        "type": "realtime",
        "keywords": "water_supply, 供水, Water supply",
        "group": "utility",
    }
    assert water["description"]
    groups = {s["service_code"]: s["group"] for s in services}
    assert groups["gas"] == "utility" and groups["roof_leak"] == "community"
    metadata = {s["service_code"]: s["metadata"] for s in services}
    assert metadata["gas"] is True and metadata["roof_leak"] is False


def test_service_names_follow_the_locale(client):
    english = client.get(BASE + "/services.json?locale=en").get_json()
    assert english[0]["service_name"] == "Water supply"


# --- filing ------------------------------------------------------------------------------------


def test_round_trip_file_then_follow(client, key, world):
    response = client.post(BASE + "/requests.json", data={
        "api_key": key("resident_a"), "service_code": "water_supply",
        "address_string": "CA/1", "description": "楼道水管漏水",
    })
    assert response.status_code == 201, response.get_json()
    [created] = response.get_json()
    assert set(created) == {"service_request_id", "service_notice", "account_id"}
    assert created["account_id"] is None
    assert "2024-03-01" in created["service_notice"]
    number = created["service_request_id"]
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
    assert ticket.channel.value == "open311" and ticket.reporter_id == world.users["resident_a"].id
    assert ticket.building.code == "1" and ticket.assignee.code == "W-D1"

    fetched = client.get(f"{BASE}/requests/{number}.json?api_key={key('resident_a')}")
    assert fetched.status_code == 200
    [request] = fetched.get_json()
    assert request == {
        "service_request_id": number,
        "status": "open",
        "status_notes": request["status_notes"],
        "service_name": "供水",
        "service_code": "water_supply",
        "description": "楼道水管漏水",
        "agency_responsible": world.orgs["W-D1"].name,
        "service_notice": created["service_notice"],
        "requested_datetime": "2025-06-02T10:00:00+08:00",
        "updated_datetime": "2025-06-02T10:00:00+08:00",
        "expected_datetime": request["expected_datetime"],
        "address": "CA/1",
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }
    assert request["expected_datetime"] == "2025-06-04T10:00:00+08:00"  # urgent: 48 h
    # The numeric id answers too.
    by_id = client.get(f"{BASE}/requests/{ticket.id}.json?api_key={key('resident_a')}")
    assert by_id.get_json() == [request]


def test_a_resolved_request_is_closed_with_the_resolution_as_its_notes(client, key, world):
    from pmsys.tickets.services import take_action

    ticket = file_as(world, "resident_a", building="1")
    operator = world.users["operator_in"]
    take_action(db.session, operator, ticket, "accept")
    clock.set_now(NOW + timedelta(hours=3))
    take_action(db.session, operator, ticket, "resolve", note="更换了阀门")
    db.session.commit()
    [request] = client.get(
        f"{BASE}/requests/{ticket.number}.json?api_key={key('resident_a')}").get_json()
    assert request["status"] == "closed"
    assert request["status_notes"] == "更换了阀门"
    assert request["updated_datetime"] == "2025-06-02T13:00:00+08:00"


def test_json_bodies_and_the_full_household_path(client, key):
    response = client.post(BASE + "/requests.json", json={
        "api_key": key("resident_a"), "service_code": "water_supply",
        "address_string": "CA/1/1/101", "description": "家里水管",
    })
    assert response.status_code == 201, response.get_json()
    number = response.get_json()[0]["service_request_id"]
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
    assert ticket.household.code == "101" and ticket.unit.code == "1"


def test_the_key_may_also_come_in_the_query_string(client, key):
    response = client.post(f"{BASE}/requests.json?api_key={key('resident_a')}", data={
        "service_code": "lighting", "address_string": "CA", "description": "路灯不亮"})
    assert response.status_code == 201, response.get_json()


def test_hotline_staff_file_for_a_named_caller(client, key):
    response = client.post(BASE + "/requests.json", data={
        "api_key": key("officer"), "service_code": "lighting", "address_string": "CA",
        "description": "路灯不亮", "first_name": "五", "last_name": "王",
        "phone": "13912345678",
    })
    assert response.status_code == 201, response.get_json()
    number = response.get_json()[0]["service_request_id"]
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
    assert (ticket.reporter_id, ticket.reporter_name, ticket.reporter_phone) == (
        None, "王五", "13912345678")
    assert ticket.channel.value == "hotline"


def test_a_residents_name_fields_do_not_make_a_caller(client, key, world):
    response = client.post(BASE + "/requests.json", data={
        "api_key": key("resident_a"), "service_code": "lighting", "address_string": "CA",
        "description": "路灯不亮", "first_name": "Someone", "last_name": "Else",
    })
    assert response.status_code == 201
    number = response.get_json()[0]["service_request_id"]
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
    assert ticket.reporter_id == world.users["resident_a"].id


@pytest.mark.parametrize(
    "fields, status",
    [
        ({"service_code": "nope"}, 400),
        ({"service_code": ""}, 400),
        ({"address_string": ""}, 400),
        ({"address_string": "CA//1"}, 400),
        ({"address_string": "CA/1/1/101/9"}, 400),
        ({"address_string": "CA/9"}, 400),
        ({"address_string": "CB"}, 404),  # resident_a does not live there
        ({"description": ""}, 400),
        ({"description": "x" * 4001}, 400),
        ({"api_key": ""}, 401),
        ({"api_key": "not-a-key"}, 401),
        ({"service_code": "telecom", "address_string": "CA/1"}, 400),  # which carrier?
    ],
)
def test_refused_posts_answer_in_open311_format_and_file_nothing(client, key, fields, status):
    before = tickets()
    data = {"api_key": key("resident_a"), "service_code": "water_supply",
            "address_string": "CA", "description": "漏水"}
    data.update(fields)
    assert_open311_error(client.post(BASE + "/requests.json", data=data), status)
    assert tickets() == before


def test_a_sysadmin_key_does_not_file(client, key):
    assert_open311_error(client.post(BASE + "/requests.json", data={
        "api_key": key("sysadmin"), "service_code": "lighting", "address_string": "CA",
        "description": "x"}), 403)


def test_malformed_json_is_400(client):
    response = client.post(BASE + "/requests.json", data="[1, 2]",
                           content_type="application/json")
    assert_open311_error(response, 400)


# --- following ---------------------------------------------------------------------------------


@pytest.fixture
def filed(world):
    return {
        "water_a": file_as(world, "resident_a", building="1"),
        "light_a": file_as(world, "resident_a", category="lighting", description="路灯不亮"),
        "water_b": file_as(world, "resident_b", community="CB"),
    }


def numbers(response) -> set[str]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return {item["service_request_id"] for item in response.get_json()}


@pytest.mark.parametrize(
    "login, names",
    [
        ("resident_a", {"water_a", "light_a"}),
        ("resident_b", {"water_b"}),
        ("operator_in", {"water_a"}),
        ("operator_out", set()),
        ("manager_a", {"water_a", "light_a"}),
        ("sysadmin", {"water_a", "light_a", "water_b"}),
    ],
)
def test_a_key_sees_what_its_user_sees(client, key, filed, login, names):
    listed = client.get(f"{BASE}/requests.json?api_key={key(login)}")
    assert numbers(listed) == {filed[n].number for n in names}
    for name, ticket in filed.items():
        response = client.get(f"{BASE}/requests/{ticket.number}.json?api_key={key(login)}")
        if name in names:
            assert response.status_code == 200
        else:
            assert_open311_error(response, 404)


@pytest.mark.parametrize(
    "query, names",
    [
        ("service_code=lighting", {"light_a"}),
        ("service_code=lighting,water_supply", {"light_a", "water_a", "water_b"}),
        ("status=open", {"light_a", "water_a", "water_b"}),
        ("status=closed", set()),
        ("start_date=2025-06-02&end_date=2025-06-02", {"light_a", "water_a", "water_b"}),
        ("start_date=2025-06-02T10:00:01%2B08:00", set()),
        ("end_date=2025-06-01", set()),
    ],
)
def test_request_filters(client, key, filed, query, names):
    listed = client.get(f"{BASE}/requests.json?api_key={key('sysadmin')}&{query}")
    assert numbers(listed) == {filed[n].number for n in names}


def test_requests_by_id_ignore_the_other_filters(client, key, filed):
    wanted = f"{filed['water_a'].number},{filed['water_b'].number}"
    listed = client.get(f"{BASE}/requests.json?api_key={key('resident_a')}"
                        f"&service_request_id={wanted}&service_code=lighting")
    assert numbers(listed) == {filed["water_a"].number}


def test_without_dates_only_the_last_90_days(client, key, filed):
    clock.set_now(NOW + timedelta(days=91))
    assert numbers(client.get(f"{BASE}/requests.json?api_key={key('sysadmin')}")) == set()
    old = client.get(f"{BASE}/requests.json?api_key={key('sysadmin')}&start_date=2025-06-01")
    assert len(numbers(old)) == 3


@pytest.mark.parametrize(
    "query, status",
    [
        ("api_key=wrong", 401),
        ("api_key=", 401),
        ("api_key={key}&status=pending", 400),
        ("api_key={key}&service_code=water", 400),
        ("api_key={key}&start_date=yesterday", 400),
        ("api_key={key}&end_date=2025-13-01", 400),
        ("api_key={key}&start_date=0001-01-01", 400),
        ("api_key={key}&end_date=9999-12-31T23:00:00-12:00", 400),
        ("api_key={key}&service_code=%00", 400),
    ],
)
def test_list_refusals(client, key, filed, query, status):
    url = f"{BASE}/requests.json?" + query.format(key=key("sysadmin"))
    assert_open311_error(client.get(url), status)


@pytest.mark.parametrize("request_id", ["20250602-999999", "19990101-000001", "abc", "0",
                                        "99999999999999999999999"])
def test_unknown_requests_are_404(client, key, filed, request_id):
    url = f"{BASE}/requests/{request_id}.json?api_key={key('sysadmin')}"
    assert_open311_error(client.get(url), 404)


def test_a_wrong_date_prefix_does_not_find_a_ticket(client, key, filed):
    ticket = filed["water_a"]
    wrong = "20240101-" + ticket.number.split("-")[1]
    assert_open311_error(client.get(f"{BASE}/requests/{wrong}.json?api_key={key('sysadmin')}"),
                         404)


def test_anybody_reads_a_request_in_its_public_shape(client, key, world):
    home = file_as(world, "resident_a", category="other", building="1", unit="1",
                   household="101", inside_home=True, description="101室门锁坏了")
    [public] = client.get(f"{BASE}/requests/{home.number}.json").get_json()
    [keyed] = client.get(
        f"{BASE}/requests/{home.number}.json?api_key={key('resident_a')}").get_json()
    assert keyed["address"] == "CA/1/1/101" and keyed["description"] == "101室门锁坏了"
    assert public == {**keyed, "address": "CA/1", "description": ""}
    # By the numeric id too, and a missing one is 404 in Open311's format.
    assert client.get(f"{BASE}/requests/{home.id}.json").get_json() == [public]
    assert_open311_error(client.get(f"{BASE}/requests/20250602-999999.json"), 404)


def test_public_texts_mask_phone_numbers_but_not_dates(client, world):
    ticket = file_as(world, "resident_a", category="lighting",
                     description="2025-06-01起路灯不亮，请回电13812345678或 0771 5551234")
    [public] = client.get(f"{BASE}/requests/{ticket.number}.json").get_json()
    assert public["description"] == "2025-06-01起路灯不亮，请回电138****5678或 077****1234"


def test_the_public_list_is_every_request_90_days_at_a_time(client, key, filed):
    everyone = numbers(client.get(f"{BASE}/requests.json"))
    assert everyone == {ticket.number for ticket in filed.values()}
    wide = "start_date=2025-01-01&end_date=2025-06-30"
    assert_open311_error(client.get(f"{BASE}/requests.json?{wide}"), 400)
    # A key reads its own view over any window, as before.
    assert len(numbers(client.get(f"{BASE}/requests.json?api_key={key('sysadmin')}&{wide}"))) == 3
    # An open start reads 90 days from it.
    clock.set_now(NOW + timedelta(days=200))
    assert numbers(client.get(f"{BASE}/requests.json?start_date=2025-06-01")) == everyone
    assert numbers(client.get(f"{BASE}/requests.json?start_date=2025-03-01")) == set()
    assert numbers(client.get(f"{BASE}/requests.json?end_date=2025-06-02")) == everyone


# --- XML, discovery, definitions, tokens -------------------------------------------------------


def xml_of(response, status: int = 200) -> ElementTree.Element:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "text/xml" and response.mimetype_params["charset"] == "utf-8"
    return ElementTree.fromstring(response.get_data())


def assert_xml_error(response, status: int) -> str:
    root = xml_of(response, status)
    assert root.tag == "errors" and [e.tag for e in root] == ["error"]
    assert [child.tag for child in root[0]] == ["code", "description"]
    assert root[0].findtext("code") == str(status)
    assert root[0].findtext("description")
    return root[0].findtext("description")


def test_discovery_in_both_formats(client):
    found = client.get(BASE + "/discovery.json").get_json()
    assert set(found) == {"changeset", "contact", "key_service", "endpoints"}
    assert "12345" in found["contact"]
    assert found["key_service"] == "http://localhost/api/v1/auth/token"
    [endpoint] = found["endpoints"]
    assert endpoint["url"] == "http://localhost/open311/v2"
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["formats"] == ["application/json", "text/xml"]
    root = xml_of(client.get(BASE + "/discovery.xml"))
    assert root.tag == "discovery"
    assert root.findtext("key_service") == found["key_service"]
    assert root.findtext("endpoints/endpoint/url") == endpoint["url"]
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "application/json", "text/xml"]


def test_services_and_definitions_in_xml(client):
    root = xml_of(client.get(BASE + "/services.xml?locale=en"))
    assert root.tag == "services"
    assert [s.findtext("service_code") for s in root.findall("service")] == [
        c.code for c in CATEGORIES]
    water = root.find("service")
    assert [child.tag for child in water] == [
        "service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
    assert water.findtext("service_name") == "Water supply"
    assert water.findtext("metadata") == "true"
    definition = xml_of(client.get(BASE + "/services/telecom.xml"))
    assert definition.tag == "service_definition"
    assert definition.findtext("service_code") == "telecom"
    attribute = definition.find("attributes/attribute")
    assert [child.tag for child in attribute] == [
        "variable", "code", "datatype", "required", "datatype_description", "order",
        "description", "values"]
    assert attribute.findtext("required") == "false"
    assert [v.findtext("key") for v in attribute.findall("values/value")] == ["true", "false"]
    assert client.get(BASE + "/services/roof_leak.json").get_json() == {
        "service_code": "roof_leak", "attributes": []}
    assert_open311_error(client.get(BASE + "/services/nope.json"), 404)
    assert_xml_error(client.get(BASE + "/services/nope.xml"), 404)


def test_filing_in_xml_with_attributes(client, key):
    response = client.post(BASE + "/requests.xml", data={
        "api_key": key("resident_a"), "service_code": "water_supply",
        "address_string": "CA/1/1/101", "description": "家里水龙头漏水",
        "attribute[inside_home]": "true",
    })
    root = xml_of(response, 201)
    assert root.tag == "service_requests"
    assert [child.tag for child in root.find("request")] == [
        "service_request_id", "service_notice", "account_id"]
    number = root.findtext("request/service_request_id")
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
    assert ticket.inside_home is True and ticket.household.code == "101"
    one = xml_of(client.get(f"{BASE}/requests/{number}.xml"))
    assert one.findtext("request/address") == "CA/1"
    assert one.findtext("request/service_request_id") == number
    assert [child.tag for child in one.find("request")] == list(REQUEST_FIELDS)


REQUEST_FIELDS = (
    "service_request_id", "status", "status_notes", "service_name", "service_code",
    "description", "agency_responsible", "service_notice", "requested_datetime",
    "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat", "long",
    "media_url",
)


def test_the_asset_attribute_names_the_carrier(client, key, world):
    data = {"api_key": key("resident_a"), "service_code": "telecom",
            "address_string": "CA/1", "description": "网线断了"}
    assert_open311_error(client.post(BASE + "/requests.json", data=data), 400)  # which one?
    response = client.post(BASE + "/requests.json", data={**data, "attribute[asset]": "CA-TEL-2"})
    assert response.status_code == 201, response.get_json()
    number = response.get_json()[0]["service_request_id"]
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
    assert ticket.asset.code == "CA-TEL-2" and ticket.assignee.code == "T-2"


def test_a_json_body_may_nest_its_attributes(client, key):
    response = client.post(BASE + "/requests.json", json={
        "api_key": key("resident_a"), "service_code": "water_supply",
        "address_string": "CA/1/1/101", "description": "家里水管",
        "attribute": {"inside_home": "true"},
    })
    assert response.status_code == 201, response.get_json()
    number = response.get_json()[0]["service_request_id"]
    assert db.session.scalar(select(Ticket.inside_home).where(Ticket.number == number)) is True


def test_a_wrong_attribute_value_files_nothing(client, key):
    before = tickets()
    response = client.post(BASE + "/requests.xml", data={
        "api_key": key("resident_a"), "service_code": "water_supply",
        "address_string": "CA/1/1/101", "description": "漏水",
        "attribute[inside_home]": "maybe",
    })
    assert "inside_home" in assert_xml_error(response, 400)
    assert tickets() == before


def test_xml_errors(client, filed):
    assert_xml_error(client.get(f"{BASE}/requests.xml?api_key=wrong"), 401)
    assert_xml_error(client.get(f"{BASE}/requests/20250602-999999.xml"), 404)
    assert_xml_error(client.post(f"{BASE}/requests.xml", data={"service_code": "gas"}), 401)


def test_no_tokens_are_issued_so_none_is_found(client):
    assert "service_request_id" in assert_open311_error(client.get(BASE + "/tokens/abc.json"),
                                                        404)
    assert_xml_error(client.get(BASE + "/tokens/abc.xml"), 404)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(fields=st.dictionaries(
    st.sampled_from(["service_code", "address_string", "description", "first_name",
                     "last_name", "phone", "email", "lat", "long"]),
    st.text(max_size=30) | st.sampled_from(["CA", "CA/1", "CA/1/1/101", "lighting", "gas"]),
    max_size=6,
))
def test_random_posts_never_cause_a_server_error(client, key, fields):
    for login in ("resident_a", "officer"):
        response = client.post(BASE + "/requests.json", data={**fields, "api_key": key(login)})
        assert response.status_code < 500, response.get_data(as_text=True)[:300]
        if response.status_code >= 400:
            assert_open311_error(response, response.status_code)
