"""The OpenAPI document: well formed, public, and in step with the routes and the answers."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from flask import Flask

from pmsys.api import openapi
from pmsys.api.typed import Answer, endpoint
from pmsys.models.auth import OrgKind, Role
from tests.factories import (
    BuildingFactory,
    CommunityFactory,
    HouseholdFactory,
    ManagementTermFactory,
    OrganizationFactory,
    UnitFactory,
    UserFactory,
)

PREFIX = "/api/v1"
METHODS = {"get", "put", "post", "delete", "patch"}
IGNORED_METHODS = {"HEAD", "OPTIONS"}


@pytest.fixture
def doc(client):
    response = client.get(PREFIX + "/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def routed_operations(app) -> set[tuple[str, str]]:
    """(OpenAPI path, method) for every rule of the app under /api/v1."""
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len(PREFIX):])
        for method in rule.methods - IGNORED_METHODS:
            found.add((path, method.lower()))
    return found


def documented_operations(doc) -> set[tuple[str, str]]:
    return {
        (path, method)
        for path, item in doc["paths"].items()
        for method in item
        if method in METHODS
    }


def operations(doc):
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def resolve(doc: dict, pointer: str):
    assert pointer.startswith("#/"), f"external or malformed $ref {pointer}"
    node = doc
    for part in pointer[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"$ref {pointer} does not resolve"
        node = node[part]
    return node


def all_refs(node):
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from all_refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from all_refs(value)


# --- the routes and the document agree ---------------------------------------------------------


def test_every_route_is_documented_and_every_documented_operation_exists(app, doc):
    routed, documented = routed_operations(app), documented_operations(doc)
    assert routed - documented == set(), "routes missing from the OpenAPI document"
    assert documented - routed == set(), "documented operations with no route"


def test_the_routes_under_test_are_there(app):
    # Guards the walk above against matching nothing.
    assert {
        ("/auth/token", "post"), ("/auth/token", "delete"), ("/me", "get"),
        ("/communities", "get"), ("/communities/{code}", "get"), ("/openapi.json", "get"),
    } <= routed_operations(app)


def test_an_operation_declared_twice_or_two_models_of_one_name_are_refused():
    # Two views on one path and method would be one operation; two different answer models
    # of one name would be one schema: the document refuses both rather than drop one.
    def declared(first: type[Answer], second: type[Answer], path: str) -> Flask:
        app = Flask(__name__)
        for name, model in (("one", first), ("two", second)):
            def view():
                """A view."""
            app.add_url_rule(path.format(name=name), endpoint=name, methods=["GET"],
                             view_func=endpoint(answers={200: ("it", model)})(view))
        return app

    class Same(Answer):
        value: int

    def other():
        class Same(Answer):
            value: str
        return Same

    fine = declared(Same, Same, PREFIX + "/{name}")
    with fine.test_request_context():
        assert set(openapi.document()["paths"]) == {"/one", "/two"}
    for app, problem in ((declared(Same, Same, PREFIX + "/same"), "GET /same is described twice"),
                         (declared(Same, other(), PREFIX + "/{name}"), "two different schemas")):
        with app.test_request_context(), pytest.raises(ValueError, match=problem):
            openapi.document()


# --- the document is well formed --------------------------------------------------------------


def test_document_header(doc):
    assert re.fullmatch(r"3\.(0\.3|1\.\d+)", doc["openapi"])
    assert doc["info"]["title"] and doc["info"]["version"]
    assert doc["servers"] == [{"url": PREFIX}]
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": "A token from POST /auth/token.",
    }
    assert doc["security"] == [{"bearerAuth": []}]
    for name in ("Error", "Token", "Me", "CommunitySummary", "CommunityDetail", "Page",
                 "ImportResult"):
        assert name in doc["components"]["schemas"], name


def test_every_ref_resolves(doc):
    refs = set(all_refs(doc))
    assert refs, "the document uses no $ref at all"
    for pointer in refs:
        resolve(doc, pointer)


def test_every_operation_is_complete(doc):
    seen_ids = set()
    for path, method, operation in operations(doc):
        where = f"{method.upper()} {path}"
        assert operation.get("summary"), where
        assert operation["operationId"] not in seen_ids, where
        seen_ids.add(operation["operationId"])
        responses = operation["responses"]
        assert responses, where
        assert all(re.fullmatch(r"[1-5]\d\d", status) for status in responses), where
        assert any(status.startswith("2") for status in responses), where
        for status, response in responses.items():
            response = resolve(doc, response["$ref"]) if "$ref" in response else response
            assert response["description"], (where, status)
            if status.startswith(("4", "5")):
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, (where, status)
        declared = {
            (p["name"], p["in"])
            for p in (resolve(doc, p["$ref"]) if "$ref" in p else p
                      for p in operation.get("parameters", []))
        }
        for name in re.findall(r"{([^}]+)}", path):
            assert (name, "path") in declared, (where, name)
        if method in ("post", "put", "patch") and path != "/auth/token" or path == "/imports":
            assert "requestBody" in operation, where


def test_secured_operations_document_401_and_public_ones_need_no_token(doc):
    public = set()
    for path, method, operation in operations(doc):
        if operation.get("security") == []:
            public.add((path, method))
        else:
            assert "401" in operation["responses"], f"{method.upper()} {path}"
    # A building's QR page reports a common-area fault without a login (docs/domain.md#qr).
    assert public == {("/openapi.json", "get"), ("/auth/token", "post"),
                      ("/public-reports", "post")}


def test_secured_operations_really_refuse_anonymous_callers(client, doc):
    for path, method, operation in operations(doc):
        if operation.get("security") == []:
            continue
        # Any value in each path parameter: the token check comes before the look-up.
        url = PREFIX + re.sub(r"{[^}]+}", "1", path)
        response = getattr(client, method)(url, json={})
        assert response.status_code == 401, f"{method.upper()} {path}"
        assert response.get_json()["error"]["code"] == "unauthenticated"


def test_public_operations_answer_without_a_token(client):
    assert client.get(PREFIX + "/openapi.json").status_code == 200
    # Without credentials the token endpoint asks for them (400), it does not demand a token.
    assert client.post(PREFIX + "/auth/token", json={}).status_code == 400


def test_documented_paging_limits_match_the_helpers(doc):
    from pmsys.api import helpers

    params = doc["components"]["parameters"]
    assert params["PerPage"]["schema"]["maximum"] == helpers.MAX_PER_PAGE
    assert params["PerPage"]["schema"]["default"] == helpers.DEFAULT_PER_PAGE
    assert params["Page"]["schema"]["maximum"] == helpers.MAX_PAGE


# --- the answers match their schemas ------------------------------------------------------------


def merged(doc: dict, schema: dict) -> dict:
    """Fold an allOf into one schema, later parts refining the properties of earlier ones."""
    result: dict = {"properties": {}, "required": []}
    for part in schema["allOf"]:
        part = resolve(doc, part["$ref"]) if "$ref" in part else part
        part = merged(doc, part) if "allOf" in part else part
        for key, value in part.items():
            if key == "properties":
                result["properties"].update(value)
            elif key == "required":
                result["required"] += value
            elif key != "description":
                result[key] = value
    return result


def conforms(doc: dict, value, schema: dict, where: str = "$") -> None:
    """Assert `value` fits `schema` (the subset of JSON Schema the document uses)."""
    if "$ref" in schema:
        return conforms(doc, value, resolve(doc, schema["$ref"]), where)
    if "anyOf" in schema:
        failures = []
        for option in schema["anyOf"]:
            try:
                conforms(doc, value, option, where)
                return None
            except AssertionError as failure:
                failures.append(str(failure))
        raise AssertionError(f"{where}: fits no option: {failures}")
    if "allOf" in schema:
        return conforms(doc, value, merged(doc, schema), where)
    kind = schema.get("type")
    python_types = {
        "object": dict, "array": list, "string": str, "integer": int, "boolean": bool,
        "null": type(None), "number": (int, float),
    }
    if kind:
        assert isinstance(value, python_types[kind]), f"{where}: {value!r} is not {kind}"
        if kind == "integer":
            assert not isinstance(value, bool), where
    if "enum" in schema:
        assert value in schema["enum"], f"{where}: {value!r} not in {schema['enum']}"
    if "const" in schema:
        assert value == schema["const"], where
    if "pattern" in schema:
        assert re.search(schema["pattern"], value), f"{where}: {value!r} !~ {schema['pattern']}"
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        missing = set(schema.get("required", [])) - set(value)
        assert not missing, f"{where}: missing {missing}"
        extra = set(value) - set(properties)
        if properties and schema.get("additionalProperties") is not True:
            assert not extra, f"{where}: undocumented keys {extra}"
        for key, item in value.items():
            if key in properties:
                conforms(doc, item, properties[key], f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            conforms(doc, item, schema["items"], f"{where}[{index}]")
    return None


def response_schema(doc, path: str, method: str, status: str) -> dict:
    response = doc["paths"][path][method]["responses"][status]
    response = resolve(doc, response["$ref"]) if "$ref" in response else response
    return response["content"]["application/json"]["schema"]


def test_conforms_catches_drift(doc):
    schema = {"$ref": "#/components/schemas/OrgRef"}
    conforms(doc, {"org": "PM1", "name": "x"}, schema)
    for bad in ({"org": "PM1"}, {"org": "PM1", "name": "x", "extra": 1}, {"org": 1, "name": "x"}):
        with pytest.raises(AssertionError):
            conforms(doc, bad, schema)


def test_answers_fit_their_documented_schemas(client, doc, api_token, db):
    community = CommunityFactory(code="A")
    unit = UnitFactory(building=BuildingFactory(community=community, name="一号楼"))
    HouseholdFactory(unit=unit, area=Decimal("62.50"))
    ManagementTermFactory(community=community)
    OrganizationFactory(kind=OrgKind.owners_committee, community=community)
    CommunityFactory(code="B", built_year=None)
    user = UserFactory(role=Role.sysadmin)

    login = client.post(PREFIX + "/auth/token", json={"username": user.username,
                                                      "password": "correct horse battery staple"})
    conforms(doc, login.get_json(), response_schema(doc, "/auth/token", "post", "201"))
    headers = {"Authorization": "Bearer " + login.get_json()["token"]}

    checks = [
        ("/me", "/me", "200"),
        ("/communities", "/communities", "200"),
        ("/communities/{code}", "/communities/A", "200"),
        ("/communities/{code}", "/communities/B", "200"),
        ("/communities/{code}", "/communities/NOPE", "404"),
        ("/communities", "/communities?page=0", "400"),
        ("/me", "/me?x", "200"),
    ]
    for documented, url, status in checks:
        response = client.get(PREFIX + url, headers=headers)
        assert str(response.status_code) == status, url
        conforms(doc, response.get_json(), response_schema(doc, documented, "get", status), url)
    anonymous = client.get(PREFIX + "/me")
    conforms(doc, anonymous.get_json(), response_schema(doc, "/me", "get", "401"))

    resident = UserFactory(role=Role.resident, person=unit.households[0].owner)
    body = client.get(PREFIX + "/communities/A", headers=api_token(resident)).get_json()
    conforms(doc, body, response_schema(doc, "/communities/{code}", "get", "200"))
    conforms(doc, client.get(PREFIX + "/me", headers=api_token(resident)).get_json(),
             response_schema(doc, "/me", "get", "200"))


# --- schemathesis: generated requests against the document (optional dependency) ----------------


@pytest.mark.parametrize("role", [Role.sysadmin, Role.operator, Role.resident])
def test_schemathesis_get_operations(app, api_token, db, role):
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck, given, settings

    community = CommunityFactory(code="A")
    unit = UnitFactory(building=BuildingFactory(community=community))
    household = HouseholdFactory(unit=unit)
    ManagementTermFactory(community=community)
    if role is Role.resident:
        user = UserFactory(role=role, person=household.owner)
    elif role is Role.operator:
        water = OrganizationFactory(kind=OrgKind.utility, region=community.street)
        user = UserFactory(role=role, organization=water)
    else:
        user = UserFactory(role=role)
    headers = api_token(user)

    schema = schemathesis.openapi.from_wsgi(PREFIX + "/openapi.json", app)
    ran = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.method.lower() != "get":
            continue

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            case.call_and_validate(headers=headers)

        check()
        ran.append(operation.path)
    # Schemathesis leaves out the operation that serves the document it was loaded from.
    assert sorted(ran) == [
        "/assets", "/assets/{code}", "/bills", "/building-tickets", "/callbacks", "/communities",
        "/communities/{code}", "/communities/{code}/building-leaders",
        "/communities/{code}/committee", "/communities/{code}/fee-standards",
        "/communities/{code}/fund", "/communities/{code}/grids",
        "/communities/{code}/revenue", "/communities/{code}/terms", "/communities/{code}/votes",
        "/handovers", "/handovers/{code}", "/me", "/notifications", "/orgs/{code}/api-keys",
        "/orgs/{code}/webhooks", "/orgs/{code}/webhooks/{webhook_id}/deliveries", "/projects",
        "/projects/{code}", "/reports/collection", "/reports/coverage", "/reports/evaluation",
        "/reports/handover-backlog", "/reports/three-coverages", "/reports/tickets",
        "/routing/preview", "/surveys",
        "/surveys/{code}", "/surveys/{code}/results", "/tickets",
        "/tickets/{ticket_id}", "/tickets/{ticket_id}/photos/{photo_id}",
        "/tickets/{ticket_id}/visits", "/votes/{vote_id}",
        "/votes/{vote_id}/ballots",
    ]
