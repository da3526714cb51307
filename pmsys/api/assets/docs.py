"""The OpenAPI description of the asset API's operations and schemas."""

from __future__ import annotations

from pmsys.api.assets import serializers
from pmsys.api.assets.inputs import (
    CODE_LENGTH,
    NAME_LENGTH,
    NOTE_LENGTH,
    STATUSES,
)
from pmsys.api.openapi import (
    DATE,
    PAGING_PARAMETERS,
    SEGMENT_PARAMETER,
    TEXT_PARAMETER,
    describe,
    errors,
    json_request,
    json_response,
    nullable,
    page_of,
    ref,
)
from pmsys.assets.workflow import ACTIONS
from pmsys.categories import CODES as CATEGORY_CODES
from pmsys.models.assets import (
    ITEM_KINDS,
    ItemClass,
)

# --- OpenAPI -----------------------------------------------------------------------------------


def _path_code(what: str) -> list[dict]:
    return [{"name": "code", "in": "path", "required": True, "description": f"The {what}'s code.",
             "schema": SEGMENT_PARAMETER}]


def _query(name: str, description: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema or TEXT_PARAMETER}


_TEXT = {"type": "string", "maxLength": NAME_LENGTH}
_NOTE = {"type": "string", "maxLength": NOTE_LENGTH}
_CODE_IN = {"type": "string", "minLength": 1, "maxLength": CODE_LENGTH}
_CODE_REF = nullable({"type": "string", "maxLength": CODE_LENGTH})
_WRITES = (400, 401, 403, 413)

