"""API: the communities the caller may see (docs/api.md#places)."""

from __future__ import annotations

from flask import g, request

from pmsys.api import bp
from pmsys.api.helpers import api_login_required, date_str, decimal_str, page_rows
from pmsys.api.openapi import (
    CODE,
    DATE,
    DECIMAL,
    PAGING_PARAMETERS,
    SEGMENT_PARAMETER,
    TEXT_PARAMETER,
    describe,
    errors,
    json_response,
    nullable,
    page_of,
    ref,
)
from pmsys.api.refs import org_ref
from pmsys.auth.permissions import get_community_or_404
from pmsys.errors import InvalidInput
from pmsys.extensions import db
from pmsys.models.governance import ManagementMode, ManagementTerm
from pmsys.places import services
from pmsys.places.services import LIST_MODES, CommunityDetail, CommunitySummary, HouseholdView


def management_json(term: ManagementTerm | None) -> dict | None:
    """The management arrangement in force: mode, manager and dates."""
    if term is None:
        return None
    return {
        "mode": term.mode.value,
        "org": org_ref(term.organization),
        "start": date_str(term.start),
        "end": date_str(term.end),
    }


def summary_json(summary: CommunitySummary) -> dict:
    """A community in the list: counts, area, management and committee status."""
    community = summary.community
    return {
        "code": community.code,
        "name": community.name,
        "street": community.street.code,
        "built_year": community.built_year,
        "buildings": summary.buildings,
        "households": summary.households,
        "area": decimal_str(summary.area),
        "management": management_json(summary.term),
        "committee_status": summary.committee_status,
    }


def _household_json(view: HouseholdView, place: str) -> dict:
    household = view.household
    owner = None
    if view.owner_name is not None:
        owner = {"name": view.owner_name, "phone": view.owner_phone}
    return {
        "code": household.code,
        "place": place,
        "area": decimal_str(household.area),
        "owner": owner,
    }


def detail_json(detail: CommunityDetail) -> dict:
    """One community with its buildings, units, the households the caller may read, terms."""
    community = detail.summary.community
    buildings = []
    for view in detail.buildings:
        building = view.building
        prefix = f"{community.code}/{building.code}"
        buildings.append(
            {
                "code": building.code,
                "name": building.name,
                "floors": building.floors,
                "households": view.household_count,
                "area": decimal_str(view.area),
                "units": [
                    {
                        "code": unit_view.unit.code,
                        "households": [
                            _household_json(h, f"{prefix}/{unit_view.unit.code}/{h.household.code}")
                            for h in unit_view.households
                        ],
                    }
                    for unit_view in view.units
                ],
            }
        )
    return {
        **summary_json(detail.summary),
        "address": community.address,
        "buildings": buildings,
        "assets": [],
        "management_terms": [
            {**management_json(term), "basis": term.basis} for term in detail.terms
        ],
    }


@bp.get("/communities")
@api_login_required
def list_communities():
    """The communities the caller may see, a page at a time, by street and mode."""
    street = request.args.get("street") or None
    mode = request.args.get("mode") or None
    if mode is not None and mode not in LIST_MODES:
        raise InvalidInput(
            "unknown management mode",
            code="invalid_filter",
            fields={"mode": "must be one of " + ", ".join(LIST_MODES)},
        )
    query = services.filter_communities(g.api_user, street=street, mode=mode)
    rows, total = page_rows(query)
    return {
        "items": [summary_json(s) for s in services.summarise(db.session, rows)],
        "total": total,
    }


@bp.get("/communities/<code>")
@api_login_required
def get_community(code: str):
    """One community, as much of it as the caller may see."""
    community = get_community_or_404(db.session, g.api_user, code)
    return detail_json(services.community_detail(db.session, g.api_user, community))


_MANAGEMENT = {
    "type": "object",
    "required": ["mode", "org", "start", "end"],
    "properties": {
        "mode": {"type": "string", "enum": [mode.value for mode in ManagementMode]},
        "org": ref("OrgRef"),
        "start": DATE,
        "end": nullable(DATE),
    },
}

