"""Governance read services used by other domains."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from pmsys.auth.models import Organization, OrgKind


def active_committees(session: Session, community_ids: Iterable[int]) -> dict[int, Organization]:
    """The owners' committee in office for each of these communities that has one.

    A committee is recorded as an organisation of kind owners_committee bound to
    its community (DESIGN §6); its election and term arrive with governance.
    Where a community has several such organisations, the latest recorded wins.
    """
    ids = list(set(community_ids))
    if not ids:
        return {}
    rows = session.scalars(
        select(Organization).where(
            Organization.kind == OrgKind.owners_committee, Organization.community_id.in_(ids)
        ).order_by(Organization.id)
    )
    return {row.community_id: row for row in rows}
