"""A bundle's building leaders and grid workers (docs/domain.md#building-leaders).

An assignment names a login of the bundle whose role is `building_leader` or `grid_worker`,
a community of the bundle or the database, its buildings there and the day it starts. A grid
worker works for the community's street office or its community office. Written after the
logins and places through the leaders' service (`import_assignment`): a building the user
already holds on that day is left as it is, so importing again changes nothing.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from pmsys.imports.bulk import rows_among
from pmsys.imports.fields import Problems
from pmsys.imports.references import Lookup
from pmsys.imports.validation import Parsed
from pmsys.imports.writer import tally
from pmsys.models.auth import BUILDING_ROLES, Organization, OrgKind, Role
from pmsys.models.places import Community, Region
from pmsys.tickets.services.leaders import import_assignment

ASSIGNED = frozenset(role.value for role in BUILDING_ROLES)


def _org_regions(session: Session, parsed: Parsed, codes: set[str]) -> dict[str, str | None]:
    """Organisation code → the code of its region, the bundle's word first."""
    found = {code: region for code, region in rows_among(
        session, select(Organization.code, Region.code)
        .outerjoin(Region, Region.id == Organization.region_id), Organization.code, codes)}
    for code in codes:
        item = parsed.org_index.get(code)
        if item is not None and "region" in item.values:
            found[code] = item.get("region")
    return found


def _community_offices(session: Session, parsed: Parsed,
                       codes: set[str]) -> dict[str, tuple[str | None, str | None]]:
    """Community code → (its street's code, its community office's code)."""
    office = aliased(Organization)
    found = {code: (street, org) for code, street, org in rows_among(
        session, select(Community.code, Region.code, office.code)
        .join(Region, Region.id == Community.street_id)
        .outerjoin(office, office.id == Community.community_office_id),
        Community.code, codes)}
    for code in codes:
        item = parsed.community_index.get(code)
        if item is not None:
            street, org = found.get(code, (None, None))
            if "community_office" in item.values:
                org = item.get("community_office")
            found[code] = (item.get("street") or street, org)
    return found


def check_building_leaders(session: Session, parsed: Parsed, lookup: Lookup,
                           problems: Problems) -> None:
    """Add a problem for every assignment that cannot be written as the bundle says."""
    if not parsed.building_leaders:
        return
    users = {}
    for user in parsed.users:
        users.setdefault(user.get("username"), user)
    orgs = {users[name].get("org") for name in users if users[name].get("org")}
    org_regions = _org_regions(session, parsed, orgs)
    offices = _community_offices(session, parsed, {
        item.get("community") for item in parsed.building_leaders
        if lookup.has_community(item.get("community"))})
    for item in parsed.building_leaders:
        username, community = item.get("user"), item.get("community")
        user = users.get(username)
        if username is not None and (user is None or user.get("role") not in ASSIGNED):
            problems.add(item.at("user"), f"{username} is not a building_leader or grid_worker "
                                          "login of the bundle")
            user = None
        if community is None:
            continue
        if not lookup.has_community(community):
            problems.add(item.at("community"), f"unknown community {community}")
            continue
        for position, building in enumerate(item.get("buildings") or ()):
            if not lookup.has_building(community, building):
                problems.add(f"{item.at('buildings')}[{position}]",
                             f"unknown building {building} of {community}")
        if user is not None and user.get("role") == Role.grid_worker.value:
            org = user.get("org")
            street, office = offices.get(community, (None, None))
            kind = lookup.org_kind(org) if org else None
            serves = org is not None and (
                (kind == OrgKind.street_office.value and org_regions.get(org) == street)
                or (kind == OrgKind.community_office.value and org == office))
            if not serves:
                problems.add(item.at("user"), f"{username} works for neither the street office "
                                              f"nor the community office of {community}")


def write_building_leaders(session: Session, parsed: Parsed, existing, actor, counts) -> None:
    """Assign the bundle's buildings; an item assigning nothing new counts as unchanged."""
    for item in parsed.building_leaders:
        made = import_assignment(
            session, actor, existing.communities[item.get("community")],
            user=existing.users[item.get("user")], buildings=item.get("buildings"),
            start=item.get("start"))
        tally(counts, "building_leaders", made > 0, False)
