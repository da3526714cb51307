"""Renovation projects, their acceptance, and the asset register with its warranties."""

from __future__ import annotations

import re
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pmsys import audit, categories
from pmsys.assets.maintainers import Stint
from pmsys.assets.maintainers import maintainer_on as stint_on
from pmsys.assets.warranty import HeatingSeason, warranty_end
from pmsys.auth import permissions
from pmsys.errors import Conflict, Forbidden, InvalidInput, NotFound
from pmsys.models.assets import (
    ITEM_KINDS,
    MAX_SPACE_NUMBERS,
    MAX_SPACES,
    Asset,
    Project,
    ProjectItem,
)
from pmsys.models.auth import Organization, OrgKind
from pmsys.models.places import Building, Community, Unit
from pmsys.settings import get_setting

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
CODE_RULE = "required, at most 64 characters, no '/'"
# A parking asset's spaces (docs/domain.md#parking): a count, and their numbers as text.
PARKING = "parking"


def heating_season_for(session: Session, community: Community) -> HeatingSeason:
    """The heating season configured for the community's region (nearest setting wins)."""
    return HeatingSeason.parse(get_setting(session, "heating_season", community.street))


def refresh_warranty(session: Session, asset: Asset, season: HeatingSeason | None = None) -> None:
    """Recompute the asset's warranty end from its project's acceptance and its contract.

    `season` may be given when the caller already read the community's heating season.
    """
    accepted_on = asset.project.accepted_on if asset.project is not None else None
    season = season or heating_season_for(session, asset.community)
    asset.warranty_until = warranty_end(
        asset.category, accepted_on, season, asset.warranty_contract_until
    )


def get_asset_or_404(session: Session, actor, code: str) -> Asset:
    """The asset with this code if `actor` may see it; else NotFound."""
    asset = session.scalar(
        select(Asset).where(Asset.code == code, permissions.asset_clause(actor))
    )
    if asset is None:
        raise NotFound(f"no asset {code}", code="asset_not_found",
                       hidden=permissions.probe(session, Asset.code, code, "asset"))
    return asset


def get_project_or_404(session: Session, actor, code: str) -> Project:
    """The project with this code if `actor` may see it; else NotFound."""
    project = session.scalar(
        select(Project).where(Project.code == code, permissions.project_clause(actor))
    )
    if project is None:
        raise NotFound(f"no project {code}", code="project_not_found",
                       hidden=permissions.probe(session, Project.code, code, "project"))
    return project


def maintainer_on(asset: Asset, on: date) -> Organization | None:
    """The organisation that maintained `asset` on `on` (after an effective hand-over)."""
    return stint_on((Stint(s.organization, s.start, s.end) for s in asset.stints), on)


def valid_code(code) -> bool:
    return isinstance(code, str) and 0 < len(code) <= 64 and "/" not in code


def checked_text(value, field: str, limit: int | None = None) -> str:
    """Optional free text: None becomes "", anything but a string (or too long) is refused."""
    if value is None:
        return ""
    if not isinstance(value, str) or (limit is not None and len(value) > limit):
        rule = "text" + (f" of at most {limit} characters" if limit else "")
        raise InvalidInput(f"{field} must be {rule}", fields={field: rule})
    return value.strip()


