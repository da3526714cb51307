"""The hand-over backlog (docs/domain.md#backlog): utility assets not handed over in time.

Two readings of one rule set: `handover_backlog` gives each overdue asset as the ORM
objects the page and its Excel export show; `handover_backlog_rows` gives the same assets
as plain codes, which is all the API answers with (a city has thousands of overdue assets,
and building an object graph for each costs more than the statement). Both run the same
statement (`_overdue`) and the same rules: deadline, open hand-over, expected receiver.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

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

_receiver = aliased(Organization, name="receiver")


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


@dataclass(frozen=True)
class BacklogRow:
    """One overdue asset in codes, as the API lists it; `receiver` is (code, name)."""

    asset: str
    category: str
    community: str
    street: str
    project: str
    accepted_on: date
    days_overdue: int
    handover: str | None
    handover_status: HandoverStatus | None
    receiver: tuple[str, str] | None


@dataclass
class Backlog:
    """The overdue assets and their counts by category, street code and receiver code.

    `items`: BacklogItem from handover_backlog, BacklogRow from handover_backlog_rows.
    """

    items: list = field(default_factory=list)
    by_category: Counter = field(default_factory=Counter)
    by_street: Counter = field(default_factory=Counter)
    by_receiver: Counter = field(default_factory=Counter)

    def count(self, category: str, street: str, receiver: str | None) -> None:
        self.by_category[category] += 1
        self.by_street[street] += 1
        self.by_receiver[receiver or "-"] += 1


def handover_backlog(session: Session, actor, on: date, region: str | None = None) -> Backlog:
    """List utility assets not handed over more than N days after their project's acceptance.

    N is the setting handover_overdue_days of the asset's street (90 by default).
    An asset leaves the backlog on the day its hand-over takes effect. The bureau
    and the street offices read it (docs/domain.md#backlog), each for the communities it sees
    (bureau: its district; street officer: its street); everyone else is refused
    (403): operators follow the hand-overs waiting for them instead. Oldest first.
    """
    report = Backlog()
    for row, days, nearest in _overdue(session, actor, on, region,
                                       Asset, Project, Community, Region, Handover, _receiver):
        receiver = row.receiver if row.Handover is not None else nearest
        report.items.append(BacklogItem(row.Asset, row.Community, row.Region, row.Project, days,
                                        row.Handover, receiver))
        report.count(row.category, row.street, receiver.code if receiver else None)
    return report


def handover_backlog_rows(session: Session, actor, on: date, region: str | None = None
                          ) -> Backlog:
    """handover_backlog's assets, counts and refusals, each asset as a BacklogRow of codes."""
    report = Backlog()
    for row, days, nearest in _overdue(
            session, actor, on, region, Asset.code.label("asset"),
            Community.code.label("community"), Project.code.label("project"),
            Handover.code.label("handover"), Handover.status.label("handover_status"),
            _receiver.code.label("receiver_code"), _receiver.name.label("receiver_name")):
        if row.handover is not None:
            receiver = (row.receiver_code, row.receiver_name)
        else:
            receiver = (nearest.code, nearest.name) if nearest else None
        report.items.append(BacklogRow(
            row.asset, row.category, row.community, row.street, row.project, row.accepted_on,
            days, row.handover, row.handover_status, receiver))
        report.count(row.category, row.street, receiver[0] if receiver else None)
    return report


def _overdue(session: Session, actor, on: date, region: str | None, *columns):
    """The overdue assets, oldest acceptance first: (row, days overdue, nearest utility).

    Each row holds `columns` and the columns the rules read (category, accepted_on,
    street_id, street); the asset's open hand-over and its receiver are outer-joined, so
    `columns` may name Handover and `_receiver`. The nearest utility serving the category
    (or None) is the receiver when there is no open hand-over.
    """
    if not permissions.can_see_handover_backlog(actor):
        raise Forbidden("the hand-over backlog is for the housing bureau and street offices")
    handed_over = exists().where(
        AssetMaintainer.asset_id == Asset.id,
        AssetMaintainer.start <= on,
        AssetMaintainer.handover_id.is_not(None),
    )
    opened = _open_handovers(on)
    query = (
        select(*columns, Asset.category.label("category"),
               Project.accepted_on.label("accepted_on"),
               Community.street_id.label("street_id"), Region.code.label("street"))
        .select_from(Asset)
        .join(Project, Project.id == Asset.project_id)
        .join(Community, Community.id == Asset.community_id)
        .join(Region, Region.id == Community.street_id)
        .outerjoin(opened, and_(opened.c.asset_id == Asset.id, opened.c.newest == 1))
        .outerjoin(Handover, Handover.id == opened.c.handover_id)
        .outerjoin(_receiver, _receiver.id == Handover.to_org_id)
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
    if not rows:
        return []
    limits = {street_id: int(days) for street_id, days in get_settings(
        session, "handover_overdue_days", {row.street_id for row in rows}).items()}
    nearest = _Receivers(session)
    found = []
    for row in rows:
        days = (on - row.accepted_on).days - limits[row.street_id]
        if days > 0:
            found.append((row, days, nearest(row.category, row.street_id)))
    return found


def _open_handovers(on: date):
    """Per asset, its hand-overs not effective by `on`, `newest` = 1 for the latest made."""
    return (
        select(HandoverAsset.asset_id, Handover.id.label("handover_id"),
               func.row_number().over(partition_by=HandoverAsset.asset_id,
                                      order_by=(Handover.created_at.desc(), Handover.id.desc()))
               .label("newest"))
        .join(Handover, Handover.id == HandoverAsset.handover_id)
        .where(or_(Handover.status != HandoverStatus.effective, Handover.effective_on > on))
        .subquery("open_handovers")
    )


class _Receivers:
    """The one utility serving a category nearest a street, if exactly one is that near.

    Reads the utilities and the region tree once (two statements), and answers each
    (category, street) once.
    """

    def __init__(self, session: Session):
        self.serving: dict[str, list[Organization]] = {}
        for category, org in session.execute(
                select(OrganizationCategory.category, Organization)
                .join(Organization, Organization.id == OrganizationCategory.organization_id)
                .where(Organization.kind == OrgKind.utility)):
            self.serving.setdefault(category, []).append(org)
        self.parents = dict(session.execute(select(Region.id, Region.parent_id)).all())
        self.known: dict[tuple[str, int], Organization | None] = {}

    def __call__(self, category: str, street_id: int) -> Organization | None:
        key = (category, street_id)
        if key not in self.known:
            self.known[key] = self._nearest(category, street_id)
        return self.known[key]

    def _nearest(self, category: str, region_id: int | None) -> Organization | None:
        candidates = self.serving.get(category, [])
        while region_id is not None:  # the street, then its ancestors
            here = [org for org in candidates if org.region_id == region_id]
            if len(here) == 1:
                return here[0]
            if here:
                return None  # several carriers: the receiver is whichever the bureau chooses
            region_id = self.parents.get(region_id)
        return None
