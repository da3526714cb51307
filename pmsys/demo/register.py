"""The demo's 2021 renovation project and the assets it left, as bundle sections
(pmsys/data/demo_region.json invents them; docs/domain.md#projects).
"""

from __future__ import annotations


def _retrofitted(invented: dict) -> set[str]:
    return {invented["communities"][name]["code"] for name in invented["retrofit_shapes"]}


def demo_project(invented: dict, names: dict[str, str]) -> dict:
    """Return the 2021 project: the same works in every community, and some more in a few."""
    plan = invented["project"]
    retrofitted = _retrofitted(invented)
    items = []
    for code in names:
        works = list(plan["items"])
        if code in plan["gas_communities"]:
            works += plan["gas_items"]
        if code in retrofitted:
            works += plan["retrofit_items"]
        if code in plan["elderly_communities"]:
            works += plan["elderly_items"]
        for item_class, kind, *description in works:
            item = {"kind": kind, "class": item_class, "community": code}
            if description:
                item["description"] = description[0]
            items.append(item)
    project = {
        key: plan[key]
        for key in ("code", "name", "year", "contractor", "completed_on", "accepted_on",
                    "satisfaction_rate")
    }
    return {**project, "communities": list(names), "items": items}


def demo_assets(invented: dict, names: dict[str, str]) -> list[dict]:
    """Return what the project renewed in each community, named "<community><what>"."""
    plan, kinds = invented["project"], invented["assets"]
    retrofitted = _retrofitted(invented)
    assets = []
    for code, name in names.items():
        rows = [(*row, None, None) for row in kinds["every_community"]]
        if code in plan["gas_communities"]:
            rows += [(*row, None, None) for row in kinds["gas"]]
        if code in retrofitted:
            rows += [tuple(row) for row in kinds["retrofit"]]
        if code in plan["elderly_communities"]:
            rows += [(*row, None, None) for row in kinds["elderly"]]
        for suffix, category, what, building, contract_until in rows:
            asset = {"code": f"{code}-{suffix}", "name": name + what, "category": category,
                     "community": code, "project": plan["code"]}
            if building:
                asset["building"] = building
            if contract_until:
                asset["warranty_until"] = contract_until
            assets.append(asset)
    return assets


def handed_over_codes(plan: dict) -> list[str]:
    """The codes of the assets a hand-over of the demo plan hands over."""
    return [f"{community}-{suffix}" for community in plan["communities"]
            for suffix in plan["assets"]]


def parking_spaces(invented: dict) -> list[dict]:
    """Return the parking assets of the communities with parking spaces (docs/domain.md#parking)."""
    return [
        {key: spaces[key] for key in ("code", "name", "community", "spaces", "space_numbers")}
        | {"category": "parking"}
        for spaces in invented["parking"]["spaces"]
    ]


def parking_handovers(invented: dict, transferor: str) -> list[dict]:
    """Return the hand-overs of the parking spaces to their parking committee or manager."""
    return [
        {"code": spaces["handover"], "from": transferor, "to": spaces["maintainer"],
         "assets": [spaces["code"]], "effective_on": spaces["effective_on"]}
        for spaces in invented["parking"]["spaces"]
    ]
