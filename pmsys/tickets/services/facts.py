"""The facts `routing.route()` needs, read in a fixed number of statements.

Whatever the size of the register: the assets of the one category that can
cover the place (with their maintainer stints in one more query), the term in
force on the date, and the organisations along the community's region lineage.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from pmsys import categories
from pmsys.assets.maintainers import Stint
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
        Organization.region_id.in_(bindparam("lineage", expanding=True)),
    )
    .order_by(Organization.code)
)
# The assets of a category in a community, with their stints and warranty contractors;
# gather_facts narrows it to those that could cover the place.
_ASSETS = (
    select(Asset)
    .options(
        selectinload(Asset.stints).joinedload(AssetMaintainer.organization),
        joinedload(Asset.warranty_contractor),
    )
    .where(Asset.community_id == bindparam("community_id"),
           Asset.category == bindparam("category"))
)


def _serving(session: Session, kind: OrgKind, category: str, lineage: list[int]):
    """Organisations of `kind` serving `category` along the lineage, nearest region first."""
    order = {region_id: index for index, region_id in enumerate(lineage)}
    rows = session.scalars(_SERVING, {"kind": kind, "category": category,
                                      "lineage": list(order)}).all()
    return tuple(_org(o) for o in sorted(rows, key=lambda o: order[o.region_id]))


def _could_cover(place: Place, category: str):
    """The assets that can matter: the named one, or those covering the place.

    Gas looks at every gas asset of the community (docs/domain.md#routing step 2), so it is
    not narrowed; for the rest, only assets of the place's unit, its building or
    the whole community can be chosen by routing.
    """
    if category == "gas":
        return Asset.id.isnot(None)
    unit = place.unit or (place.household.unit if place.household else None)
    building_id = place.building.id if place.building else (unit.building_id if unit else None)
    covering = [Asset.building_id.is_(None)]
    if building_id is not None:
        covering.append(and_(Asset.building_id == building_id, Asset.unit_id.is_(None)))
    if unit is not None:
        covering.append(Asset.unit_id == unit.id)
    if place.asset is not None:
        covering.append(Asset.id == place.asset.id)
    return or_(*covering)


def gather_facts(session: Session, place: Place, category: str, on: date) -> routing.Facts:
    """Collect what `routing.route()` needs for a ticket at `place` on `on`."""
    spec = categories.get(category)
    assets = session.scalars(_ASSETS.where(_could_cover(place, category)),
                             {"community_id": place.community.id, "category": category}).all()
    facts_assets = tuple(
        routing.AssetFacts(
            id=a.id,
            code=a.code,
            name=a.name or a.code,
            category=a.category,
            building_id=a.building_id,
            unit_id=a.unit_id,
            warranty_contractor=_org(a.warranty_contractor),
            warranty_until=a.warranty_until,
            stints=tuple(Stint(_org(s.organization), s.start, s.end) for s in a.stints),
        )
        for a in assets
    )
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
