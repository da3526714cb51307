"""API: the communities the caller may see (docs/api.md#places)."""

from __future__ import annotations

from typing import Annotated, Literal

from flask import g
from pydantic import Field, model_validator

from pmsys.api import bp
from pmsys.api.answer_types import Amount, CodeText, Count, DayText, OrgRef
from pmsys.api.helpers import api_login_required, date_str, page_rows
from pmsys.api.refs import org_ref
from pmsys.api.typed import Answer, Code, ErrorCode, Page, Paged, endpoint
from pmsys.auth.permissions import get_community_or_404
from pmsys.extensions import db
from pmsys.models import governance as governance_models
from pmsys.models.governance import ManagementMode
from pmsys.money import decimal_str
from pmsys.places import services
from pmsys.places.services import LIST_MODES, HouseholdView

Filter = ErrorCode("invalid_filter")


def management_json(term: governance_models.ManagementTerm | None) -> dict | None:
    """The management arrangement in force: mode, manager and dates."""
    if term is None:
        return None
    return {
        "mode": term.mode.value,
        "org": org_ref(term.organization),
        "start": date_str(term.start),
        "end": date_str(term.end),
    }


def summary_json(summary: services.CommunitySummary) -> dict:
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


def detail_json(detail: services.CommunityDetail) -> dict:
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


# --- The shapes above, as typed answers (the OpenAPI document is built from them) --------------

class Management(Answer):
    """The management arrangement in force: mode, manager and dates."""

    mode: Literal[tuple(mode.value for mode in ManagementMode)]
    org: OrgRef
    start: DayText
    end: DayText | None


class ManagementTerm(Management):
    basis: Annotated[str, Field(description="The decision it rests on.")]


class CommunityFacts(Answer):
    code: CodeText
    name: str
    street: Annotated[str, Field(description="The street (town) code.")]
    built_year: int | None
    households: Count
    area: Annotated[Amount, Field(description="Sum of the households' areas in m².")]
    management: Annotated[Management | None, Field(
        description="The management term in force today; null if none.")]
    committee_status: Annotated[Literal["none", "preparing", "active", "expired"], Field(
        description="The owners' committee: none, preparing (being formed), active (in "
        "office, elected or interim) or expired (term over, none in office).")]


class CommunitySummary(CommunityFacts):
    buildings: Count


class HouseholdOwner(Answer):
    """The owner of record; null where the caller may not see owners."""

    name: str
    phone: str | None


class Household(Answer):
    code: CodeText
    place: Annotated[str, Field(examples=["GXL/1/1/101"])]
    area: Amount
    owner: HouseholdOwner | None


class BuildingUnit(Answer):
    code: CodeText
    households: list[Household]


class Building(Answer):
    code: CodeText
    name: str | None
    floors: int | None
    households: Annotated[Count, Field(description="All households, whether listed or not.")]
    area: Amount
    units: list[BuildingUnit]


class CommunityDetail(CommunityFacts):
    address: str | None
    buildings: list[Building]
    assets: Annotated[list[dict], Field(description=(
        "The community's assets. Always empty until the asset register is introduced; the "
        "key is here so clients need no change then."))]
    management_terms: list[ManagementTerm]


class CommunityFilter(Paged):
    """An empty value is no filter here (clients of the first version send `?street=`)."""

    street: Annotated[Code | None, Field(description="Only the communities of this street "
                                         "(code)."), Filter] = None
    mode: Annotated[Literal[LIST_MODES] | None, Field(
        description="Only those managed in this mode today; `none`: no management term in "
        "force."), Filter] = None

    @model_validator(mode="before")
    @classmethod
    def _empty_is_absent(cls, data):
        if isinstance(data, dict):
            return {name: value for name, value in data.items() if value != ""}
        return data


@bp.get("/communities")
@api_login_required
@endpoint(query=CommunityFilter, answers={200: ("A page of communities.",
                                                Page[CommunitySummary])}, tags=("places",))
def list_communities(query: CommunityFilter):
    """The communities the caller may see.

    Ordered by code. Counts and management are computed for today (Asia/Shanghai).
    """
    found = services.filter_communities(g.api_user, street=query.street, mode=query.mode)
    rows, total = page_rows(found, query)
    return {
        "items": [summary_json(s) for s in services.summarise(db.session, rows)],
        "total": total,
    }


@bp.get("/communities/<code>")
@api_login_required
@endpoint(answers={200: ("The community.", CommunityDetail)}, refusals={400: "", 404: ""},
          path={"code": "The community's code."}, tags=("places",))
def get_community(code: str):
    """One community with its buildings, units and management terms.

    Households are listed only for roles that may read them: staff who serve the community
    see all, a resident only their own, operators none. Owners' phones are masked
    (138****0000) except for the community's current manager.
    """
    community = get_community_or_404(db.session, g.api_user, code)
    return detail_json(services.community_detail(db.session, g.api_user, community))
