"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json.

Every operation is built from its view's `@endpoint(...)` declaration
(pmsys/api/typed.py); this module adds the shared parts (error envelope,
paging, bearer security). tests/api/test_openapi.py compares the paths with
`app.url_map`, so a route declared without `@endpoint` fails the suite.
"""

from __future__ import annotations

import copy
import re

from flask import current_app
from pydantic import TypeAdapter

from pmsys.api import bp
from pmsys.api.typed import Form, Media, NoBody, endpoint
from pmsys.db import MAX_ID

OPENAPI_VERSION = "3.1.0"
PREFIX = "/api/v1"
REF_TEMPLATE = "#/components/schemas/{model}"

def ref(name: str) -> dict:
    """A reference to a named schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def json_response(description: str, schema: dict) -> dict:
    """A response with a JSON body."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def errors(*statuses: int) -> dict:
    """The shared error responses for these statuses, keyed by status."""
    return {str(status): {"$ref": f"#/components/responses/{_ERROR_RESPONSES[status][0]}"}
            for status in statuses}


CODE = {"type": "string", "minLength": 1}
# A path segment: not empty, no slash, no NUL.
SEGMENT_PARAMETER = {"type": "string", "pattern": r"^[^/\u0000]+$"}

# status → (component name, description); every error body is the envelope.
_ERROR_RESPONSES = {
    400: ("BadRequest", "Malformed or missing input; `fields` names the bad ones."),
    401: ("Unauthenticated", "No bearer token, or one that is expired, revoked or unknown."),
    403: ("Forbidden", "A visible object on which the action is not the caller's to take."),
    404: (
        "NotFound",
        "Unknown, or not visible to the caller (the two are indistinguishable).",
    ),
    405: ("MethodNotAllowed", "The path exists but not with this method."),
    409: ("Conflict", "The action does not fit the object's current state."),
    413: ("TooLarge", "The request body is too large."),
    422: ("RuleRefused", "A rule of the domain refuses the action."),
    429: ("TooManyRequests", "Too many attempts; wait and try again."),
}

_SHARED_SCHEMAS: dict[str, dict] = {
    "Error": {
        "type": "object",
        "description": "The error envelope of every 4xx and 5xx answer.",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {
                        "type": "string",
                        "pattern": "^[a-z0-9_]+$",
                        "description": "Stable snake_case code, e.g. `bad_credentials`.",
                    },
                    "message": {"type": "string", "description": "Human-readable text."},
                    "fields": {
                        "type": "object",
                        "description": "Per input field (or bundle path): what is wrong.",
                        "additionalProperties": True,
                    },
                },
            }
        },
    },
    "Page": {
        "type": "object",
        "description": "One page of a list; `total` counts the items over all pages.",
        "required": ["items", "total"],
        "properties": {
            "items": {"type": "array"},
            "total": {"type": "integer", "minimum": 0},
        },
    },
    "OrgRef": {
        "type": "object",
        "description": "A reference to an organisation.",
        "required": ["org", "name"],
        "properties": {"org": CODE, "name": {"type": "string"}},
    },
}


def _declared(app) -> tuple[dict, dict]:
    """The operations and schemas of the views declared with `typed.endpoint`."""
    paths: dict[str, dict] = {}
    schemas: dict[str, dict] = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        spec = getattr(app.view_functions[rule.endpoint], "endpoint_spec", None)
        if spec is None:
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len(PREFIX):])
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            known = paths.setdefault(path, {})
            if method.lower() in known:
                raise ValueError(f"{method} {path} is described twice")
            known[method.lower()] = _operation(rule, spec, schemas)
    return paths, schemas


def _schema(kind, mode: str, schemas: dict) -> dict:
    """The JSON schema of a model (or list/page of one), its definitions into `schemas`."""
    found = TypeAdapter(kind).json_schema(ref_template=REF_TEMPLATE, mode=mode)
    for name, definition in found.pop("$defs", {}).items():
        _name_schema(schemas, name, definition)
    if "properties" in found and "title" in found:
        name = found["title"]
        _name_schema(schemas, name, found)
        return ref(name)
    return found


def _name_schema(schemas: dict, name: str, schema: dict) -> None:
    """Add a named schema; two different models of one name would be one schema (refused)."""
    if schemas.setdefault(name, schema) != schema:
        raise ValueError(f"two different schemas are named {name}")


def _operation(rule, spec, schemas: dict) -> dict:
    operation: dict = {"operationId": _camel(rule.endpoint.split(".")[-1]),
                       "summary": spec.summary}
    if spec.description:
        operation["description"] = spec.description
    operation["tags"] = list(spec.tags)
    if spec.public:
        operation["security"] = []
    parameters = [_path_parameter(name, converter, spec.path.get(name, ""))
                  for name, converter in _converters(rule)]
    if spec.query is not None:
        parameters += _query_parameters(spec.query, schemas)
    if parameters:
        operation["parameters"] = parameters
    reads_body = spec.body not in (None, NoBody) or spec.upload is not None
    if spec.body is NoBody:
        operation["requestBody"] = {"required": False, "description": NoBody.__doc__,
                                    "content": {"application/json": {"schema": {
                                        "type": "object"}}}}
    elif spec.body is not None:
        media = "multipart/form-data" if issubclass(spec.body, Form) else "application/json"
        operation["requestBody"] = {"required": True, "content": {media: {
            "schema": _schema(spec.body, "validation", schemas)}}}
    if spec.upload is not None:
        operation["requestBody"] = {"required": True, "content": {"multipart/form-data": {
            "schema": {"type": "object", "required": [spec.upload],
                       "properties": {spec.upload: {"type": "string", "format": "binary"}}}}}}
    responses: dict = {}
    for status, (description, kind) in sorted(spec.answers.items()):
        responses[str(status)] = _answer(description, kind, schemas)
    refusals = dict(spec.refusals)
    if spec.query is not None or reads_body:
        refusals.setdefault(400, "")
    if not spec.public:
        refusals.setdefault(401, "")
    if reads_body:
        refusals.setdefault(413, "")
    for status, description in sorted(refusals.items()):
        responses[str(status)] = (json_response(description, ref("Error")) if description
                                  else errors(status)[str(status)])
    operation["responses"] = responses
    return operation


def _answer(description: str, kind, schemas: dict) -> dict:
    if kind is None:
        return {"description": description}
    if isinstance(kind, Media):
        return {"description": description, "content": {
            media: {"schema": {"type": "string", "format": "binary"}} for media in kind.types}}
    return json_response(description, _schema(kind, "serialization", schemas))


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _converters(rule):
    converters = dict(rule._converters)  # noqa: SLF001 - werkzeug keeps them only here
    for name in rule.arguments:
        yield name, converters.get(name)


def _path_parameter(name: str, converter, description: str) -> dict:
    if converter is not None and type(converter).__name__ == "IntegerConverter":
        schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    else:
        schema = SEGMENT_PARAMETER
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": schema}


def _query_parameters(model, schemas: dict) -> list[dict]:
    found = _schema(model, "validation", schemas)
    if "$ref" in found:
        found = schemas[found["$ref"].rsplit("/", 1)[-1]]
    required = set(found.get("required", ()))
    parameters = []
    for name, schema in found.get("properties", {}).items():
        schema = _without_null(dict(schema))
        description = schema.pop("description", "")
        schema.pop("title", None)
        parameters.append({"name": name, "in": "query", "required": name in required,
                           "description": description, "schema": schema})
    return parameters


def _without_null(schema: dict) -> dict:
    """A query parameter is absent or a value: never null (drop that branch and default)."""
    options = schema.get("anyOf")
    if options and {"type": "null"} in options:
        rest = [option for option in options if option != {"type": "null"}]
        schema.pop("anyOf")
        schema = {**(rest[0] if len(rest) == 1 else {"anyOf": rest}), **schema}
    if schema.get("default", 0) is None:
        schema.pop("default")
    return schema


def document() -> dict:
    """Return the whole OpenAPI document (a fresh copy, safe to change)."""
    paths, declared_schemas = _declared(current_app)
    responses = {
        name: json_response(description, ref("Error"))
        for name, description in _ERROR_RESPONSES.values()
    }
    return copy.deepcopy(
        {
            "openapi": OPENAPI_VERSION,
            "info": {
                "title": "pmsys API",
                "version": "1",
                "description": (
                    "Communities, tickets, hand-overs, votes and fees of renovated old "
                    "residential communities. Dates are YYYY-MM-DD; times ISO 8601 with "
                    "offset; money and areas are decimal strings. Lists take `page` and "
                    "`per_page` (at most 200). Errors use the `Error` envelope; bad input "
                    "answers 4xx, never 500."
                ),
            },
            "servers": [{"url": "/api/v1"}],
            "security": [{"bearerAuth": []}],
            "paths": {path: paths[path] for path in sorted(paths)},
            "components": {
                "securitySchemes": {
                    "bearerAuth": {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "A token from POST /auth/token.",
                    }
                },
                "parameters": {
                    "Page": {
                        "name": "page",
                        "in": "query",
                        "required": False,
                        "description": "Page number, from 1.",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 1_000_000,
                                   "default": 1},
                    },
                    "PerPage": {
                        "name": "per_page",
                        "in": "query",
                        "required": False,
                        "description": "Items per page.",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 200,
                                   "default": 50},
                    },
                },
                "responses": responses,
                "schemas": {**_SHARED_SCHEMAS,
                            **dict(sorted(declared_schemas.items()))},
            },
        }
    )


@bp.get("/openapi.json")
@endpoint(public=True, tags=("meta",), answers={200: ("The OpenAPI document.", dict)})
def openapi_json():
    """This document (public: it describes, it reveals no data)."""
    return document()
