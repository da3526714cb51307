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
Projects are few and stay ORM objects; assets, hand-overs and maintainers are
compared and written as plain values, in bulk (bulk.py).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from pmsys import audit
from pmsys.assets.maintainers import Stint, hand_over
from pmsys.assets.warranty import HeatingSeason, warranty_end
from pmsys.imports import bulk
from pmsys.imports.fields import Item
from pmsys.imports.writer import assign, link, present, tally
from pmsys.models.assets import (
    ITEM_KINDS,
    Asset,
    AssetMaintainer,
    Handover,
    HandoverAsset,
    HandoverEvent,
    HandoverStatus,
    ItemClass,
    Project,
    ProjectCommunity,
    ProjectItem,
)
from pmsys.models.auth import Organization
from pmsys.models.places import Community
from pmsys.settings import get_setting

if TYPE_CHECKING:
    from pmsys.imports.existing import Existing
    from pmsys.imports.validation import Parsed

IMPORT_NOTE = "recorded as effective by a region bundle import; no signatures were collected"
# The columns of an asset that an import sets, in the order they are inserted.
ASSET_COLUMNS = (
    "name", "category", "building_id", "unit_id", "project_id", "project_item_id",
    "warranty_contractor_id", "warranty_contract_until", "warranty_until", "spaces",
    "space_numbers",
)


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
        self.projects_by_id: dict[int, Project] = {}

    def tally(self, kind: str, created: bool, changed: bool) -> None:
        tally(self.counts, kind, created, changed)

    def run(self) -> None:
        self.projects()
        # The items get their ids, so the assets can be compared with them.
        self.session.flush()
        self.projects_by_id = {row.id: row for row in self.rows.projects.values()}
        self.projects_by_id.update(self.rows.other_projects)
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

    def _building_id(self, community: Community, community_code: str, code: str) -> int:
        found = self.rows.building_ids.get((community_code, code))
        return found if found is not None else self.rows.buildings[(community.id, code)].id

    def _unit_id(self, building_id: int, community_code: str, building: str, code: str) -> int:
        found = self.rows.unit_ids.get((community_code, building, code))
        return found if found is not None else self.rows.units[(building_id, code)]

    def assets(self) -> None:
        rows = self.rows
        communities = {rows.communities[item.get("community")] for item in self.parsed.assets}
        for community in sorted(communities, key=lambda row: row.code):
            self._season(community)  # one query per street, before any asset is written
        rows.asset_ids.update((code, row.id) for code, row in rows.assets.items())
        new: list[tuple[str, int, dict]] = []
        changed: list[tuple[int, dict]] = []
        for item in self.parsed.assets:
            code, community_code = item.get("code"), item.get("community")
            community = rows.communities[community_code]
            building_id = unit_id = None
            if item.get("building"):
                building_id = self._building_id(community, community_code, item.get("building"))
                if item.get("unit"):
                    unit_id = self._unit_id(building_id, community_code, item.get("building"),
                                            item.get("unit"))
            found = rows.assets.get(code)
            if found is None:
                asset = dict.fromkeys(ASSET_COLUMNS)
                asset["name"] = asset["space_numbers"] = ""
            else:
                asset = {name: getattr(found, name) for name in ASSET_COLUMNS}
            asset["category"] = item.get("category")
            asset.update(present(item, "name", "spaces", "space_numbers"))
            if "warranty_until" in item.values:
                asset["warranty_contract_until"] = item.get("warranty_until")
            asset["building_id"], asset["unit_id"] = building_id, unit_id
            if "project" in item.values:
                project = item.get("project")
                asset["project_id"] = rows.projects[project].id if project else None
            if "warranty_contractor" in item.values:
                contractor = self._org(item.get("warranty_contractor"))
                asset["warranty_contractor_id"] = contractor.id if contractor else None
            elif found is None and asset["project_id"] is not None:
                asset["warranty_contractor_id"] = self.projects_by_id[
                    asset["project_id"]].contractor_id
            self._renewal(asset, community)
            if found is None:
                new.append((code, community.id, asset))
                tally(self.counts, "assets", True, False)
                continue
            difference = {name: value for name, value in asset.items()
                          if getattr(found, name) != value}
            if difference:
                changed.append((found.id, difference))
            tally(self.counts, "assets", False, bool(difference))
        table = Asset.__table__
        ids = bulk.reserve_ids(self.session, table, len(new))
        bulk.insert_rows(
            self.session, table, ("id", "code", "community_id", *ASSET_COLUMNS),
            ((asset_id, code, community_id, *asset.values())
             for (code, community_id, asset), asset_id in zip(new, ids, strict=True)),
        )
        rows.asset_ids.update(zip((code for code, _id, _asset in new), ids, strict=True))
        self._rewarrant(changed)
        bulk.update_rows(self.session, table, changed)
        bulk.expire(self.session, Asset, [asset_id for asset_id, _values in changed])

    def _renewal(self, asset: dict, community: Community) -> None:
        """Link the project item that renewed the asset and recompute its warranty end."""
        project = self.projects_by_id.get(asset["project_id"])
        renewal = None
        if project is not None:
            renewals = self._renewals(project)
            renewal = renewals.get((asset["category"], community.id))
            if renewal is None:
                renewal = renewals.get((asset["category"], None))
        asset["project_item_id"] = renewal.id if renewal is not None else None
        asset["warranty_until"] = warranty_end(
            asset["category"], project.accepted_on if project is not None else None,
            self._season(community), asset["warranty_contract_until"],
        )

    def _renewals(self, project: Project) -> dict[tuple[str, int | None], ProjectItem]:
        """The project's first item of each (category renewed, community or None)."""
        key = id(project)
        if key not in self.renewals:
            found: dict[tuple[str, int | None], ProjectItem] = {}
            for row in project.items:
                found.setdefault((ITEM_KINDS.get(row.kind), row.community_id), row)
            self.renewals[key] = found
        return self.renewals[key]

    def _rewarrant(self, changed: list[tuple[int, dict]]) -> None:
        """Recompute the warranties of a re-accepted project's assets that the bundle left out."""
        if not self.reaccepted:
            return
        columns = ("project_id", "category", "project_item_id", "warranty_contract_until",
                   "warranty_until")
        others = [
            row for row in self.session.execute(
                select(Asset.id, Asset.code, Asset.community_id,
                       *(Asset.__table__.c[name] for name in columns))
                .where(Asset.project_id.in_([project.id for project in self.reaccepted]))
                .order_by(Asset.id)
            )
            if row.code not in self.parsed.asset_index
        ]
        communities = {
            row.id: row for row in self.session.scalars(
                select(Community).where(Community.id.in_({row.community_id for row in others}))
            )
        } if others else {}
        for row in others:
            self._season(communities[row.community_id])
        for row in others:
            asset = {name: getattr(row, name) for name in columns}
            self._renewal(asset, communities[row.community_id])
            difference = {name: value for name, value in asset.items()
                          if getattr(row, name) != value}
            if difference:
                changed.append((row.id, difference))
            tally(self.counts, "assets", False, bool(difference))

    def handovers(self) -> None:
        recorded: list[Item] = []
        for item in self.parsed.handovers:
            if item.get("code") in self.rows.handovers:
                self.tally("handovers", False, False)  # checked to be the same
                continue
            recorded.append(item)
            self.tally("handovers", True, False)
        if not recorded:
            return
        orgs, asset_ids = self.rows.organizations, self.rows.asset_ids
        ids = bulk.reserve_ids(self.session, Handover.__table__, len(recorded))
        bulk.insert_rows(
            self.session, Handover.__table__,
            ("id", "code", "from_org_id", "to_org_id", "status", "effective_on"),
            ((handover_id, item.get("code"), orgs[item.get("from")].id, orgs[item.get("to")].id,
              HandoverStatus.effective, item.get("effective_on"))
             for item, handover_id in zip(recorded, ids, strict=True)),
        )
        bulk.insert_rows(
            self.session, HandoverAsset.__table__, ("handover_id", "asset_id"),
            ((handover_id, asset_ids[code])
             for item, handover_id in zip(recorded, ids, strict=True)
             for code in item.get("assets")),
        )
        in_order = sorted(zip(recorded, ids, strict=True),
                          key=lambda pair: (pair[0].get("effective_on"), pair[0].get("code")))
        self._maintainers(in_order)
        bulk.insert_rows(
            self.session, HandoverEvent.__table__,
            ("handover_id", "action", "status_after", "note"),
            ((handover_id, "import", HandoverStatus.effective.value, IMPORT_NOTE)
             for _item, handover_id in in_order),
        )
        audit.record_many(self.session, self.actor, "handover_imported", "handover", (
            (item.get("code"), {
                "assets": sorted(item.get("assets")),
                "effective_on": item.get("effective_on").isoformat(),
                "from": item.get("from"), "to": item.get("to"),
            })
            for item, _handover_id in in_order
        ))

    def _maintainers(self, in_order: list[tuple[Item, int]]) -> None:
        """Make each receiver its assets' maintainer from the effective date, history kept."""
        histories: dict[int, list[list]] = {}  # asset id → [id, organisation, start, end]
        opened: list[tuple[int, list, int]] = []  # (asset id, stint, hand-over id)
        ended: dict[int, date | None] = {}  # recorded stint id → its new end
        for item, handover_id in in_order:
            receiver = self.rows.organizations[item.get("to")].id
            effective_on = item.get("effective_on")
            for code in item.get("assets"):
                asset_id = self.rows.asset_ids[code]
                stints = histories.get(asset_id)
                if stints is None:
                    stints = histories[asset_id] = [
                        [row.id, row.organization_id, row.start, row.end]
                        for row in self.rows.stints.get(asset_id, ())
                    ]
                history = hand_over([Stint(org, start, end) for _id, org, start, end in stints],
                                    receiver, effective_on)
                if stints and stints[-1][3] != history[-2].end:
                    stints[-1][3] = history[-2].end
                    if stints[-1][0] is not None:
                        ended[stints[-1][0]] = history[-2].end
                stint = [None, receiver, effective_on, None]
                stints.append(stint)
                opened.append((asset_id, stint, handover_id))
        bulk.update_rows(self.session, AssetMaintainer.__table__,
                         [(stint_id, {"end": end}) for stint_id, end in ended.items()])
        bulk.expire(self.session, AssetMaintainer, ended)
        bulk.insert_rows(
            self.session, AssetMaintainer.__table__,
            ("asset_id", "organization_id", "start", "end", "handover_id"),
            ((asset_id, org, start, end, handover_id)
             for asset_id, (_id, org, start, end), handover_id in opened),
        )