_SUMMARY_PROPERTIES = {
    "code": CODE,
    "name": {"type": "string"},
    "street": {"type": "string", "description": "The street (town) code."},
    "built_year": nullable({"type": "integer"}),
    "households": {"type": "integer", "minimum": 0},
    "area": {**DECIMAL, "description": "Sum of the households' areas in m²."},
    "management": nullable(
        {**_MANAGEMENT, "description": "The management term in force today; null if none."}
    ),
    "committee_status": {
        "type": "string", "enum": ["none", "preparing", "active", "expired"],
        "description": "The owners' committee: none, preparing (being formed), active (in "
                       "office, elected or interim) or expired (term over, none in office).",
    },
}

describe(
    {
        "/communities": {
            "get": {
                "operationId": "listCommunities",
                "summary": "The communities the caller may see",
                "description": (
                    "Ordered by code. Counts and management are computed for today "
                    "(Asia/Shanghai)."
                ),
                "tags": ["places"],
                "parameters": [
                    *PAGING_PARAMETERS,
                    {
                        "name": "street",
                        "in": "query",
                        "required": False,
                        "description": "Only the communities of this street (code).",
                        "schema": TEXT_PARAMETER,
                    },
                    {
                        "name": "mode",
                        "in": "query",
                        "required": False,
                        "description": "Only those managed in this mode today; `none`: "
                        "no management term in force.",
                        "schema": {"type": "string", "enum": list(LIST_MODES)},
                    },
                ],
                "responses": {
                    "200": json_response("A page of communities.", page_of("CommunitySummary")),
                    **errors(400, 401),
                },
            }
        },
        "/communities/{code}": {
            "get": {
                "operationId": "getCommunity",
                "summary": "One community with its buildings, units and management terms",
                "description": (
                    "Households are listed only for roles that may read them: staff who "
                    "serve the community see all, a resident only their own, operators "
                    "none. Owners' phones are masked (138****0000) except for the "
                    "community's current manager."
                ),
                "tags": ["places"],
                "parameters": [
                    {
                        "name": "code",
                        "in": "path",
                        "required": True,
                        "description": "The community's code.",
                        "schema": SEGMENT_PARAMETER,
                    }
                ],
                "responses": {
                    "200": json_response("The community.", ref("CommunityDetail")),
                    **errors(400, 401, 404),
                },
            }
        },
    },
    schemas={
        "CommunitySummary": {
            "type": "object",
            "required": ["code", "name", "street", "built_year", "buildings", "households",
                         "area", "management", "committee_status"],
            "properties": {
                **_SUMMARY_PROPERTIES,
                "buildings": {"type": "integer", "minimum": 0},
            },
        },
        "Household": {
            "type": "object",
            "required": ["code", "place", "area", "owner"],
            "properties": {
                "code": CODE,
                "place": {"type": "string", "examples": ["GXL/1/1/101"]},
                "area": DECIMAL,
                "owner": nullable(
                    {
                        "type": "object",
                        "description": "The owner of record; null where the caller may "
                        "not see owners.",
                        "required": ["name", "phone"],
                        "properties": {
                            "name": {"type": "string"},
                            "phone": nullable({"type": "string"}),
                        },
                    }
                ),
            },
        },
        "Building": {
            "type": "object",
            "required": ["code", "name", "floors", "households", "area", "units"],
            "properties": {
                "code": CODE,
                "name": nullable({"type": "string"}),
                "floors": nullable({"type": "integer"}),
                "households": {"type": "integer", "minimum": 0,
                               "description": "All households, whether listed or not."},
                "area": DECIMAL,
                "units": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["code", "households"],
                        "properties": {
                            "code": CODE,
                            "households": {"type": "array", "items": ref("Household")},
                        },
                    },
                },
            },
        },
        "ManagementTerm": {
            "type": "object",
            "required": ["mode", "org", "start", "end", "basis"],
            "properties": {
                **_MANAGEMENT["properties"],
                "basis": {"type": "string", "description": "The decision it rests on."},
            },
        },
        "CommunityDetail": {
            "type": "object",
            "required": ["code", "name", "street", "built_year", "buildings", "households",
                         "area", "management", "committee_status", "address", "assets",
                         "management_terms"],
            "properties": {
                **_SUMMARY_PROPERTIES,
                "address": nullable({"type": "string"}),
                "buildings": {"type": "array", "items": ref("Building")},
                "assets": {
                    "type": "array",
                    "items": {"type": "object"},
                    "description": "The community's assets. Always empty until the asset "
                    "register is introduced; the key is here so clients need no change then.",
                },
                "management_terms": {"type": "array", "items": ref("ManagementTerm")},
            },
        },
    },
)
