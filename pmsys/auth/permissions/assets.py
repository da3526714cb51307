"""Who sees and keeps assets, projects and hand-overs (docs/domain.md#projects, #handovers)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.orm import Session

from pmsys.auth.permissions.communities import _is_user, _visible_community_ids, can_see_community
from pmsys.models.assets import (
    Asset,
    AssetMaintainer,
    Handover,
    HandoverAsset,
    Project,
    ProjectCommunity,
    ProjectItem,
)
from pmsys.models.auth import Role
from pmsys.models.places import Community

# Roles that keep the asset register and record projects, within their region.
REGISTER_KEEPERS = frozenset({Role.bureau_admin, Role.sysadmin})
# Roles that oversee hand-overs in the communities they see without being a party.
HANDOVER_OVERSEERS = frozenset(
    {Role.committee_member, Role.street_officer, Role.bureau_admin, Role.sysadmin}
)


def asset_clause(actor) -> ColumnElement[bool]:
    """The filter on Asset for the assets `actor` may see.

    Everyone who sees a community sees its assets; an operator also sees the
    assets it maintains (or maintained) or holds under warranty, wherever they are.
    """

    if not _is_user(actor):
        return false()
    clauses = [Asset.community_id.in_(_visible_community_ids(actor))]
    if actor.organization_id is not None and actor.role is Role.operator:
        maintained = select(AssetMaintainer.asset_id).where(
            AssetMaintainer.organization_id == actor.organization_id
        )
        clauses += [
            Asset.warranty_contractor_id == actor.organization_id,
            Asset.id.in_(maintained),
        ]
    return or_(*clauses)


def project_clause(actor) -> ColumnElement[bool]:
    """The filter on Project: projects covering a community the actor sees, or its own work.

    "Its own work": the organisation is the project's contractor or the contractor
    of one of its items.
    """

    if not _is_user(actor):
        return false()
    covering = select(ProjectCommunity.project_id).where(
        ProjectCommunity.community_id.in_(_visible_community_ids(actor))
    )
    clauses = [Project.id.in_(covering)]
    if actor.organization_id is not None and actor.role is Role.operator:
        built = select(ProjectItem.project_id).where(
            ProjectItem.contractor_id == actor.organization_id
        )
        clauses += [Project.contractor_id == actor.organization_id, Project.id.in_(built)]
    return or_(*clauses)


def handover_clause(actor) -> ColumnElement[bool]:
    """The filter on Handover: the parties' own, and those over assets the actor oversees.

    Parties (staff of the transferor or the receiver) see theirs; committee members,
    street officers, bureau administrators and sysadmins see those touching
    communities they see. Residents, and managers or operators that are not a
    party, see none.
    """

    if not _is_user(actor):
        return false()
    clauses = []
    if actor.organization_id is not None:
        clauses += [
            Handover.from_org_id == actor.organization_id,
            Handover.to_org_id == actor.organization_id,
        ]
    if actor.role in HANDOVER_OVERSEERS:
        touching = (
            select(HandoverAsset.handover_id)
            .join(Asset, Asset.id == HandoverAsset.asset_id)
            .where(Asset.community_id.in_(_visible_community_ids(actor)))
        )
        clauses.append(Handover.id.in_(touching))
    return or_(*clauses) if clauses else false()


def may_keep_registers(actor) -> bool:
    """Whether `actor`'s role keeps projects and the asset register anywhere at all."""
    return _is_user(actor) and actor.role in REGISTER_KEEPERS


def can_keep_register(session: Session, actor, community: Community) -> bool:
    """Whether `actor` may record projects and assets for this community."""
    return may_keep_registers(actor) and can_see_community(session, actor, community)


# The bureau and the street offices watch the hand-over backlog (docs/domain.md#backlog); operators
# see their own worklist instead (the hand-overs waiting for them).
BACKLOG_READERS = frozenset({Role.bureau_admin, Role.street_officer, Role.sysadmin})


def can_see_handover_backlog(actor) -> bool:
    """Whether `actor` may read the hand-over backlog report (of the communities it sees)."""
    return _is_user(actor) and actor.role in BACKLOG_READERS
