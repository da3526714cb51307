"""The three full coverages (三个全覆盖, docs/domain.md#three-coverages): on a day, how many
communities of each child region have a management term in force, a committee in office and
a Party organisation recorded, and which communities miss each.

CONTRACT (written first; the body follows it exactly).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from pmsys.auth import permissions
from pmsys.errors import Forbidden
from pmsys.governance import access
from pmsys.governance.services.coverage import term_in_force
from pmsys.models.auth import Organization, OrgKind
from pmsys.models.governance import Committee, CommitteeStatus
from pmsys.models.places import Community, Region
from pmsys.places.services import region_or_404

COVERAGES = ("managed", "committee", "party")


def committee_in_office(on: date):
    """Whether the outer Community had a committee (owners' or interim) in office on `on`.

    In office: active now, or once active and since expired; its term started on or before
    `on` (unknown for an imported committee) and neither its term end nor the day it was
    ended comes before `on`. A preparation abandoned never was in office.
    """
    return exists().where(
        Committee.community_id == Community.id,
        or_(Committee.status == CommitteeStatus.active,
            and_(Committee.status == CommitteeStatus.expired,
                 Committee.activated_at.is_not(None))),
        or_(Committee.term_start.is_(None), Committee.term_start <= on),
        or_(Committee.term_end.is_(None), Committee.term_end >= on),
        or_(Committee.ended_on.is_(None), Committee.ended_on >= on),
    )


def party_recorded():
    """Whether a Party organisation (kind party_organization) is bound to the outer Community."""
    return exists().where(Organization.community_id == Community.id,
                          Organization.kind == OrgKind.party_organization)


def _child_of(regions: dict[int, tuple], street_id: int, top: int | None) -> int:
    """The region just below `top` on the way up from the street (the street itself if it is
    `top`, or the street's root region when `top` is None)."""
    node = street_id
    while node != top and regions[node][2] is not None and regions[node][2] != top:
        node = regions[node][2]
    return node


def three_coverages(session: Session, actor, on: date, region: str | None = None) -> dict:
    """The three coverages over the communities `actor` sees within `region`, per child region.

    region: a region code within the reader's own (default the reader's own; a sysadmin's
    default is every region) — else NotFound "region_not_found". Readers as the management
    coverage (`access.may_read_coverage`) else Forbidden. Returns
    {"on": "YYYY-MM-DD", "region": code or None,
     "items": [{"key": child region code, "name", "communities", "managed", "committee",
                "party"}] (counts; ordered by key; a street region is its own only item),
     "total": {"communities", "managed", "committee", "party"},
     "missing": {"managed" | "committee" | "party": [{"code", "name", "street",
                  "street_name"}] ordered by code}}.
    managed: a term in force on `on`; committee: `committee_in_office`; party:
    `party_recorded`. Three statements whatever the number of communities (after the region).
    """
    if not access.may_read_coverage(actor):
        raise Forbidden("coverage is for the bureau and the street offices")
    place = region_or_404(session, actor, region)
    flags = {
        "managed": exists().where(*term_in_force(on)).correlate(Community),
        "committee": committee_in_office(on).correlate(Community),
        "party": party_recorded().correlate(Community),
    }
    seen = [permissions.community_clause(actor)]
    if place is not None:
        seen.append(Community.street_id.in_(permissions.region_subtree(place.id)))
    counts = session.execute(
        select(Community.street_id, func.count(Community.id),
               *(func.sum(case((flag, 1), else_=0)) for flag in flags.values()))
        .where(*seen).group_by(Community.street_id)
    ).all()
    regions = {rid: (code, name, parent) for rid, code, name, parent in session.execute(
        select(Region.id, Region.code, Region.name, Region.parent_id))}
    top = place.id if place is not None else None
    groups: dict[int, dict] = {}
    total = dict.fromkeys(("communities", *COVERAGES), 0)
    for street_id, communities, *covered in counts:
        child = _child_of(regions, street_id, top)
        group = groups.setdefault(child, dict.fromkeys(("communities", *COVERAGES), 0))
        for figures in (group, total):
            figures["communities"] += communities
            for name, n in zip(COVERAGES, covered, strict=True):
                figures[name] += int(n or 0)
    street = aliased(Region)
    gaps = session.execute(
        select(Community.code, Community.name, street.code, street.name,
               *(flag.label(name) for name, flag in flags.items()))
        .join(street, street.id == Community.street_id)
        .where(*seen, ~and_(*flags.values()))
        .order_by(Community.code)
    ).all()
    missing: dict[str, list[dict]] = {name: [] for name in COVERAGES}
    for code, name, street_code, street_name, *present in gaps:
        for coverage, there in zip(COVERAGES, present, strict=True):
            if not there:
                missing[coverage].append({"code": code, "name": name, "street": street_code,
                                          "street_name": street_name})
    items = [{"key": regions[rid][0], "name": regions[rid][1], **figures}
             for rid, figures in groups.items()]
    return {"on": on.isoformat(), "region": place.code if place is not None else None,
            "items": sorted(items, key=lambda item: item["key"]), "total": total,
            "missing": missing}