def parse_day(value, field: str) -> date | None:
    """An optional date given as a date or as YYYY-MM-DD text
    (docs/api.md#conventions); else 400."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value
    try:
        if not isinstance(value, str) or not _ISO_DAY.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{field} must be a date YYYY-MM-DD",
                           fields={field: "not a date"}) from None


def organization_of(session: Session, code, field: str, kinds=None) -> Organization | None:
    if code in (None, ""):
        return None
    if not isinstance(code, str):
        raise InvalidInput(f"{field} must be an organisation code", fields={field: "not a code"})
    org = session.scalar(select(Organization).where(Organization.code == code))
    if org is None:
        raise InvalidInput(f"unknown organisation {code}", fields={field: "unknown"})
    if kinds is not None and org.kind not in kinds:
        raise InvalidInput(f"{code} is not a {' or '.join(k.value for k in kinds)}",
                           fields={field: "wrong kind"})
    return org


def require_keeper(session: Session, actor, communities: list[Community]) -> None:
    if not all(permissions.can_keep_register(session, actor, c) for c in communities):
        raise Forbidden("only the housing bureau keeps projects and the asset register here")


def _renewing_item(project: Project, community: Community, category: str,
                   kind: str | None) -> ProjectItem | None:
    """The project item that renewed an asset: the one named by kind, else the only match.

    An item bound to the asset's community is preferred to one for the whole project.
    """
    def here(item: ProjectItem) -> bool:
        return item.community_id in (None, community.id)

    if kind is not None:
        matches = [i for i in project.items if i.kind == kind and here(i)]
        if not matches:
            raise InvalidInput(f"project {project.code} has no {kind} item for {community.code}",
                               fields={"item": "not in the project"})
    else:
        matches = [i for i in project.items if ITEM_KINDS.get(i.kind) == category and here(i)]
    local = [i for i in matches if i.community_id == community.id]
    for group in (local, matches):
        if len(group) == 1:
            return group[0]
    if kind is not None:
        return (local or matches)[0]
    return None  # several candidates and none named: leave the link to the keeper


def create_asset(
    session: Session,
    actor,
    *,
    code: str,
    category: str,
    community: str,
    building: str | None = None,
    unit: str | None = None,
    project: str | None = None,
    name: str = "",
    warranty_contractor: str | None = None,
    warranty_contract_until: date | str | None = None,
    item: str | None = None,
    spaces: int | None = None,
    space_numbers: str | None = None,
) -> Asset:
    """Add an asset to the register; its warranty end is computed (docs/domain.md#warranty).

    `item` is the kind of the project item that renewed it; without it the one
    item of the project renewing this category here is linked, where there is one.
    The warranty contractor defaults to the item's, then the project's contractor.
    A parking asset says how many `spaces` it has (required) and may list their
    `space_numbers`; other categories have neither (docs/domain.md#parking).
    """
    fields = parking_fields(category, spaces, space_numbers)
    if not valid_code(code):
        fields["code"] = CODE_RULE
    if not isinstance(category, str) or category not in categories.CODES:
        fields["category"] = "unknown category"
    elif category not in categories.ASSET_CODES:
        fields["category"] = "not a category of assets"
    for field, value in (("community", community), ("building", building), ("unit", unit),
                         ("project", project), ("item", item)):
        if value is not None and not isinstance(value, str):
            fields[field] = "a code"
    if not isinstance(community, str) or not community:
        fields["community"] = "required"
    if fields:
        raise InvalidInput("the asset is incomplete", fields=fields)
    place = session.scalar(select(Community).where(Community.code == community))
    if place is None or not permissions.can_see_community(session, actor, place):
        raise NotFound(f"no community {community}", code="community_not_found")
    require_keeper(session, actor, [place])
    title = checked_text(name, "name", 200)
    numbers = checked_text(space_numbers, "space_numbers", MAX_SPACE_NUMBERS)
    contract_until = parse_day(warranty_contract_until, "warranty_contract_until")
    if session.scalar(select(Asset.id).where(Asset.code == code)) is not None:
        raise Conflict(f"asset {code} exists", code="duplicate_code", fields={"code": "taken"})
    block = flat = None
    if building:
        block = session.scalar(
            select(Building).where(Building.community_id == place.id, Building.code == building)
        )
        if block is None:
            raise InvalidInput(f"no building {building} in {community}",
                               fields={"building": "unknown"})
    if unit:
        if block is None:
            raise InvalidInput("a unit needs its building", fields={"unit": "building missing"})
        flat = session.scalar(select(Unit).where(Unit.building_id == block.id, Unit.code == unit))
        if flat is None:
            raise InvalidInput(f"no unit {unit} in building {building}", fields={"unit": "unknown"})
    renewal = renewed_by = None
    if project:
        renewal = session.scalar(select(Project).where(Project.code == project))
        if renewal is None:
            raise InvalidInput(f"unknown project {project}", fields={"project": "unknown"})
        if place.id not in {lk.community_id for lk in renewal.community_links}:
            raise InvalidInput(f"project {project} does not cover {community}",
                               fields={"project": "does not cover the community"})
        renewed_by = _renewing_item(renewal, place, category, item or None)
    elif item:
        raise InvalidInput("an item needs its project", fields={"item": "project missing"})
    contractor = organization_of(session, warranty_contractor, "warranty_contractor",
                                 {OrgKind.contractor})
    if contractor is None and renewed_by is not None:
        contractor = renewed_by.contractor
    if contractor is None and renewal is not None:
        contractor = renewal.contractor
    asset = Asset(code=code, name=title, category=category, community=place, building=block,
                  unit=flat, project=renewal, project_item=renewed_by,
                  warranty_contractor=contractor, warranty_contract_until=contract_until,
                  spaces=spaces if category == PARKING else None, space_numbers=numbers)
    session.add(asset)
    refresh_warranty(session, asset)
    session.flush()
    audit.record(session, actor, "asset_created", "asset", code, category=category,
                 community=community, scope=asset.scope,
                 warranty_until=_iso(asset.warranty_until),
                 **({"spaces": asset.spaces} if asset.spaces is not None else {}))
    return asset


def parking_fields(category, spaces, space_numbers) -> dict[str, str]:
    """What is wrong with a new asset's parking spaces, by field (empty when nothing is).

    A parking asset needs its number of spaces, 1 to MAX_SPACES; an asset of
    any other category has no spaces and no space numbers.
    """
    if category == PARKING:
        if (not isinstance(spaces, int) or isinstance(spaces, bool)
                or not 0 < spaces <= MAX_SPACES):
            return {"spaces": f"required for a parking asset: 1 to {MAX_SPACES}"}
        return {}
    found = {}
    if spaces is not None:
        found["spaces"] = "only a parking asset has spaces"
    if space_numbers not in (None, ""):
        found["space_numbers"] = "only a parking asset has space numbers"
    return found


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def set_warranty_contract(
    session: Session, actor, asset: Asset, until: date | str | None, contractor: str | None
) -> Asset:
    """Record the contract's warranty date and contractor; the end is recomputed."""
    require_keeper(session, actor, [asset.community])
    contract_until = parse_day(until, "warranty_contract_until")
    if contractor is not None:
        asset.warranty_contractor = organization_of(session, contractor, "warranty_contractor",
                                         {OrgKind.contractor})
    asset.warranty_contract_until = contract_until
    refresh_warranty(session, asset)
    session.flush()
    audit.record(session, actor, "asset_warranty_set", "asset", asset.code,
                 contract_until=_iso(asset.warranty_contract_until),
                 warranty_until=_iso(asset.warranty_until))
    return asset
