"""Who may do what in governance (docs/domain.md#management, #committees): committees, votes, terms,
coverage.

Built on `auth.permissions` (visibility is always `community_clause`); kept
here so that module stays about visibility in general.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.orm import Session

from pmsys.auth import permissions
from pmsys.models.auth import Role
from pmsys.models.governance import Committee, CommitteeStatus, Vote, VoteRollEntry
from pmsys.models.places import Community

# Roles that read management coverage (docs/domain.md#coverage) for the communities they see.
COVERAGE_READERS = frozenset({Role.street_officer, Role.bureau_admin, Role.sysadmin})


def active_committee(session: Session, community: Community) -> Committee | None:
    """The committee (owners' or interim) in office for this community, if any."""
    return session.scalar(
        select(Committee).where(
            Committee.community_id == community.id, Committee.status == CommitteeStatus.active
        )
    )


def sits_on_committee(session: Session, actor, community: Community) -> bool:
    """Whether `actor` is a committee-member login of this community's committee in office."""
    if not permissions.is_active_user(actor) or actor.role is not Role.committee_member:
        return False
    committee = active_committee(session, community)
    return committee is not None and committee.organization_id == actor.organization_id


def oversees(session: Session, actor, community: Community) -> bool:
    """Whether `actor` is the community's street office (or its community office), or a sysadmin.

    The street office guides the committee's formation, vets candidates,
    appoints an interim committee and imposes community-mode management.
    """
    if not permissions.is_active_user(actor):
        return False
    if actor.role is Role.sysadmin:
        return True
    return permissions.may_arbitrate(session, actor, community)


def may_convene(session: Session, actor, community: Community) -> bool:
    """Whether `actor` convenes assembly votes, records paper ballots and closes votes here."""
    return sits_on_committee(session, actor, community) or oversees(session, actor, community)


def may_decide_terms(session: Session, actor, community: Community) -> bool:
    """Whether `actor` records a new management term for this community.

    The street office (and the bureau, as the registration authority) for
    every mode; the committee in office for the modes that rest on its
    assembly's vote (the service checks the basis).
    """
    return may_record_plan(session, actor, community) or sits_on_committee(
        session, actor, community
    )


def may_record_plan(session: Session, actor, community: Community) -> bool:
    """Whether `actor` records a long-term management plan (docs/domain.md#plans) here: the
    street office (or community office) of the community, the bureau that sees it, a
    sysadmin."""
    if not permissions.is_active_user(actor):
        return False
    if oversees(session, actor, community):
        return True
    return actor.role is Role.bureau_admin and permissions.can_see_community(
        session, actor, community
    )


def may_read_coverage(actor) -> bool:
    """Whether `actor`'s role reads management coverage (of the communities it sees)."""
    return permissions.is_active_user(actor) and actor.role in COVERAGE_READERS


def vote_clause(actor) -> ColumnElement[bool]:
    """The filter on Vote for the votes `actor` may see: those of the communities it sees.

    Residents (owners and tenants alike) see their community's votes, and an
    owner on a vote's frozen roll keeps seeing it after selling during the vote;
    only an owner on the roll may vote (the service checks).
    """
    if not permissions.is_active_user(actor):
        return false()
    seen = select(Community.id).where(permissions.community_clause(actor))
    if actor.person_id is None:
        return Vote.community_id.in_(seen)
    # An owner on a frozen roll keeps the vote even after selling during it.
    on_roll = select(VoteRollEntry.vote_id).where(VoteRollEntry.person_id == actor.person_id)
    return or_(Vote.community_id.in_(seen), Vote.id.in_(on_roll))


def may_read_ballots(session: Session, actor, vote: Vote) -> bool:
    """Whether `actor` reads the ballot list (the convening side and the bureau).

    Owners read only their own ballot.
    """
    if not permissions.is_active_user(actor):
        return False
    community = vote.community
    if may_convene(session, actor, community):
        return True
    return actor.role is Role.bureau_admin and permissions.can_see_community(
        session, actor, community
    )
