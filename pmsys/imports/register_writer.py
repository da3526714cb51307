"""Writing a validated bundle's projects, assets and hand-overs (after writer.py's rows).

As in writer.py, optional fields left out keep their value and null clears
them; an asset's `building` and `unit` are always as the bundle says. A
project's communities are only ever added, and its items are matched by their
position in the list. An asset's warranty end is computed as
pmsys.assets.warranty says, from its project's acceptance, its category, the
heating season of its region and the contract's date (`warranty_until`); it is
linked to the project item that renewed it (same kind of work, in its
community or project-wide). A hand-over is recorded as already effective: the
receiver maintains each asset from the effective date, as
pmsys.assets.maintainers computes, and one already recorded is left as it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from pmsys import audit
from pmsys.assets.maintainers import Stint, hand_over
from pmsys.assets.warranty import HeatingSeason, warranty_end
from pmsys.imports.fields import Item
from pmsys.imports.writer import assign, link, present, tally
from pmsys.models.assets import (
    ITEM_KINDS,
    Asset,
    AssetMaintainer,
    Handover,
    HandoverEvent,
    HandoverStatus,
    ItemClass,
    Project,
    ProjectCommunity,
    ProjectItem,
)
from pmsys.models.auth import Organization
from pmsys.models.places import Building, Community, Unit
from pmsys.settings import get_setting

if TYPE_CHECKING:
    from pmsys.imports.services import Existing
    from pmsys.imports.validation import Parsed

IMPORT_NOTE = "recorded as effective by a region bundle import; no signatures were collected"


def write_register(session: Session, parsed: Parsed, existing: Existing, actor, counts) -> None:
    """Create or update the bundle's projects, assets and hand-overs; count them in `counts`."""
    _RegisterWriter(session, parsed, existing, actor, counts).run()