describe(
    {
        "/handovers": {
            "get": {
                "operationId": "listHandovers",
                "summary": "The hand-overs the caller may see",
                "description": (
                    "Parties see their own; committee members, street officers and the "
                    "bureau see those touching their communities; residents and managers "
                    "see none. With `waiting=1`: only those waiting for the caller's "
                    "organisation to submit, inspect or sign. Ordered by code."
                ),
                "tags": ["handovers"],
                "parameters": [
                    *PAGING_PARAMETERS,
                    _query("status", "Only hand-overs in this state.",
                           {"type": "string", "enum": STATUSES}),
                    _query("community", "Only those handing over an asset of this "
                           "community (code)."),
                    _query("waiting", "1: only those waiting for the caller to act.",
                           {"type": "string", "enum": ["1", "0", "true", "false"]}),
                ],
                "responses": {
                    "200": json_response("A page of hand-overs.", page_of("Handover")),
                    **errors(400, 401),
                },
            },
            "post": {
                "operationId": "createHandover",
                "summary": "Draft a hand-over (the transferor, or the bureau keeping the "
                "register)",
                "tags": ["handovers"],
                "requestBody": json_request(ref("NewHandover")),
                "responses": {
                    "201": json_response("The draft.", ref("Handover")),
                    **errors(*_WRITES),
                    "409": json_response(
                        "The code is taken (`duplicate_code`), or an asset is already in an "
                        "open hand-over (`asset_in_open_handover`).", ref("Error")),
                },
            },
        },
        "/handovers/{code}": {
            "get": {
                "operationId": "getHandover",
                "summary": "One hand-over with its inspection, defects, signatures and trail",
                "tags": ["handovers"],
                "parameters": _path_code("hand-over"),
                "responses": {
                    "200": json_response("The hand-over.", ref("Handover")),
                    **errors(400, 401, 404),
                },
            }
        },
        "/handovers/{code}/actions": {
            "post": {
                "operationId": "actOnHandover",
                "summary": "Take one step of the hand-over workflow",
                "description": (
                    "draft → submitted → inspected → signed → effective; submitted → "
                    "returned → submitted. `submit`: the transferor. `return` (with a "
                    "`note`, the reasons): the receiver. `inspect` (`note`: the "
                    "participants, `defects`, `inspected_on`): either party. `fix_defect` "
                    "(`defect`: its index): either party. `sign` (`effective_on`): "
                    "transferor, receiver and, where one is active, the owners' committee; "
                    "the last signature makes it signed, or effective once its date has "
                    "come. From the effective date the receiver maintains the assets."
                ),
                "tags": ["handovers"],
                "parameters": _path_code("hand-over"),
                "requestBody": json_request(ref("HandoverAction")),
                "responses": {
                    "200": json_response("The hand-over after the step.", ref("Handover")),
                    **errors(400, 401),
                    "403": json_response("The caller is not a party that may take this "
                                         "step (`not_a_party`).", ref("Error")),
                    **errors(404),
                    "409": json_response(
                        "The step does not fit the state (`wrong_state`, `already_signed`, "
                        "`already_fixed`), or someone acted at the same time "
                        "(`concurrent_update`).", ref("Error")),
                    **errors(413),
                    "422": json_response(
                        "A rule refuses it: signing with open defects (`open_defects`), an "
                        "effective date before the inspection, or one that would rewrite "
                        "an asset's maintainer history.", ref("Error")),
                },
            }
        },
        "/reports/handover-backlog": {
            "get": {
                "operationId": "getHandoverBacklog",
                "summary": "Utility assets overdue for hand-over (bureau and street offices)",
                "description": (
                    "Assets of a utility category whose project was accepted more than the "
                    "configured number of days (90 by default) before `on` and that have "
                    "no effective hand-over by then, oldest acceptance first, with counts "
                    "by category, street and receiver. Not paged: `total` is the number "
                    "of items."
                ),
                "tags": ["handovers"],
                "parameters": [
                    _query("on", "The date of the report; today by default.", DATE),
                    _query("region", "Only the communities within this region (code)."),
                ],
                "responses": {
                    "200": json_response("The backlog.", ref("HandoverBacklog")),
                    **errors(400, 401),
                    "403": json_response("Only bureau administrators, street officers and "
                                         "sysadmins read the backlog.", ref("Error")),
                    "404": json_response("No region with this code.", ref("Error")),
                },
            }
        },
        "/assets": {
            "get": {
                "operationId": "listAssets",
                "summary": "The assets the caller may see",
                "description": "Everyone sees the assets of the communities they see; an "
                "operator also those it maintains or holds under warranty. Ordered by code.",
                "tags": ["assets"],
                "parameters": [
                    *PAGING_PARAMETERS,
                    _query("community", "Only the assets of this community (code)."),
                    _query("category", "Only this category.",
                           {"type": "string", "enum": sorted(CATEGORY_CODES)}),
                    _query("scope", "Only assets covering a whole community, one building "
                           "or one unit.", {"type": "string", "enum": list(serializers.SCOPES)}),
                ],
                "responses": {
                    "200": json_response("A page of assets.", page_of("Asset")),
                    **errors(400, 401),
                },
            },
            "post": {
                "operationId": "createAsset",
                "summary": "Add an asset to the register (bureau_admin, sysadmin)",
                "description": "The warranty end is computed from the project's acceptance "
                "by the statutory minimum for the category, unless `warranty_until` (the "
                "contract's date) is later.",
                "tags": ["assets"],
                "requestBody": json_request(ref("NewAsset")),
                "responses": {
                    "201": json_response("The asset.", ref("Asset")),
                    **errors(*_WRITES),
                    "404": json_response("No community with this code that the caller may "
                                         "see.", ref("Error")),
                    "409": json_response("The code is taken.", ref("Error")),
                },
            },
        },
        "/assets/{code}": {
            "get": {
                "operationId": "getAsset",
                "summary": "One asset with its warranty and maintainers",
                "tags": ["assets"],
                "parameters": _path_code("asset"),
                "responses": {
                    "200": json_response("The asset.", ref("Asset")),
                    **errors(400, 401, 404),
                },
            }
        },
        "/projects": {
            "get": {
                "operationId": "listProjects",
                "summary": "The renovation projects the caller may see",
                "description": "Projects covering a community the caller sees, and a "
                "contractor's own. Ordered by code.",
                "tags": ["projects"],
                "parameters": PAGING_PARAMETERS,
                "responses": {
                    "200": json_response("A page of projects.", page_of("Project")),
                    **errors(400, 401),
                },
            },
            "post": {
                "operationId": "createProject",
                "summary": "Record a renovation project (bureau_admin, sysadmin)",
                "tags": ["projects"],
                "requestBody": json_request(ref("NewProject")),
                "responses": {
                    "201": json_response("The project.", ref("Project")),
                    **errors(*_WRITES),
                    "409": json_response("The code is taken.", ref("Error")),
                },
            },
        },
        "/projects/{code}": {
            "get": {
                "operationId": "getProject",
                "summary": "One renovation project with its acceptance record",
                "tags": ["projects"],
                "parameters": _path_code("project"),
                "responses": {
                    "200": json_response("The project.", ref("Project")),
                    **errors(400, 401, 404),
                },
            }
        },
        "/projects/{code}/accept": {
            "post": {
                "operationId": "acceptProject",
                "summary": "Record the project's acceptance (bureau_admin, sysadmin)",
                "tags": ["projects"],
                "parameters": _path_code("project"),
                "requestBody": json_request(ref("ProjectAcceptance")),
                "responses": {
                    "200": json_response("The accepted project.", ref("Project")),
                    **errors(*_WRITES, 404),
                    "409": json_response("Already accepted.", ref("Error")),
                    "422": json_response(
                        "Refused: `fields.reasons` lists every reason (`satisfaction_too_low` "
                        "below the configured minimum, 0.90 by default; "
                        "`committee_signoff_missing`; `accepted_before_completion`; "
                        "`bad_satisfaction`).", ref("Error")),
                },
            }
        },
        "/projects/{code}/sign-off": {
            "post": {
                "operationId": "signOffProject",
                "summary": "The owners' committee signs off the project for its community",
                "tags": ["projects"],
                "parameters": _path_code("project"),
                "requestBody": json_request(ref("ProjectSignOff")),
                "responses": {
                    "200": json_response("The project.", ref("Project")),
                    **errors(*_WRITES, 404),
                    "409": json_response("Already signed off, or already accepted.",
                                         ref("Error")),
                },
            }
        },
    },
    schemas={
        **serializers.SCHEMAS,
        "NewHandover": {
            "type": "object",
            "required": ["code", "from", "to", "assets"],
            "properties": {
                "code": _CODE_IN,
                "from": {**_CODE_IN, "description": "The transferor's organisation code."},
                "to": {**_CODE_IN, "description": "The receiver's organisation code."},
                "assets": {"type": "array", "minItems": 1, "items": _CODE_IN},
            },
        },
        "HandoverAction": {
            "type": "object",
            "required": ["action"],
            "properties": {
                "action": {"type": "string", "enum": list(ACTIONS)},
                "note": {**_NOTE, "description": "`return`: the reasons (required); "
                         "`inspect`: the participants; otherwise a remark for the trail."},
                "defects": {"type": "array", "items": _NOTE,
                            "description": "`inspect`: the defects found."},
                "defect": {"type": "integer", "minimum": 0,
                           "description": "`fix_defect`: the defect's index."},
                "inspected_on": {**DATE, "description": "`inspect`: today by default."},
                "effective_on": {**DATE, "description": "`sign`: today by default."},
            },
        },
        "NewAsset": {
            "type": "object",
            "required": ["code", "category", "community"],
            "properties": {
                "code": _CODE_IN,
                "category": {"type": "string", "enum": sorted(CATEGORY_CODES)},
                "community": _CODE_IN,
                "building": _CODE_REF,
                "unit": {**_CODE_REF, "description": "Needs `building`."},
                "project": _CODE_REF,
                "name": _TEXT,
                "warranty_contractor": _CODE_REF,
                "warranty_until": nullable(
                    {**DATE, "description": "The contract's warranty end, if any."}
                ),
            },
        },
        "NewProject": {
            "type": "object",
            "required": ["code", "year", "communities", "items"],
            "properties": {
                "code": _CODE_IN,
                "name": _TEXT,
                "year": {"type": "integer", "minimum": 1990, "maximum": 2100},
                "contractor": _CODE_REF,
                "communities": {"type": "array", "minItems": 1, "items": _CODE_IN},
                "completed_on": nullable(DATE),
                "items": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["kind", "class"],
                        "properties": {
                            "kind": {"type": "string", "enum": sorted(ITEM_KINDS)},
                            "class": {"type": "string", "enum": [c.value for c in ItemClass]},
                            "community": _CODE_REF,
                            "contractor": _CODE_REF,
                            "description": _NOTE,
                        },
                    },
                },
            },
        },
        "ProjectAcceptance": {
            "type": "object",
            "required": ["accepted_on", "satisfaction_rate"],
            "properties": {
                "accepted_on": DATE,
                "satisfaction_rate": {
                    "anyOf": [serializers.RATIO, {"type": "string"}, {"type": "number"}],
                    "description": "Between 0 and 1, a decimal string (\"0.95\"); a number "
                    "is accepted too.",
                },
                "note": _NOTE,
            },
        },
        "ProjectSignOff": {
            "type": "object",
            "required": ["community"],
            "properties": {"community": _CODE_IN},
        },
    },
)
