"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json.

The document is a registry: each API module calls `describe()` next to its
routes with the operations it serves and the schemas they name, and this
module adds the shared parts (error envelope, paging, bearer security).
tests/api/test_openapi.py compares the paths with `app.url_map`, so a route
without a description, or a description without a route, fails the suite.
"""

from __future__ import annotations

import copy

from pmsys.api import bp

OPENAPI_VERSION = "3.1.0"

_paths: dict[str, dict[str, dict]] = {}
_schemas: dict[str, dict] = {}


def describe(paths: dict[str, dict[str, dict]], schemas: dict[str, dict] | None = None) -> None:
    """Add operations (path → method → operation) and named schemas to the document.

    Paths are written as OpenAPI writes them ("/communities/{code}"), relative
    to /api/v1. Describing the same operation or schema twice is an error.
    """
    for path, operations in paths.items():
        known = _paths.setdefault(path, {})
        for method, operation in operations.items():
            if method in known:
                raise ValueError(f"{method.upper()} {path} is described twice")
            known[method] = operation
    for name, schema in (schemas or {}).items():
        if name in _schemas:
            raise ValueError(f"schema {name} is described twice")
        _schemas[name] = schema


def ref(name: str) -> dict:
    """A reference to a named schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    """`schema`, or null."""
    return {"anyOf": [schema, {"type": "null"}]}


def json_response(description: str, schema: dict) -> dict:
    """A response with a JSON body."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def json_request(schema: dict, description: str = "") -> dict:
    """A required JSON request body."""
    body = {"required": True, "content": {"application/json": {"schema": schema}}}
    if description:
        body["description"] = description
    return body


def errors(*statuses: int) -> dict:
    """The shared error responses for these statuses, keyed by status."""
    return {str(status): {"$ref": f"#/components/responses/{_ERROR_RESPONSES[status][0]}"}
            for status in statuses}


def page_of(name: str) -> dict:
    """A page of a list: `{"items": [name…], "total": N}`."""
    return {
        "allOf": [
            ref("Page"),
            {"type": "object", "properties": {"items": {"type": "array", "items": ref(name)}}},
        ]
    }


PAGING_PARAMETERS = [
    {"$ref": "#/components/parameters/Page"},
    {"$ref": "#/components/parameters/PerPage"},
]

DECIMAL = {"type": "string", "pattern": r"^-?\d+\.\d{2}$", "examples": ["62.50"]}
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}
CODE = {"type": "string", "minLength": 1}
# A text parameter: any characters but NUL, which every endpoint refuses with 400.
TEXT_PARAMETER = {"type": "string", "pattern": r"^[^\u0000]*$"}
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


def document() -> dict:
    """Return the whole OpenAPI document (a fresh copy, safe to change)."""
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
            "paths": {path: _paths[path] for path in sorted(_paths)},
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
                "schemas": {**_SHARED_SCHEMAS, **dict(sorted(_schemas.items()))},
            },
        }
    )


@bp.get("/openapi.json")
def openapi_json():
    """Serve this API's OpenAPI document (public: it describes, it reveals no data)."""
    return document()


