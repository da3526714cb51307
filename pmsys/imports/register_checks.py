"""Checking a bundle's projects, assets and hand-overs against the bundle and the database.

Pure rules over `references.Known`, like references.py: contractors must be
contractors and receivers operators, assets must lie in their project's
communities, and every new hand-over must follow its assets' maintenance
history exactly as pmsys.assets.maintainers.hand_over computes it. A hand-over
already recorded must come back unchanged: an effective one is history.
"""

from __future__ import annotations

from datetime import date

from pmsys.assets.maintainers import HistoryConflict, Stint, hand_over
from pmsys.imports.fields import Item, Problems
from pmsys.imports.references import Known, Lookup, RecordedHandover, check_org_kind, is_set
from pmsys.imports.validation import Parsed
from pmsys.models.auth import ROLE_ORG_KINDS, OrgKind, Role

CONTRACTOR = frozenset({OrgKind.contractor.value})


def check_register(parsed: Parsed, known: Known, problems: Problems) -> None:
    """Check every reference and history rule of the bundle's projects, assets and hand-overs."""
    lookup = Lookup(parsed, known)
    _check_projects(parsed, known, lookup, problems)
    _check_assets(parsed, known, lookup, problems)
    _check_handovers(parsed, known, lookup, problems)


def _check_projects(parsed: Parsed, known: Known, lookup: Lookup, problems: Problems) -> None:
    for project in parsed.projects:
        code_ = project.get("code")
        if is_set(project, "contractor"):
            check_org_kind(project, "contractor", lookup, CONTRACTOR, "the contractor must be",
                           problems)
        for position, community in enumerate(project.get("communities") or []):
            if not lookup.has_community(community):
                problems.add(f"{project.at('communities')}[{position}]",
                             f"unknown community {community}")
        _check_project_dates(project, known.project_dates.get(code_, (None, None)), problems)
        covered = lookup.coverage(code_) if code_ is not None else None
        for entry in project.get("items") or []:
            community = entry.get("community")
            if covered is not None and community is not None and community not in covered:
                problems.add(entry.at("community"),
                             f"{community} is not one of the project's communities")
            if is_set(entry, "contractor"):
                check_org_kind(entry, "contractor", lookup, CONTRACTOR,
                               "the contractor must be", problems)


def _check_project_dates(project: Item, recorded: tuple, problems: Problems) -> None:
    """Acceptance never precedes completion, counting the dates the bundle leaves as they are."""
    if {"completed_on", "accepted_on"} & project.refused:
        return
    completed = project.values.get("completed_on", recorded[0])
    accepted = project.values.get("accepted_on", recorded[1])
    if completed is None or accepted is None or accepted >= completed:
        return
    if "accepted_on" in project.values:
        problems.add(project.at("accepted_on"), f"before completed_on ({completed})")
    else:
        problems.add(project.at("completed_on"), f"after accepted_on ({accepted})")


def _check_assets(parsed: Parsed, known: Known, lookup: Lookup, problems: Problems) -> None:
    for asset in parsed.assets:
        code_, community = asset.get("code"), asset.get("community")
        if community is not None:
            before = known.asset_communities.get(code_)
            if not lookup.has_community(community):
                problems.add(asset.at("community"), f"unknown community {community}")
                community = None
            elif before is not None and before != community:
                problems.add(asset.at("community"),
                             f"{code_} belongs to {before}; an asset's community cannot change")
                community = None
        building, unit = asset.get("building"), asset.get("unit")
        if community is not None and building is not None:
            if not lookup.has_building(community, building):
                problems.add(asset.at("building"), f"unknown building {building} in {community}")
            elif unit is not None and not lookup.has_unit(community, building, unit):
                problems.add(asset.at("unit"), f"unknown unit {unit} in {community}/{building}")
        project = asset.get("project")
        if project is not None:
            covered = lookup.coverage(project)
            if not lookup.has_project(project):
                problems.add(asset.at("project"), f"unknown project {project}")
            elif covered is not None and community is not None and community not in covered:
                problems.add(asset.at("project"), f"{project} does not cover {community}")
        if is_set(asset, "warranty_contractor"):
            check_org_kind(asset, "warranty_contractor", lookup, CONTRACTOR,
                           "the warranty contractor must be", problems)
        _check_spaces(asset, known, problems)


