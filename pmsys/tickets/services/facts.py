"""The facts `routing.route()` needs, read in a fixed number of statements.

Whatever the size of the register: the assets of the one category that can
cover the place (with their maintainer stints in one more query), the term in
force on the date, and the organisations along the community's region lineage.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Integer, and_, bindparam, or_, select
from sqlalchemy.orm import Session, aliased

from pmsys import categories
from pmsys.assets.maintainers import Stint
from pmsys.db import one_of_ids
from pmsys.models.assets import Asset, AssetMaintainer
from pmsys.models.auth import Organization, OrganizationCategory, OrgKind
from pmsys.places.services import active_terms, street_office
from pmsys.settings import region_lineage_ids
from pmsys.tickets import routing
from pmsys.tickets.services.places import Place


def _org(org: Organization | None) -> routing.Org | None:
    return None if org is None else routing.Org(org.id, org.code, org.name)


# Built once, run with parameters.
_SERVING = (
    select(Organization)
    .join(OrganizationCategory, OrganizationCategory.organization_id == Organization.id)
    .where(
        Organization.kind == bindparam("kind"),
        OrganizationCategory.category == bindparam("category"),
        one_of_ids(Organization.region_id, "lineage"),
    )
    .order_by(Organization.code)
)
# The assets of a category in a community with their warranty contractors, as plain rows
# (routing reads values, not objects): every asset of the category for gas, else only those
# that could cover the place (the whole community's, the building's, the unit's, the one
# named). Built once; a missing building, unit or asset is a NULL that matches nothing.
_warranty = aliased(Organization)
_ASSET_ROWS = (
    select(Asset.id, Asset.code, Asset.name, Asset.category, Asset.building_id, Asset.unit_id,
           Asset.warranty_until, _warranty.id, _warranty.code, _warranty.name)
    .outerjoin(_warranty, _warranty.id == Asset.warranty_contractor_id)
    .where(Asset.community_id == bindparam("community_id"),
           Asset.category == bindparam("category"))
    .order_by(Asset.id)
)
_ALL_ASSETS = _ASSET_ROWS
_COVERING_ASSETS = _ASSET_ROWS.where(or_(
    Asset.building_id.is_(None),
    and_(Asset.building_id == bindparam("building_id", type_=Integer),
         Asset.unit_id.is_(None)),
    Asset.unit_id == bindparam("unit_id", type_=Integer),
    Asset.id == bindparam("asset_id", type_=Integer),
))
# Their maintainers, each stint with its organisation, in order of start.
_STINTS = (
    select(AssetMaintainer.asset_id, AssetMaintainer.start, AssetMaintainer.end,
           Organization.id, Organization.code, Organization.name)
    .join(Organization, Organization.id == AssetMaintainer.organization_id)
    .where(one_of_ids(AssetMaintainer.asset_id, "ids"))
    .order_by(AssetMaintainer.asset_id, AssetMaintainer.start, AssetMaintainer.id)
)


def _serving(session: Session, kind: OrgKind, category: str, lineage: list[int]):
    """Organisations of `kind` serving `category` along the lineage, nearest region first."""
    order = {region_id: index for index, region_id in enumerate(lineage)}
    rows = session.scalars(_SERVING, {"kind": kind, "category": category,
                                      "lineage": list(order)}).all()
    return tuple(_org(o) for o in sorted(rows, key=lambda o: order[o.region_id]))


def _asset_facts(session: Session, place: Place, category: str) -> tuple:
    """The assets that can matter, as routing's facts: two statements (none for stints
    when there are no assets).

    Gas looks at every gas asset of the community (docs/domain.md#routing step 2), so it is
    not narrowed; for the rest, only assets of the place's unit, its building or
    the whole community can be chosen by routing.
    """
    values = {"community_id": place.community.id, "category": category}
    if category == "gas":
        statement = _ALL_ASSETS
    else:
        unit = place.unit or (place.household.unit if place.household else None)
        statement = _COVERING_ASSETS
        values.update(
            building_id=(place.building.id if place.building
                         else unit.building_id if unit else None),
            unit_id=unit.id if unit else None,
            asset_id=place.asset.id if place.asset else None,
        )
    connection = session.connection()
    assets = connection.execute(statement, values).all()
    if not assets:
        return ()
    stints: dict[int, list[Stint]] = {row[0]: [] for row in assets}
    for asset_id, start, end, *org in connection.execute(_STINTS, {"ids": list(stints)}):
        stints[asset_id].append(Stint(routing.Org(*org), start, end))
    return tuple(
        routing.AssetFacts(
            id=asset_id, code=code, name=name or code, category=asset_category,
            building_id=building_id, unit_id=unit_id,
            warranty_contractor=routing.Org(*warranty) if warranty[0] is not None else None,
            warranty_until=warranty_until, stints=tuple(stints[asset_id]),
        )
        for (asset_id, code, name, asset_category, building_id, unit_id, warranty_until,
             *warranty) in assets
    )


def gather_facts(session: Session, place: Place, category: str, on: date) -> routing.Facts:
    """Collect what `routing.route()` needs for a ticket at `place` on `on`."""
    spec = categories.get(category)
    facts_assets = _asset_facts(session, place, category)
    term = active_terms(session, [place.community.id], on).get(place.community.id)
    lineage = (region_lineage_ids(session, place.community.street_id)
               if spec.by_duty or category == "gas" else [])
    unit = place.unit or (place.household.unit if place.household else None)
    return routing.Facts(
        category=category,
        utility=spec.utility,
        by_duty=spec.by_duty is not None,
        on=on,
        complaint=spec.complaint,
        warranty=spec.warranty,
        building_id=place.building.id if place.building else None,
        unit_id=unit.id if unit else None,
        inside_home=place.inside_home,
        asset_id=place.asset.id if place.asset else None,
        assets=facts_assets,
        manager=_org(term.organization) if term else None,
        street_office=_org(street_office(session, place.community)),
        duty_authorities=(
            _serving(session, OrgKind.authority, category, lineage) if spec.by_duty else ()
        ),
        gas_utilities=(
            _serving(session, OrgKind.utility, "gas", lineage) if category == "gas" else ()
        ),
    )