# The operations of the core modules: tokens, the caller, this document, bundle imports.
describe(
    {
        "/auth/token": {
            "post": {
                "operationId": "createToken",
                "summary": "Exchange a username and password for a bearer token",
                "description": (
                    "Failures are audited. After 5 failures for one account (or 30 from one "
                    "client) within 15 minutes every attempt answers 429 `login_throttled` "
                    "until the window has passed, even with the right password."
                ),
                "tags": ["auth"],
                "security": [],
                "requestBody": json_request(ref("Credentials")),
                "responses": {
                    "201": json_response("A new token; shown only this once.", ref("Token")),
                    **errors(400),
                    "401": json_response(
                        "Wrong username or password, or a disabled account "
                        "(code `bad_credentials`).",
                        ref("Error"),
                    ),
                    **errors(413, 429),
                },
            },
            "delete": {
                "operationId": "revokeToken",
                "summary": "Revoke the token used for this request (log out)",
                "tags": ["auth"],
                "responses": {"204": {"description": "Revoked."}, **errors(401)},
            },
        },
        "/me": {
            "get": {
                "operationId": "getMe",
                "summary": "The caller's profile",
                "tags": ["auth"],
                "responses": {"200": json_response("The caller.", ref("Me")), **errors(401)},
            }
        },
        "/openapi.json": {
            "get": {
                "operationId": "getOpenApi",
                "summary": "This document",
                "tags": ["meta"],
                "security": [],
                "responses": {
                    "200": json_response("The OpenAPI document.", {"type": "object"})
                },
            }
        },
        "/imports": {
            "post": {
                "operationId": "importBundle",
                "summary": "Load a region bundle in one transaction (bureau_admin, sysadmin)",
                "description": (
                    "All or nothing: a bundle with any error changes nothing and every error "
                    "is listed by path in `error.fields.errors`. Importing the same bundle "
                    "twice changes nothing. The keys are those of docs/api.md#import."
                ),
                "tags": ["imports"],
                "requestBody": json_request(ref("RegionBundle")),
                "responses": {
                    "200": json_response("The bundle was loaded.", ref("ImportResult")),
                    "400": json_response(
                        "No JSON body (`invalid_json`), or a bundle with problems "
                        "(`invalid_bundle`): `fields.errors` is the list of them, each "
                        "named by its path, e.g. `communities[3].buildings[0].code: "
                        "duplicate`.",
                        ref("Error"),
                    ),
                    **errors(401),
                    "403": json_response("The caller's role may not import.", ref("Error")),
                    **errors(413),
                },
            }
        },
    },
    schemas={
        "Credentials": {
            "type": "object",
            "required": ["username", "password"],
            "properties": {
                "username": {"type": "string", "minLength": 1, "maxLength": 64},
                "password": {"type": "string", "minLength": 1, "maxLength": 256},
            },
        },
        "Token": {
            "type": "object",
            "required": ["token", "expires_at"],
            "properties": {
                "token": {"type": "string", "description": "Send as `Authorization: Bearer …`."},
                "expires_at": DATETIME,
            },
        },
        "Organization": {
            "type": "object",
            "required": ["code", "name", "kind", "region", "community", "categories"],
            "properties": {
                "code": CODE,
                "name": {"type": "string"},
                "kind": {"type": "string"},
                "region": nullable(CODE),
                "community": nullable(CODE),
                "categories": {"type": "array", "items": {"type": "string"}},
            },
        },
        "Me": {
            "type": "object",
            "required": ["username", "role", "organization", "person", "locale"],
            "properties": {
                "username": {"type": "string"},
                "role": {
                    "type": "string",
                    "enum": [
                        "resident", "committee_member", "manager", "operator",
                        "street_officer", "bureau_admin", "sysadmin",
                    ],
                },
                "organization": nullable(ref("Organization")),
                "person": nullable(
                    {
                        "type": "object",
                        "required": ["code", "name"],
                        "properties": {"code": CODE, "name": {"type": "string"}},
                    }
                ),
                "locale": {"type": "string", "enum": ["zh_CN", "en"]},
            },
        },
        "RegionBundle": {
            "type": "object",
            "description": "A region bundle (docs/api.md#import); every list is optional.",
            "properties": {
                "version": {"type": "integer", "const": 1},
                "settings": {"type": "object"},
                **{
                    key: {"type": "array", "items": {"type": "object"}}
                    for key in (
                        "regions", "organizations", "people", "communities", "users",
                        "projects", "assets", "handovers", "management_terms",
                        "fee_standards",
                    )
                },
            },
        },
        "ImportResult": {
            "type": "object",
            "required": ["counts"],
            "properties": {
                "counts": {
                    "type": "object",
                    "description": "Per kind of row (`regions`, `communities`, `households`, "
                    "…): how many the import created, updated or left unchanged.",
                    "additionalProperties": {
                        "type": "object",
                        "required": ["created", "updated", "unchanged"],
                        "properties": {
                            name: {"type": "integer", "minimum": 0}
                            for name in ("created", "updated", "unchanged")
                        },
                    },
                }
            },
        },
    },
)
