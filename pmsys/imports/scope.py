"""What part of a region bundle an administrator may load (RELIABILITY.md §3).

A system administrator (and unattended work: the CLI, the demo) may load
anything. A housing-bureau administrator loads only its own area: regions,
organisations, communities, people and logins inside its region, never
deployment-wide settings, and never logins of its own rank or above — so an
import can neither reach a community it cannot see nor make a new
administrator or take over an existing account.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from pmsys.auth import permissions
from pmsys.imports.bulk import objects_among, rows_among
from pmsys.imports.fields import Problems
from pmsys.imports.validation import Parsed
from pmsys.models.assets import Asset
from pmsys.models.auth import Organization, Role, User
from pmsys.models.places import (
    Building,
    Community,
    Household,
    HouseholdResident,
    Person,
    Region,
    Unit,
)

PRIVILEGED_ROLES = frozenset({Role.bureau_admin.value, Role.sysadmin.value})
OUTSIDE = "outside your area"


def check_scope(session: Session, actor, parsed: Parsed, problems: Problems) -> None:
    """Add a problem for every part of the bundle that `actor` may not load."""
    if isinstance(actor, str) or actor.role is Role.sysadmin:
        return
    home = actor.organization.region_id if actor.organization else None
    area_ids = set(session.scalars(permissions.region_subtree(home))) if home else set()
    area_codes = set(session.scalars(select(Region.code).where(Region.id.in_(area_ids))))
    named = {r.get("code") for r in parsed.regions} | {r.get("parent") for r in parsed.regions}
    named |= {c.get("street") for c in parsed.communities}
    named |= {o.get("region") for o in parsed.organizations}
    known_regions = dict(session.execute(
        select(Region.code, Region.id).where(Region.code.in_([c for c in named if c]))
    ).all())
    # Unknown references are reported by the reference checks, not here.
    exists = set(known_regions) | {r.get("code") for r in parsed.regions}

    if parsed.settings:
        problems.add("settings", "only a system administrator may change deployment settings")

    # Regions: new ones hang below the area; existing ones lie in it.
    pending = list(parsed.regions)
    while pending:
        placed = [r for r in pending
                  if (r.get("code") in known_regions and known_regions[r.get("code")] in area_ids)
                  or r.get("parent") in area_codes]
        for region in placed:
            code = region.get("code")
            if code not in known_regions or known_regions[code] in area_ids:
                area_codes.add(code)
        if not placed:
            break
        pending = [r for r in pending if r not in placed]
    for region in parsed.regions:
        if region.get("code") not in area_codes:
            problems.add(region.at("code"), OUTSIDE)

    area_communities = set(session.scalars(
        select(Community.code).where(Community.street_id.in_(area_ids))
    ))
    existing_communities = set(session.scalars(
        select(Community.code).where(Community.code.in_(list(parsed.community_index)))
    ))
    for community in parsed.communities:
        code = community.get("code")
        if code in existing_communities and code not in area_communities:
            problems.add(community.at("code"), OUTSIDE)
        elif community.get("street") in exists and community.get("street") not in area_codes:
            problems.add(community.at("street"), OUTSIDE)
        else:
            area_communities.add(code)

    _check_organizations(session, parsed, problems, area_codes, area_communities, exists)
    users = _existing_users(session, parsed)
    user_people = [u.person.code for u in users.values() if u.person]
    outside_people = _people_outside(
        session, [*parsed.person_index, *user_people], area_communities
    )
    for person in parsed.people:
        if person.get("code") in outside_people:
            problems.add(person.at("code"), OUTSIDE)
    _check_users(parsed, users, problems, area_codes, area_communities, outside_people)

    for term in parsed.management_terms:
        if term.get("community") not in area_communities:
            problems.add(term.at("community"), OUTSIDE)
    for item in (*parsed.fee_standards, *parsed.fund_entries, *parsed.building_leaders):
        if item.get("community") not in area_communities:
            problems.add(item.at("community"), OUTSIDE)
    for project in parsed.projects:
        if any(code not in area_communities for code in project.get("communities") or []):
            problems.add(project.at("communities"), OUTSIDE)
    for asset in parsed.assets:
        if asset.get("community") not in area_communities:
            problems.add(asset.at("community"), OUTSIDE)
    _check_handovers(session, parsed, problems, area_communities)


def _check_handovers(session, parsed: Parsed, problems: Problems, area_communities) -> None:

    named = {code for h in parsed.handovers for code in (h.get("assets") or [])}
    places = {a.get("code"): a.get("community") for a in parsed.assets}
    missing = [code for code in named if code not in places]
    if missing:
        places.update(rows_among(
            session,
            select(Asset.code, Community.code).join(Community, Community.id == Asset.community_id),
            Asset.code, missing,
        ))
    for handover in parsed.handovers:
        placed = [places[code] for code in handover.get("assets") or [] if code in places]
        if any(community not in area_communities for community in placed):
            problems.add(handover.at("assets"), OUTSIDE)


def _check_organizations(session, parsed, problems, area_codes, area_communities,
                         exists) -> None:
    codes = list(parsed.org_index)
    existing = {
        org.code: org
        for org in session.scalars(select(Organization).where(Organization.code.in_(codes)))
    }
    for org in parsed.organizations:
        found = existing.get(org.get("code"))
        if found is not None and not _org_in_area(found, area_codes, area_communities):
            problems.add(org.at("code"), OUTSIDE)
        elif org.get("community") and org.get("community") not in area_communities:
            problems.add(org.at("community"), OUTSIDE)
        elif (not org.get("community") and org.get("region") in exists
              and org.get("region") not in area_codes):
            problems.add(org.at("region"), OUTSIDE)


def _org_in_area(org: Organization, area_codes: set[str], area_communities: set[str]) -> bool:
    if org.community is not None:
        return org.community.code in area_communities
    return org.region is not None and org.region.code in area_codes


def _people_outside(session, codes: list[str], area_communities: set[str]) -> set[str]:
    """The existing people among `codes` who neither own nor live in the area."""
    existing = set(objects_among(session, select(Person.code), Person.code, codes))
    if not existing:
        return set()
    in_area = (
        select(Household.id)
        .join(Unit, Unit.id == Household.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .join(Community, Community.id == Building.community_id)
        .where(Community.code.in_(area_communities))
    )
    lived = select(HouseholdResident.person_id).where(HouseholdResident.household_id.in_(in_area))
    inside = select(Person.code).where(
        or_(Person.id.in_(select(Household.owner_id).where(Household.id.in_(in_area))),
            Person.id.in_(lived)),
    )
    return existing - set(objects_among(session, inside, Person.code, existing))


def _existing_users(session, parsed: Parsed) -> dict[str, User]:
    names = [u.get("username") for u in parsed.users]
    return {u.username: u for u in session.scalars(select(User).where(User.username.in_(names)))}


def _check_users(parsed, existing, problems, area_codes, area_communities, outside_people):
    for user in parsed.users:
        if user.get("role") in PRIVILEGED_ROLES:
            problems.add(user.at("role"), "only a system administrator may grant this role")
            continue
        found = existing.get(user.get("username"))
        if found is not None:
            if found.role.value in PRIVILEGED_ROLES:
                problems.add(user.at("username"),
                             "only a system administrator may change this login")
                continue
            if found.organization is not None and not _org_in_area(
                found.organization, area_codes, area_communities
            ):
                problems.add(user.at("username"), OUTSIDE)
                continue
            if found.person is not None and found.person.code in outside_people:
                problems.add(user.at("username"), OUTSIDE)
                continue
        if user.get("person") in outside_people:
            problems.add(user.at("person"), OUTSIDE)
