"""Settings: values a region bundle may set per region, the nearest region winning.

A setting is global (scope "") or a region's (scope = its code); a community
reads its street's, else the nearest ancestor's, else the global one, else the
default below — in one statement, whatever the depth of the region tree.
"""

from __future__ import annotations

from sqlalchemy import bindparam, func, literal, or_, select
from sqlalchemy.orm import Session

from pmsys.models.places import Region, Setting

# Defaults of the settings a region bundle may change (docs/api.md#import).
DEFAULT_SETTINGS: dict[str, object] = {
    "heating_season": {"start": "10-15", "end": "04-15"},
    "handover_overdue_days": 90,
    "acceptance_min_satisfaction": "0.90",
    # Response and resolution windows in minutes
    # (docs/domain.md#deadlines; shape in tickets/sla.py).
    "ticket_deadlines": {
        "emergency": {"respond": 30, "resolve": 24 * 60},
        "urgent": {"respond": 2 * 60, "resolve": 48 * 60},
        "normal": {"respond": 24 * 60, "resolve": 7 * 24 * 60},
    },
    "ticket_auto_close_hours": 72,
    # The share of closed tickets the street office calls back (回访), in percent; disputed
    # and reopened tickets are always called (docs/domain.md#callbacks).
    "callback_sample_percent": 20,
    # The evaluation's score sheet and tiers: None reads as the defaults of
    # pmsys/evaluation/scoring.py (docs/domain.md#evaluation).
    "evaluation_sheet": None,
    "evaluation_tiers": None,
    # "committee_rules" has no value here: governance/committees.py reads None as its
    # defaults (docs/domain.md#committees).
}


def lineage_cte(region_id):
    """A recursive select of a region and its ancestors: (id, code, depth), nearest at 0."""
    chain = (
        select(Region.id, Region.code, Region.parent_id, literal(0).label("depth"))
        .where(Region.id == region_id)
        .cte("lineage", recursive=True)
    )
    return chain.union_all(
        select(Region.id, Region.code, Region.parent_id, (chain.c.depth + 1).label("depth"))
        .where(Region.id == chain.c.parent_id)
    )


# Built once, run with parameters: the recursive walk is the cost of building it.
_LINEAGE = lineage_cte(bindparam("region_id"))
_LINEAGE_IDS = select(_LINEAGE.c.id).order_by(_LINEAGE.c.depth)
_NEAREST_SETTING = (
    select(Setting.value)
    .outerjoin(_LINEAGE, _LINEAGE.c.code == Setting.scope)
    .where(Setting.key == bindparam("key"), or_(_LINEAGE.c.id.isnot(None), Setting.scope == ""))
    .order_by(func.coalesce(_LINEAGE.c.depth, 1_000_000))
    .limit(1)
)
_GLOBAL_SETTING = select(Setting.value).where(Setting.key == bindparam("key"),
                                              Setting.scope == "")


def region_lineage_ids(session: Session, region_id: int | None) -> list[int]:
    """The ids of a region and its ancestors, nearest first (one statement)."""
    if region_id is None:
        return []
    return list(session.scalars(_LINEAGE_IDS, {"region_id": region_id}))


def get_setting(session: Session, key: str, region=None):
    """Return a setting: the nearest region's value, else the global one, else the default.

    `region` is a Region or a region's id; one statement walks its lineage.
    """
    region_id = region.id if isinstance(region, Region) else region
    if region_id is None:
        nearest = session.execute(_GLOBAL_SETTING, {"key": key}).first()
    else:
        nearest = session.execute(_NEAREST_SETTING, {"key": key, "region_id": region_id}).first()
    return DEFAULT_SETTINGS.get(key) if nearest is None else nearest[0]


def get_settings(session: Session, key: str, region_ids) -> dict[int, object]:
    """get_setting for each of many regions, in two statements: region id → value.

    One reads the key's values of every scope, one walks the regions' lineages.
    """
    ids = sorted(set(region_ids))
    if not ids:
        return {}
    values = dict(session.execute(
        select(Setting.scope, Setting.value).where(Setting.key == key)).all())
    chain = (
        select(Region.id, Region.code, Region.parent_id)
        .where(Region.id.in_(ids))
        .cte("lineages", recursive=True)
    )
    chain = chain.union(
        select(Region.id, Region.code, Region.parent_id).where(Region.id == chain.c.parent_id))
    regions = {row.id: row for row in session.execute(select(chain))}
    found = {}
    for region_id in ids:
        value, node = values.get("", DEFAULT_SETTINGS.get(key)), regions.get(region_id)
        while node is not None:
            if node.code in values:
                value = values[node.code]
                break
            node = regions.get(node.parent_id)
        found[region_id] = value
    return found
