"""Where a ticket says the problem is: the community and, possibly, more precisely.

Codes are relative to the community; a resident may name only their own home.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from pmsys.auth import permissions
from pmsys.errors import InvalidInput, NotFound
from pmsys.models.assets import Asset
from pmsys.models.auth import Role
from pmsys.models.places import Building, Community, Household, Unit


@dataclass
class Place:
    """Where a ticket says the problem is: the community, and possibly more precisely."""

    community: Community
    building: Building | None = None
    unit: Unit | None = None
    household: Household | None = None
    inside_home: bool = False
    asset: Asset | None = None



def text_field(value, field: str, limit: int, required: bool = False) -> str:
    """The stripped text of an optional or required field, within `limit` characters."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be text", fields={field: "must be text"})
    value = value.strip()
    if required and not value:
        raise InvalidInput(f"{field} is required", fields={field: "required"})
    if len(value) > limit:
        raise InvalidInput(f"{field} is too long", fields={field: f"at most {limit} characters"})
    return value


def _code(value, field: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 64:
        raise InvalidInput(f"{field} must be a code", fields={field: "must be a code"})
    return value


def _community(session: Session, actor, code: str, building: str | None,
               anywhere: bool) -> Community:
    """The community a place names: one `actor` sees, or (a building's common areas) any.

    `anywhere`: the common areas of a building of any community (a public report from
    the building's QR page); a resident may also report those logged in.
    """
    if not anywhere:
        try:
            return permissions.get_community_or_404(session, actor, code)
        except NotFound:
            if not (building and permissions.may_report_common_areas_anywhere(actor)):
                raise
    found = permissions.find_community(session, code)
    if found is None:
        raise NotFound(f"no community {code}", code="community_not_found")
    return found


# The places a ticket names, by code within their parent: built once, run with parameters.
_BUILDING = select(Building).where(Building.community_id == bindparam("parent"),
                                   Building.code == bindparam("code"))
_UNIT = select(Unit).where(Unit.building_id == bindparam("parent"), Unit.code == bindparam("code"))
_HOUSEHOLD = select(Household).where(Household.unit_id == bindparam("parent"),
                                     Household.code == bindparam("code"))
_ASSET = select(Asset).where(Asset.community_id == bindparam("parent"),
                             Asset.code == bindparam("code"))


def resolve_place(
    session: Session,
    actor,
    *,
    community,
    building=None,
    unit=None,
    household=None,
    inside_home=False,
    asset=None,
    category: str | None = None,
    common_area: bool = False,
) -> Place:
    """Look up the place a ticket names, by codes relative to the community.

    `household` may also be the full path COMMUNITY/BUILDING/UNIT/HOUSEHOLD.
    The community must be one `actor` may see (a resident: one they live in), except
    for a building's common areas, which a resident may name in any community
    (docs/domain.md#qr). `common_area`: the place must be a building's common areas,
    in any community (a public report: no household, nothing inside a home).
    """
    community_code = _code(community, "community")
    if community_code is None:
        raise InvalidInput("name the community", fields={"community": "required"})
    if not isinstance(inside_home, bool):
        raise InvalidInput("inside_home must be true or false", fields={"inside_home": "boolean"})
    household_code = _code(household, "household")
    if household_code and "/" in household_code:
        parts = household_code.split("/")
        if len(parts) != 4 or parts[0] != community_code:
            raise InvalidInput(
                "household must be HOUSEHOLD or COMMUNITY/BUILDING/UNIT/HOUSEHOLD",
                fields={"household": "not a household of this community"},
            )
        _, building, unit, household_code = parts
    building_code, unit_code = _code(building, "building"), _code(unit, "unit")
    if common_area:
        if building_code is None:
            raise InvalidInput("name the building", fields={"building": "required"})
        if household_code or inside_home:
            raise InvalidInput("only the common areas of a building",
                               fields={"household": "common areas only"})
    found = _community(session, actor, community_code, building_code, common_area)
    place = Place(found, inside_home=inside_home)
    if unit_code and not building_code:
        raise InvalidInput("a unit needs its building", fields={"building": "required"})
    if household_code and not unit_code:
        raise InvalidInput("a household needs its unit", fields={"unit": "required"})
    if building_code:
        place.building = session.scalar(_BUILDING, {"parent": found.id, "code": building_code})
        if place.building is None:
            raise InvalidInput("no such building here", fields={"building": "unknown"})
    if unit_code:
        place.unit = session.scalar(_UNIT, {"parent": place.building.id, "code": unit_code})
        if place.unit is None:
            raise InvalidInput("no such unit in this building", fields={"unit": "unknown"})
    if household_code:
        place.household = session.scalar(_HOUSEHOLD, {"parent": place.unit.id,
                                                       "code": household_code})
        if place.household is None:
            raise InvalidInput("no such household in this unit", fields={"household": "unknown"})
    if inside_home and place.household is None:
        raise InvalidInput(
            "a problem inside a home names the household", fields={"household": "required"}
        )
    if place.household is not None and getattr(actor, "role", None) is Role.resident:
        own = session.scalar(
            select(Household.id).where(
                Household.id == place.household.id, permissions.household_clause(actor, found)
            )
        )
        if own is None:
            # A resident reports about their own home only; others' homes look unknown.
            raise InvalidInput("no such household in this unit", fields={"household": "unknown"})
    asset_code = _code(asset, "asset")
    if asset_code:
        place.asset = session.scalar(_ASSET, {"parent": found.id, "code": asset_code})
        if place.asset is None or (category is not None and place.asset.category != category):
            raise InvalidInput(
                "the asset is not one of this category in this community",
                fields={"asset": "unknown here"},
            )
    return place
