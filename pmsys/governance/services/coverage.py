"""Management coverage (docs/domain.md#coverage): communities with a term in force on a date.

CONTRACT (written first; the body follows it exactly).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from pmsys import money
from pmsys.auth import permissions
from pmsys.errors import Forbidden, InvalidInput
from pmsys.governance import access
from pmsys.models.governance import ManagementMode, ManagementTerm
from pmsys.models.places import Community, Region

LEVELS = ("street", "district")
MODES = tuple(mode.value for mode in ManagementMode)


def rate(covered: int, communities: int) -> str:
    """covered / communities to 4 places, half up; "0.0000" over no community."""
    return money.ratio_str(money.ratio(covered, communities) or 0)


def _figures(communities: int, by_mode: dict[str, int]) -> dict:
    covered = sum(by_mode.values())
    return {"communities": communities, "covered": covered, "rate": rate(covered, communities),
            "by_mode": dict(by_mode)}


def term_in_force(on: date) -> tuple:
    """The conditions on ManagementTerm for the term of the outer Community in force on `on`."""
    return (ManagementTerm.community_id == Community.id, ManagementTerm.start <= on,
            or_(ManagementTerm.end.is_(None), ManagementTerm.end >= on))


def coverage(session: Session, actor, on: date, level: str = "street") -> dict:
    """Coverage over the communities `actor` sees, grouped by street or district.

    Returns {"on": "YYYY-MM-DD", "level": level,
    "items": [{"key": region code, "name", "communities": n, "covered": m,
               "rate": "0.8889" (4 places, half up; "0.0000" when n = 0),
               "by_mode": {"professional": k, "self": …, "community": …,
                           "original_unit": …}}],
    "total": {same without key/name},
    "uncovered": [{"code", "name", "street", "street_name", "district",
                   "last_term_end": "YYYY-MM-DD" or None}]}.
    Items ordered by key; a district is the street's parent region. A fixed
    number of SQL statements whatever the number of communities. level
    unknown → InvalidInput(fields={"level"}).
    """
    if not access.may_read_coverage(actor):
        raise Forbidden("coverage is for the bureau and the street offices")
    if level not in LEVELS:
        raise InvalidInput(f"unknown level {level!r}", fields={"level": " or ".join(LEVELS)})
    in_force = term_in_force(on)
    # Terms never overlap; should imported ones, the latest start decides the mode.
    mode = (select(ManagementTerm.mode).where(*in_force)
            .order_by(ManagementTerm.start.desc()).limit(1).correlate(Community).scalar_subquery())
    seen = (select(Community.id, Community.street_id, mode.label("mode"))
            .where(permissions.community_clause(actor)).subquery())
    street, district = aliased(Region), aliased(Region)
    rows = session.execute(
        select(street.code, street.name, district.code, district.name, seen.c.mode,
               func.count(seen.c.id))
        .join(street, street.id == seen.c.street_id)
        .outerjoin(district, district.id == street.parent_id)
        .group_by(street.code, street.name, district.code, district.name, seen.c.mode)
    ).all()
    groups: dict[str, dict] = {}
    total = {"communities": 0, "by_mode": dict.fromkeys(MODES, 0)}
    for street_code, street_name, district_code, district_name, row_mode, n in rows:
        # A street without a district above it stands for itself.
        key, name = ((street_code, street_name) if level == "street" or district_code is None
                     else (district_code, district_name))
        group = groups.setdefault(key, {"name": name, "communities": 0,
                                        "by_mode": dict.fromkeys(MODES, 0)})
        for figures in (group, total):
            figures["communities"] += n
            if row_mode is not None:
                figures["by_mode"][ManagementMode(row_mode).value] += n
    last_end = (select(func.max(ManagementTerm.end))
                .where(ManagementTerm.community_id == Community.id, ManagementTerm.end < on)
                .correlate(Community).scalar_subquery())
    uncovered = session.execute(
        select(Community.code, Community.name, street.code, street.name, district.code,
               last_end)
        .join(street, street.id == Community.street_id)
        .outerjoin(district, district.id == street.parent_id)
        .where(permissions.community_clause(actor), mode.is_(None))
        .order_by(Community.code)
    ).all()
    return {
        "on": on.isoformat(),
        "level": level,
        "items": [{"key": key, "name": group["name"],
                   **_figures(group["communities"], group["by_mode"])}
                  for key, group in sorted(groups.items())],
        "total": _figures(total["communities"], total["by_mode"]),
        "uncovered": [{"code": code, "name": name, "street": street_code,
                       "street_name": street_name, "district": district_code,
                       "last_term_end": ended.isoformat() if ended else None}
                      for code, name, street_code, street_name, district_code, ended
                      in uncovered],
    }