class _RegisterWriter:
    def __init__(self, session: Session, parsed: Parsed, existing: Existing, actor, counts):
        self.session, self.parsed, self.rows, self.actor = session, parsed, existing, actor
        self.counts = counts
        self.seasons: dict[int, HeatingSeason] = {}
        self.renewals: dict[int, dict[tuple[str, int | None], ProjectItem]] = {}
        self.reaccepted: list[Project] = []  # projects whose acceptance date changed

    def tally(self, kind: str, created: bool, changed: bool) -> None:
        tally(self.counts, kind, created, changed)

    def run(self) -> None:
        self.projects()
        # The items get their ids, so the assets can be compared with them.
        self.session.flush()
        self.assets()
        self.handovers()
        self.session.flush()

    def projects(self) -> None:
        for item in self.parsed.projects:
            code = item.get("code")
            values = {"year": item.get("year")}
            values.update(
                present(item, "name", "completed_on", "accepted_on", "satisfaction_rate")
            )
            project = self.rows.projects.get(code)
            created = project is None
            if created:
                project = self.rows.projects[code] = Project(code=code, **values)
                self.session.add(project)
                changed = False
            else:
                accepted_on = project.accepted_on
                changed = assign(project, values)
                if project.accepted_on != accepted_on:
                    self.reaccepted.append(project)
            if "contractor" in item.values:
                changed = link(project, "contractor", self._org(item.get("contractor"))) or changed
            covered = {row.community_id for row in project.community_links}
            for community_code in item.get("communities"):
                community = self.rows.communities[community_code]
                if community.id is None or community.id not in covered:
                    project.community_links.append(ProjectCommunity(community=community))
                    changed = True
            self._items(project, item.get("items") or [])
            self.tally("projects", created, changed)

    def _items(self, project: Project, entries: list[Item]) -> None:
        existing = list(project.items)
        for position, entry in enumerate(entries):
            values = {"kind": entry.get("kind"), "item_class": ItemClass(entry.get("class"))}
            values.update(present(entry, "description"))
            created = position >= len(existing)
            if created:
                row = ProjectItem(**values)
                project.items.append(row)
                changed = False
            else:
                row = existing[position]
                changed = assign(row, values)
            if "community" in entry.values:
                community = entry.get("community")
                target = self.rows.communities[community] if community else None
                changed = link(row, "community", target) or changed
            if "contractor" in entry.values:
                changed = link(row, "contractor", self._org(entry.get("contractor"))) or changed
            self.tally("project_items", created, changed)

    def _org(self, code: str | None) -> Organization | None:
        return self.rows.organizations[code] if code else None

    def _season(self, community: Community) -> HeatingSeason:
        """The heating season of the community's street, read once per street."""
        street = community.street
        key = id(street)
        if key not in self.seasons:
            setting = get_setting(self.session, "heating_season", street)
            self.seasons[key] = HeatingSeason.parse(setting)
        return self.seasons[key]

    def _building_of(self, community: Community, community_code: str, code: str) -> Building:
        found = self.rows.buildings_by_code.get((community_code, code))
        return found if found is not None else self.rows.buildings[(community.id, code)]

    def _unit_of(self, building: Building, community_code: str, code: str) -> Unit:
        found = self.rows.units_by_code.get((community_code, building.code, code))
        return found if found is not None else self.rows.units[(building.id, code)]

    def assets(self) -> None:
        communities = {self.rows.communities[item.get("community")] for item in self.parsed.assets}
        for community in sorted(communities, key=lambda row: row.code):
            # Read every season before any asset changes, so no autoflush sees half an asset.
            self._season(community)
        for item in self.parsed.assets:
            code, community_code = item.get("code"), item.get("community")
            community = self.rows.communities[community_code]
            building = unit = None
            if item.get("building"):
                building = self._building_of(community, community_code, item.get("building"))
                if item.get("unit"):
                    unit = self._unit_of(building, community_code, item.get("unit"))
            values = {"category": item.get("category")}
            values.update(present(item, "name"))
            if "warranty_until" in item.values:
                values["warranty_contract_until"] = item.get("warranty_until")
            asset = self.rows.assets.get(code)
            created = asset is None
            if created:
                # An empty history, so recording a hand-over later reads no stints.
                asset = Asset(code=code, community=community, stints=[], **values)
                self.rows.assets[code] = asset
                self.session.add(asset)
                changed = False
            else:
                changed = assign(asset, values)
            changed = link(asset, "building", building) or changed
            changed = link(asset, "unit", unit) or changed
            if "project" in item.values:
                project = item.get("project")
                target = self.rows.projects[project] if project else None
                changed = link(asset, "project", target) or changed
            if "warranty_contractor" in item.values:
                target = self._org(item.get("warranty_contractor"))
                changed = link(asset, "warranty_contractor", target) or changed
            elif created and asset.project is not None:
                asset.warranty_contractor = asset.project.contractor
            changed = self._renewal(asset, community) or changed
            self.tally("assets", created, changed)
        self._rewarrant()

    def _renewal(self, asset: Asset, community: Community) -> bool:
        """Link the project item that renewed the asset and recompute its warranty end."""
        project = asset.project
        renewal = None
        if project is not None:
            renewals = self._renewals(project)
            renewal = renewals.get((asset.category, community.id))
            if renewal is None:
                renewal = renewals.get((asset.category, None))
        changed = link(asset, "project_item", renewal)
        end = warranty_end(
            asset.category, project.accepted_on if project is not None else None,
            self._season(community), asset.warranty_contract_until,
        )
        return assign(asset, {"warranty_until": end}) or changed

    def _renewals(self, project: Project) -> dict[tuple[str, int | None], ProjectItem]:
        """The project's first item of each (category renewed, community or None)."""
        key = id(project)
        if key not in self.renewals:
            found: dict[tuple[str, int | None], ProjectItem] = {}
            for row in project.items:
                found.setdefault((ITEM_KINDS.get(row.kind), row.community_id), row)
            self.renewals[key] = found
        return self.renewals[key]

    def _rewarrant(self) -> None:
        """Recompute the warranties of a re-accepted project's assets that the bundle left out."""
        if not self.reaccepted:
            return
        others = self.session.scalars(
            select(Asset)
            .options(selectinload(Asset.community))
            .where(Asset.project_id.in_([project.id for project in self.reaccepted]))
        ).all()
        others = [asset for asset in others if asset.code not in self.parsed.asset_index]
        for asset in others:
            self._season(asset.community)
        for asset in others:
            self.tally("assets", False, self._renewal(asset, asset.community))

    def handovers(self) -> None:
        recorded = []
        for item in self.parsed.handovers:
            code = item.get("code")
            if code in self.rows.handovers:
                self.tally("handovers", False, False)  # checked to be the same
                continue
            handover = Handover(
                code=code, from_org=self.rows.organizations[item.get("from")],
                to_org=self.rows.organizations[item.get("to")], status=HandoverStatus.effective,
                effective_on=item.get("effective_on"),
                assets=[self.rows.assets[asset] for asset in item.get("assets")],
            )
            self.session.add(handover)
            self.rows.handovers[code] = handover
            recorded.append(handover)
            self.tally("handovers", True, False)
        if not recorded:
            return
        self.session.flush()
        for handover in sorted(recorded, key=lambda row: (row.effective_on, row.code)):
            for asset in handover.assets:
                self._hand_over(asset, handover)
            self.session.add(HandoverEvent(
                handover_id=handover.id, action="import", status_after=handover.status.value,
                note=IMPORT_NOTE,
            ))
            audit.record(
                self.session, self.actor, "handover_imported", "handover", handover.code,
                assets=sorted(asset.code for asset in handover.assets),
                effective_on=handover.effective_on.isoformat(),
                **{"from": handover.from_org.code, "to": handover.to_org.code},
            )

    def _hand_over(self, asset: Asset, handover: Handover) -> None:
        """Make the receiver the asset's maintainer from the effective date, history kept."""
        rows = sorted(asset.stints, key=lambda row: row.start)
        history = hand_over(
            [Stint(row.id, row.start, row.end) for row in rows], handover.to_org_id,
            handover.effective_on,
        )
        if rows:
            rows[-1].end = history[-2].end
        asset.stints.append(AssetMaintainer(
            organization_id=handover.to_org_id, start=handover.effective_on,
            handover_id=handover.id,
        ))
