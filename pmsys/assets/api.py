"""API: projects, assets, hand-overs and the hand-over backlog (API.md, Hand-overs)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from flask import g, request
from sqlalchemy import select

from pmsys import clock
from pmsys.api import bp
from pmsys.api.helpers import api_login_required, json_body, page_rows, paging, require
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
from pmsys.assets import serializers
from pmsys.assets.models import (
    ITEM_KINDS,
    Asset,
    Handover,
    HandoverStatus,
    ItemClass,
    Project,
)
from pmsys.assets.services import backlog as backlog_services
from pmsys.assets.services import handovers as handover_services
from pmsys.assets.services import register
from pmsys.assets.workflow import ACTIONS
from pmsys.auth import permissions
from pmsys.errors import Forbidden, InvalidInput, RuleRefused
from pmsys.extensions import db
from pmsys.places.models import Community
from pmsys.tickets.categories import CODES as CATEGORY_CODES

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_FLAGS = {"1": True, "true": True, "0": False, "false": False, "": False}
CODE_LENGTH = 64
NAME_LENGTH = 200
NOTE_LENGTH = 4000
STATUSES = [status.value for status in HandoverStatus]


def parse_day(value) -> date:
    """A `YYYY-MM-DD` string as a date; ValueError for anything else."""
    if not isinstance(value, str) or not _DAY.fullmatch(value):
        raise ValueError(f"not a date: {value!r}")
    return date.fromisoformat(value)


class Body:
    """Typed reads of a JSON object; every problem is gathered, then raised as one 400."""

    def __init__(self, data: dict, prefix: str = ""):
        self.data = data
        self.prefix = prefix
        self.problems: dict[str, str] = {}

    def _value(self, name: str, required: bool):
        value = self.data.get(name)
        if value is None and required:
            self.problems[self.prefix + name] = "required"
        return value

    def text(self, name: str, *, required: bool = False, max_length: int = CODE_LENGTH):
        """A string of at most `max_length` characters, or None when absent."""
        value = self._value(name, required)
        if value is not None and (not isinstance(value, str) or len(value) > max_length):
            self.problems[self.prefix + name] = f"a string of at most {max_length} characters"
            return None
        return value

    def integer(self, name: str, *, required: bool = False) -> int | None:
        value = self._value(name, required)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            self.problems[self.prefix + name] = "a whole number"
            return None
        return value

    def day(self, name: str, *, required: bool = False) -> date | None:
        value = self._value(name, required)
        if value is None:
            return None
        try:
            return parse_day(value)
        except ValueError:
            self.problems[self.prefix + name] = "a date YYYY-MM-DD"
            return None

    def decimal(self, name: str, *, required: bool = False):
        """A decimal string ("0.95"); a JSON number is taken too. Parsed by the service."""
        value = self._value(name, required)
        if value is not None and (isinstance(value, bool)
                                  or not isinstance(value, str | int | float)
                                  or isinstance(value, str) and len(value) > 40):
            self.problems[self.prefix + name] = "a decimal string such as \"0.95\""
            return None
        return value

    def texts(self, name: str, *, required: bool = False, max_length: int = CODE_LENGTH):
        """A list of strings, or None when absent."""
        value = self._value(name, required)
        if value is not None and (
            not isinstance(value, list)
            or not all(isinstance(v, str) and len(v) <= max_length for v in value)
        ):
            self.problems[self.prefix + name] = (
                f"a list of strings of at most {max_length} characters"
            )
            return None
        return value

    def objects(self, name: str, *, required: bool = False) -> list[Body] | None:
        """A list of JSON objects, each read in turn with its path as prefix."""
        value = self._value(name, required)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.problems[self.prefix + name] = "a list of objects"
            return None
        return [Body(item, f"{self.prefix}{name}[{index}].") for index, item in enumerate(value)]

    def check(self, *parts: Body) -> None:
        """Raise one 400 naming every malformed field of this body and of `parts`."""
        problems = dict(self.problems)
        for part in parts:
            problems.update(part.problems)
        if problems:
            raise InvalidInput("missing or malformed fields", code="invalid_input",
                               fields=problems)


def _choice_arg(name: str, choices: Iterable[str]) -> str | None:
    value = request.args.get(name) or None
    if value is not None and value not in choices:
        raise InvalidInput(f"unknown {name}", code="invalid_filter",
                           fields={name: "must be one of " + ", ".join(choices)})
    return value


def _flag_arg(name: str) -> bool:
    value = request.args.get(name, "")
    if value not in _FLAGS:
        raise InvalidInput(f"bad {name}", code="invalid_filter",
                           fields={name: "must be 1, 0, true or false"})
    return _FLAGS[value]


def _day_arg(name: str) -> date | None:
    value = request.args.get(name) or None
    if value is None:
        return None
    try:
        return parse_day(value)
    except ValueError:
        raise InvalidInput(f"bad {name}", code="invalid_date",
                           fields={name: "a date YYYY-MM-DD"}) from None


def _page_of_list(rows: list) -> tuple[list, int]:
    page, per_page = paging()
    return rows[(page - 1) * per_page: page * per_page], len(rows)


# --- hand-overs --------------------------------------------------------------------------------


@bp.get("/handovers")
@api_login_required
def list_handovers():
    """The hand-overs the caller may see, or (`waiting=1`) those waiting for it to act."""
    status = _choice_arg("status", STATUSES)
    community = request.args.get("community") or None
    if _flag_arg("waiting"):
        waiting = handover_services.waiting_for(db.session, g.api_user)
        if status is not None:
            waiting = [h for h in waiting if h.status.value == status]
        if community is not None:
            waiting = [h for h in waiting if any(a.community.code == community for a in h.assets)]
        rows, total = _page_of_list(waiting)
    else:
        query = handover_services.visible_handovers(
            g.api_user, status=status, community=community
        )
        rows, total = page_rows(query.order_by(Handover.code))
    return {"items": [serializers.handover_json(db.session, h) for h in rows], "total": total}


@bp.post("/handovers")
@api_login_required
def create_handover():
    """Draft a hand-over of assets from a transferor to a receiver."""
    body = Body(json_body())
    code = body.text("code", required=True)
    from_org = body.text("from", required=True)
    to_org = body.text("to", required=True)
    assets = body.texts("assets", required=True)
    body.check()
    handover = handover_services.create_handover(
        db.session, g.api_user, code=code, from_org=from_org, to_org=to_org, assets=assets
    )
    db.session.commit()
    return serializers.handover_json(db.session, handover), 201


@bp.get("/handovers/<code>")
@api_login_required
def get_handover(code: str):
    """One hand-over with its inspection, defects, signatures and trail."""
    handover = handover_services.get_handover_or_404(db.session, g.api_user, code)
    return serializers.handover_json(db.session, handover)


@bp.post("/handovers/<code>/actions")
@api_login_required
def act_on_handover(code: str):
    """Take one step of the hand-over workflow as one of its parties."""
    handover = handover_services.get_handover_or_404(db.session, g.api_user, code)
    body = Body(json_body())
    action = body.text("action", required=True)
    if action is not None and action not in ACTIONS:
        body.problems["action"] = "one of " + ", ".join(ACTIONS)
    payload = {
        "note": body.text("note", max_length=NOTE_LENGTH),
        "defects": body.texts("defects", max_length=NOTE_LENGTH),
        "defect": body.integer("defect"),
        "effective_on": body.day("effective_on"),
        "inspected_on": body.day("inspected_on"),
    }
    body.check()
    try:
        handover_services.take_action(db.session, g.api_user, handover, action, **payload)
    except (Forbidden, RuleRefused):
        # Keep the audit record of the denial: a refused action changes nothing else.
        db.session.commit()
        raise
    db.session.commit()
    return serializers.handover_json(db.session, handover)


@bp.get("/reports/handover-backlog")
@api_login_required
def handover_backlog():
    """Utility assets past the hand-over deadline without an effective hand-over."""
    require(permissions.can_see_handover_backlog(g.api_user),
            "only the housing bureau and street offices read the backlog")
    on = _day_arg("on") or clock.today()
    region = request.args.get("region") or None
    report = backlog_services.handover_backlog(db.session, g.api_user, on, region=region)
    return serializers.backlog_json(report)


# --- assets ------------------------------------------------------------------------------------

_SCOPE_CLAUSES = {
    "community": lambda: Asset.building_id.is_(None),
    "building": lambda: Asset.building_id.is_not(None) & Asset.unit_id.is_(None),
    "unit": lambda: Asset.unit_id.is_not(None),
}


@bp.get("/assets")
@api_login_required
def list_assets():
    """The assets the caller may see, by community, category and scope."""
    category = _choice_arg("category", sorted(CATEGORY_CODES))
    scope = _choice_arg("scope", serializers.SCOPES)
    community = request.args.get("community") or None
    query = select(Asset).where(permissions.asset_clause(g.api_user))
    if community is not None:
        query = query.where(
            Asset.community_id.in_(select(Community.id).where(Community.code == community))
        )
    if category is not None:
        query = query.where(Asset.category == category)
    if scope is not None:
        query = query.where(_SCOPE_CLAUSES[scope]())
    rows, total = page_rows(query.order_by(Asset.code))
    today = clock.today()
    return {"items": [serializers.asset_json(db.session, a, today) for a in rows],
            "total": total}


@bp.get("/assets/<code>")
@api_login_required
def get_asset(code: str):
    """One asset with its warranty and maintainers."""
    asset = register.get_asset_or_404(db.session, g.api_user, code)
    return serializers.asset_json(db.session, asset, clock.today())


@bp.post("/assets")
@api_login_required
def create_asset():
    """Add an asset to the register (the housing bureau of its region)."""
    body = Body(json_body())
    fields = {
        "code": body.text("code", required=True),
        "category": body.text("category", required=True),
        "community": body.text("community", required=True),
        "building": body.text("building"),
        "unit": body.text("unit"),
        "project": body.text("project"),
        "name": body.text("name", max_length=NAME_LENGTH) or "",
        "warranty_contractor": body.text("warranty_contractor"),
        "warranty_contract_until": body.day("warranty_until"),
    }
    body.check()
    asset = register.create_asset(db.session, g.api_user, **fields)
    db.session.commit()
    return serializers.asset_json(db.session, asset, clock.today()), 201


# --- projects ----------------------------------------------------------------------------------


def _project_or_404(code: str) -> Project:
    return register.get_project_or_404(db.session, g.api_user, code)


@bp.get("/projects")
@api_login_required
def list_projects():
    """The renovation projects covering communities the caller may see."""
    query = select(Project).where(permissions.project_clause(g.api_user))
    rows, total = page_rows(query.order_by(Project.code))
    return {"items": [serializers.project_json(db.session, p) for p in rows], "total": total}


@bp.get("/projects/<code>")
@api_login_required
def get_project(code: str):
    """One project with its communities, sign-offs, items and acceptance."""
    return serializers.project_json(db.session, _project_or_404(code))


@bp.post("/projects")
@api_login_required
def create_project():
    """Record a renovation project (the housing bureau of its communities)."""
    body = Body(json_body())
    fields = {
        "code": body.text("code", required=True),
        "name": body.text("name", max_length=NAME_LENGTH) or "",
        "year": body.integer("year", required=True),
        "contractor": body.text("contractor"),
        "communities": body.texts("communities", required=True),
        "completed_on": body.day("completed_on"),
    }
    items = body.objects("items", required=True) or []
    fields["items"] = [
        {
            "kind": item.text("kind", required=True, max_length=40),
            "class": item.text("class", required=True, max_length=40),
            "community": item.text("community"),
            "contractor": item.text("contractor"),
            "description": item.text("description", max_length=NOTE_LENGTH) or "",
        }
        for item in items
    ]
    body.check(*items)
    project = register.create_project(db.session, g.api_user, **fields)
    db.session.commit()
    return serializers.project_json(db.session, project), 201


@bp.post("/projects/<code>/accept")
@api_login_required
def accept_project(code: str):
    """Record the acceptance; 422 with every reason where a rule refuses it."""
    project = _project_or_404(code)
    body = Body(json_body())
    accepted_on = body.day("accepted_on", required=True)
    rate = body.decimal("satisfaction_rate", required=True)
    note = body.text("note", max_length=NOTE_LENGTH) or ""
    body.check()
    try:
        register.accept_project(db.session, g.api_user, project, accepted_on=accepted_on,
                                satisfaction_rate=rate, note=note)
    except RuleRefused:
        # Keep the audit record of the refusal: a refused acceptance changes nothing else.
        db.session.commit()
        raise
    db.session.commit()
    return serializers.project_json(db.session, project)


@bp.post("/projects/<code>/sign-off")
@api_login_required
def sign_off_project(code: str):
    """The owners' committee signs off the project for its community."""
    project = _project_or_404(code)
    body = Body(json_body())
    community_code = body.text("community", required=True)
    body.check()
    community = permissions.get_community_or_404(db.session, g.api_user, community_code)
    register.sign_off_project(db.session, g.api_user, project, community)
    db.session.commit()
    return serializers.project_json(db.session, project)


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

