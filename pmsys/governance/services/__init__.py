"""Governance services: committees, votes, terms, coverage; and the read used by other domains."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from pmsys.auth.models import Organization
from pmsys.governance.models import Committee, CommitteeStatus


def active_committees(session: Session, community_ids: Iterable[int]) -> dict[int, Organization]:
    """The organisation of the committee in office for each of these communities that has one.

    The committee in office is the one whose status is active (docs/domain.md#committees): an
    elected owners' committee or an interim management committee acting for
    the owners. Hand-over and acceptance sign-offs name its organisation.
    """
    ids = list(set(community_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(Committee.community_id, Organization)
        .join(Organization, Organization.id == Committee.organization_id)
        .where(Committee.status == CommitteeStatus.active, Committee.community_id.in_(ids))
    )
    return {community_id: org for community_id, org in rows}
