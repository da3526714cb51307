"""The codes a parsed bundle names, which the database is asked about before it is checked
(pmsys/imports/references.py checks the bundle against what is found).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pmsys.imports.fields import Item
from pmsys.imports.validation import Parsed


@dataclass
class Wanted:
    """The codes the database is asked about before the bundle is checked."""

    regions: set[str] = field(default_factory=set)
    organizations: set[str] = field(default_factory=set)
    people: set[str] = field(default_factory=set)
    communities: set[str] = field(default_factory=set)
    usernames: set[str] = field(default_factory=set)
    # Communities whose existing terms matter, and whose owners' committee does.
    term_communities: set[str] = field(default_factory=set)
    committee_communities: set[str] = field(default_factory=set)
    projects: set[str] = field(default_factory=set)
    assets: set[str] = field(default_factory=set)
    handovers: set[str] = field(default_factory=set)
    # Communities whose buildings and units the assets name.
    place_communities: set[str] = field(default_factory=set)
    # Communities whose fee standards and bills matter.
    fee_communities: set[str] = field(default_factory=set)


def _codes(items: list[Item], *names: str) -> set[str]:
    found = set()
    for item in items:
        values = item.values
        for name in names:
            value = values.get(name)
            if isinstance(value, str):
                found.add(value)
    return found


def wanted_codes(parsed: Parsed) -> Wanted:
    """Name every row of the database that the bundle defines or refers to."""
    wanted = Wanted()
    wanted.regions = (
        _codes(parsed.regions, "code", "parent")
        | _codes(parsed.organizations, "region")
        | _codes(parsed.communities, "street")
    )
    items = [entry for project in parsed.projects for entry in project.get("items") or []]
    wanted.organizations = (
        _codes(parsed.organizations, "code")
        | _codes(parsed.communities, "community_office")
        | _codes(parsed.users, "org")
        | _codes(parsed.management_terms, "org")
        | _codes(parsed.projects, "contractor")
        | _codes(items, "contractor")
        | _codes(parsed.assets, "warranty_contractor")
        | _codes(parsed.handovers, "from", "to")
    )
    wanted.people = _codes(parsed.people, "code") | _codes(parsed.users, "person")
    for _community, _building, _unit, household in parsed.households():
        owner, residents = household.values.get("owner"), household.values.get("residents")
        if isinstance(owner, str):
            wanted.people.add(owner)
        if residents:
            wanted.people.update(residents)
    wanted.term_communities = _codes(parsed.management_terms, "community")
    wanted.committee_communities = _codes(parsed.organizations, "community")
    wanted.place_communities = {
        asset.get("community") for asset in parsed.assets
        if isinstance(asset.get("community"), str) and asset.get("building") is not None
    }
    wanted.fee_communities = _codes(parsed.fee_standards, "community")
    # The buildings of the building leaders' communities are checked like the assets'.
    wanted.place_communities |= _codes(parsed.building_leaders, "community")
    wanted.communities = (
        _codes(parsed.communities, "code") | wanted.term_communities
        | wanted.committee_communities | _codes(items, "community")
        | _codes(parsed.assets, "community") | wanted.fee_communities
        | _codes(parsed.fund_entries, "community") | wanted.place_communities
    )
    for project in parsed.projects:
        wanted.communities.update(project.get("communities") or [])
    wanted.usernames = _codes(parsed.users, "username")
    wanted.projects = _codes(parsed.projects, "code") | _codes(parsed.assets, "project")
    wanted.assets = _codes(parsed.assets, "code")
    for handover in parsed.handovers:
        wanted.assets.update(handover.get("assets") or [])
    wanted.handovers = _codes(parsed.handovers, "code")
    return wanted
