"""Management coverage (DESIGN.md §5): communities with a term in force on a date.

CONTRACT (written first; the body follows it exactly).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

LEVELS = ("street", "district")


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
    raise NotImplementedError