def _check_spaces(asset: Item, known: Known, problems: Problems) -> None:
    """A parking asset has its number of spaces; no other asset has spaces or their numbers."""
    category = asset.get("category")
    if category is None:
        return
    if category == "parking":
        if "spaces" in asset.refused:
            return
        spaces = asset.get("spaces") if "spaces" in asset.values else known.asset_spaces.get(
            asset.get("code"))
        if spaces is None:
            problems.add(asset.at("spaces"), "required for a parking asset")
        return
    for name in ("spaces", "space_numbers"):
        if asset.get(name) not in (None, ""):
            problems.add(asset.at(name), "only a parking asset has " + name.replace("_", " "))


# The receiver becomes the maintainer: an organisation whose staff are operators; parking
# spaces may also go to the community's parking committee or a manager
# (docs/domain.md#parking).
RECEIVER_KINDS = frozenset(kind.value for kind in ROLE_ORG_KINDS[Role.operator]) - {
    OrgKind.parking_committee.value}
PARKING_RECEIVER_KINDS = RECEIVER_KINDS | {OrgKind.parking_committee.value} | frozenset(
    kind.value for kind in ROLE_ORG_KINDS[Role.manager])


def _category_of(code: str, parsed: Parsed, known: Known) -> str | None:
    item = parsed.asset_index.get(code)
    return item.get("category") if item is not None else known.asset_categories.get(code)


def _check_handovers(parsed: Parsed, known: Known, lookup: Lookup, problems: Problems) -> None:
    # asset code → (effective_on, hand-over, position in its assets) of each new hand-over
    moves: dict[str, list[tuple[date, Item, int]]] = {}
    for handover in parsed.handovers:
        code_ = handover.get("code")
        giver, receiver = handover.get("from"), handover.get("to")
        if giver is not None and lookup.org_kind(giver) is None:
            problems.add(handover.at("from"), f"unknown organization {giver}")
        assets = handover.get("assets") or []
        if receiver is not None:
            parking = bool(assets) and all(
                _category_of(a, parsed, known) == "parking" for a in assets)
            check_org_kind(handover, "to", lookup,
                           PARKING_RECEIVER_KINDS if parking else RECEIVER_KINDS,
                           "the receiver must be", problems)
        for position, asset in enumerate(assets):
            if not lookup.has_asset(asset):
                problems.add(f"{handover.at('assets')}[{position}]", f"unknown asset {asset}")
        recorded = known.handovers.get(code_)
        if recorded is not None:
            _check_recorded(handover, recorded, problems)
            continue  # its maintainers are already part of the history
        day = handover.get("effective_on")
        if day is None or "assets" in handover.refused:
            continue
        for position, asset in enumerate(assets):
            moves.setdefault(asset, []).append((day, handover, position))
    for asset, dated in moves.items():
        _check_history(asset, dated, known.asset_stints.get(asset, []), problems)


def _check_recorded(handover: Item, recorded: RecordedHandover, problems: Problems) -> None:
    """A hand-over already recorded must come back as it was: an effective one is history."""
    code_ = handover.get("code")
    if recorded.status != "effective":
        problems.add(handover.at("code"),
                     f"{code_} is a {recorded.status} hand-over; a bundle records only effective "
                     "hand-overs")
        return
    given = {
        "from": handover.get("from"), "to": handover.get("to"),
        "effective_on": handover.get("effective_on"),
        "assets": frozenset(handover.get("assets") or []),
    }
    before = {
        "from": recorded.giver, "to": recorded.receiver, "effective_on": recorded.effective_on,
        "assets": recorded.assets,
    }
    for name, value in given.items():
        if name in handover.refused or value == before[name]:
            continue
        shown = ", ".join(sorted(before[name])) if name == "assets" else before[name]
        problems.add(handover.at(name),
                     f"{code_} took effect with {name} {shown}; an effective hand-over "
                     "cannot change")


def _check_history(
    asset: str, dated: list[tuple[date, Item, int]], stints: list[Stint], problems: Problems
) -> None:
    """Apply the asset's new hand-overs in date order, as pmsys.assets.maintainers does."""
    history = list(stints)
    first_on: dict[date, Item] = {}
    for day, handover, position in sorted(dated, key=lambda entry: entry[0]):
        if day in first_on:
            problems.add(f"{handover.at('assets')}[{position}]",
                         f"{asset} is also handed over by {first_on[day].path} on {day}")
            continue
        first_on[day] = handover
        try:
            history = hand_over(history, handover.get("to"), day)
        except HistoryConflict as conflict:
            problems.add(handover.at("effective_on"), f"{asset}: {conflict}")
