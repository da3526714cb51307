"""The hand-over backlog (docs/domain.md#backlog): utility assets not handed over in time."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from pmsys.auth import permissions
from pmsys.categories import UTILITY_CODES
from pmsys.errors import Forbidden, NotFound
from pmsys.models.assets import (
    Asset,
    AssetMaintainer,
    Handover,
    HandoverAsset,
    HandoverStatus,
    Project,
)
from pmsys.models.auth import Organization, OrganizationCategory, OrgKind
from pmsys.models.places import Community, Region
from pmsys.settings import get_settings


@dataclass
class BacklogItem:
    """One overdue asset: how long past the deadline, and where its hand-over stands."""

    asset: Asset
    community: Community
    street: Region
    project: Project
    days_overdue: int
    handover: Handover | None
    receiver: Organization | None


@dataclass
class Backlog:
    """The overdue assets and their counts by category, street code and receiver code."""

    items: list[BacklogItem] = field(default_factory=list)
    by_category: Counter = field(default_factory=Counter)
    by_street: Counter = field(default_factory=Counter)
    by_receiver: Counter = field(default_factory=Counter)


def handover_backlog(session: Session, actor, on: date, region: str | None = None) -> Backlog:
    """List utility assets not handed over more than N days after their project's acceptance.

    N is the setting handover_overdue_days of the asset's street (90 by default).
    An asset leaves the backlog on the day its hand-over takes effect. The bureau
    and the street offices read it (docs/domain.md#backlog), each for the communities it sees
    (bureau: its district; street officer: its street); everyone else is refused
    (403): operators follow the hand-overs waiting for them instead. Oldest first.
    """
    if not permissions.can_see_handover_backlog(actor):
        raise Forbidden("the hand-over backlog is for the housing bureau and street offices")
    handed_over = exists().where(
        AssetMaintainer.asset_id == Asset.id,
        AssetMaintainer.start <= on,
        AssetMaintainer.handover_id.is_not(None),
    )
    query = (
        select(Asset, Project, Community, Region)
        .join(Project, Project.id == Asset.project_id)
        .join(Community, Community.id == Asset.community_id)
        .join(Region, Region.id == Community.street_id)
        .where(
            Project.accepted_on.is_not(None),
            Project.accepted_on < on,
            Asset.category.in_(sorted(UTILITY_CODES)),
            ~handed_over,
            Community.id.in_(select(Community.id).where(permissions.community_clause(actor))),
        )
        .order_by(Project.accepted_on, Asset.code)
    )
    if region:
        scope = session.scalar(select(Region).where(Region.code == region))
        if scope is None:
            raise NotFound(f"no region {region}", code="region_not_found")
        # Resolved first: the actor's clause may hold a region subtree of its own, and
        # two recursive CTEs of one name cannot share a statement.
        within = list(session.scalars(permissions.region_subtree(scope.id)))
        query = query.where(Community.street_id.in_(within))
    rows = session.execute(query).all()
    limits = {street_id: int(days) for street_id, days in get_settings(
        session, "handover_overdue_days", {row[3].id for row in rows}).items()}
    report = Backlog()
    overdue = []
    for asset, project, community, street in rows:
        deadline = project.accepted_on + timedelta(days=limits[street.id])
        if on > deadline:
            overdue.append((asset, project, community, street, (on - deadline).days))
    open_handovers = _open_handovers(session, [row[0].id for row in overdue], on)
    receivers = _serving_utilities(session)
    # The region tree in one statement, for each street's lineage (_nearest), instead of a
    # statement per district and city reached through Region.parent.
    regions = {region.id: region for region in session.scalars(select(Region))} if overdue else {}
    for asset, project, community, street, days in overdue:
        handover = open_handovers.get(asset.id)
        receiver = (handover.to_org if handover
                    else _nearest(receivers, asset.category, _lineage(street, regions)))
        report.items.append(BacklogItem(asset, community, street, project, days, handover,
                                        receiver))
        report.by_category[asset.category] += 1
        report.by_street[street.code] += 1
        report.by_receiver[receiver.code if receiver else "-"] += 1
    return report


def _open_handovers(session: Session, asset_ids: list[int], on: date) -> dict[int, Handover]:
    """The hand-over of each asset that had not taken effect by `on`, if any."""
    if not asset_ids:
        return {}
    rows = session.execute(
        select(HandoverAsset.asset_id, Handover)
        .join(Handover, Handover.id == HandoverAsset.handover_id)
        .where(
            HandoverAsset.asset_id.in_(asset_ids),
            or_(Handover.status != HandoverStatus.effective, Handover.effective_on > on),
        )
        .order_by(Handover.created_at, Handover.id)
    ).all()
    return {asset_id: handover for asset_id, handover in rows}  # the newest wins


def _serving_utilities(session: Session) -> dict[str, list[Organization]]:
    rows = session.execute(
        select(OrganizationCategory.category, Organization)
        .join(Organization, Organization.id == OrganizationCategory.organization_id)
        .where(Organization.kind == OrgKind.utility)
    ).all()
    serving: dict[str, list[Organization]] = {}
    for category, org in rows:
        serving.setdefault(category, []).append(org)
    return serving


def _lineage(street: Region, regions: dict[int, Region]) -> list[Region]:
    """The street and its ancestors, nearest first (Region.lineage, read from `regions`)."""
    chain = [street]
    while chain[-1].parent_id is not None:
        chain.append(regions[chain[-1].parent_id])
    return chain


def _nearest(serving: dict[str, list[Organization]], category: str, lineage: list[Region]):
    """The one utility serving `category` nearest the street, if exactly one is that near.

    `lineage`: the street and its ancestors, nearest first.
    """
    candidates = serving.get(category, [])
    for region in lineage:
        here = [org for org in candidates if org.region_id == region.id]
        if len(here) == 1:
            return here[0]
        if here:
            return None  # several carriers: the receiver is whichever the bureau chooses
    return None
