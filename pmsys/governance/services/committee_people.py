"""The people and logins of a committee: its organisation, its members, their logins."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from pmsys import audit
from pmsys.errors import InvalidInput
from pmsys.models.auth import Organization, OrgKind, Role, User
from pmsys.models.governance import MemberRole
from pmsys.models.places import Community, Person


def committee_org(session: Session, community: Community, name: str):
    """The community's owners_committee organisation (created with code "<community>-YWH" if none).

    Its name is set to `name` (the kind of committee now in office).
    """
    org = session.scalar(select(Organization).where(
        Organization.kind == OrgKind.owners_committee, Organization.community_id == community.id
    ).order_by(Organization.id).limit(1))
    if org is None:
        code, n = f"{community.code}-YWH", 1
        while session.scalar(select(Organization.id).where(Organization.code == code)):
            n += 1
            code = f"{community.code}-YWH{n}"
        org = Organization(code=code, kind=OrgKind.owners_committee, community_id=community.id,
                           region_id=community.street_id)
        session.add(org)
    org.name = name
    session.flush()
    return org


def person_by_code(session: Session, code: str) -> Person | None:
    """The person with this code, or None (also for non-string input)."""
    if not isinstance(code, str) or not code.strip() or len(code) > 64:
        return None
    return session.scalar(select(Person).where(Person.code == code))


def members_from(session: Session, pairs, allowed: dict[str, int] | None) -> dict[int, MemberRole]:
    """Person id → role from (person code, role) pairs: known people once each, one director.

    With `allowed` (code → person id), exactly those people.
    """
    chosen: dict[int, MemberRole] = {}
    for pair in pairs:
        code, role = pair if isinstance(pair, (tuple, list)) and len(pair) == 2 else (None, None)
        person_id = (allowed.get(code) if allowed is not None and isinstance(code, str)
                     else getattr(person_by_code(session, code), "id", None))
        known_role = isinstance(role, str) and role in MemberRole.__members__
        if person_id is None or person_id in chosen or not known_role:
            raise InvalidInput(f"unknown or repeated member {code!r}, or unknown role {role!r}",
                               fields={"members": "known people once each, with a role"})
        chosen[person_id] = MemberRole(role)
    if allowed is not None and set(chosen) != set(allowed.values()):
        raise InvalidInput("members must be exactly the approved candidates",
                           fields={"members": "the approved candidates"})
    if list(chosen.values()).count(MemberRole.director) != 1:
        raise InvalidInput("a committee has exactly one director",
                           fields={"members": "exactly one director"})
    return chosen


def switch_logins(session: Session, actor, person_ids: set[int], org_id: int,
                   grant: bool) -> None:
    """Make these people's resident logins committee logins of the org (grant), or back."""
    if not person_ids:
        return
    before = (Role.resident, None) if grant else (Role.committee_member, org_id)
    after = (Role.committee_member, org_id) if grant else (Role.resident, None)
    query = select(User).where(User.person_id.in_(person_ids), User.role == before[0])
    if not grant:
        query = query.where(User.organization_id == org_id)
    for user in session.scalars(query.order_by(User.id)):
        user.role, user.organization_id = after
        audit.record(session, actor, "role_granted" if grant else "role_revoked", "user",
                     user.username, role=Role.committee_member.value, organization_id=org_id)
    session.flush()
