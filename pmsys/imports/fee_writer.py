"""Writing a validated bundle's fee standards (after writer.py's communities and terms).

A standard is found by its community and start. A new one records the manager
of the term in force on its start (where there is one) and who imported it;
one already recorded gets the bundle's amounts — fee_checks.py has refused
any change to a standard that bills were made with. A left-out fixed part
keeps its value (0.00 on a new standard). Each standard written is audited.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from pmsys import audit
from pmsys.imports.writer import assign, present, tally
from pmsys.models.fees import FeeStandard
from pmsys.models.governance import ManagementTerm

if TYPE_CHECKING:
    from pmsys.imports.existing import Existing
    from pmsys.imports.validation import Parsed


def write_fee_standards(session: Session, parsed: Parsed, existing: Existing, actor,
                        counts) -> None:
    """Create or update the bundle's fee standards; count them in `counts`."""
    new: list[FeeStandard] = []
    for item in parsed.fee_standards:
        community = existing.communities[item.get("community")]
        start = item.get("start")
        values = {"price_per_m2_month": item.get("price_per_m2_month")}
        values.update(present(item, "fixed_per_household"))
        row = existing.fee_standards.get((community.id, start))
        if row is None:
            row = FeeStandard(community_id=community.id, start=start,
                              set_by_id=getattr(actor, "id", None),
                              **{"fixed_per_household": Decimal("0.00"), **values})
            existing.fee_standards[(community.id, start)] = row
            session.add(row)
            new.append(row)
            tally(counts, "fee_standards", True, False)
            changed = True
        else:
            changed = assign(row, values)
            tally(counts, "fee_standards", False, changed)
        if changed:
            audit.record(session, actor, "fee_standard_imported", "community", community.code,
                         price=str(row.price_per_m2_month),
                         fixed=str(row.fixed_per_household), start=start.isoformat())
    _stamp_managers(session, new)
    session.flush()


def _stamp_managers(session: Session, standards: list[FeeStandard]) -> None:
    """Record on each new standard the manager of the term in force on its start."""
    if not standards:
        return
    terms = session.execute(
        select(ManagementTerm.community_id, ManagementTerm.start, ManagementTerm.end,
               ManagementTerm.organization_id)
        .where(ManagementTerm.community_id.in_({s.community_id for s in standards}),
               ManagementTerm.start <= max(s.start for s in standards),
               or_(ManagementTerm.end.is_(None),
                   ManagementTerm.end >= min(s.start for s in standards)))
    ).all()
    by_community: dict[int, list[tuple]] = {}
    for community_id, start, end, org_id in terms:
        by_community.setdefault(community_id, []).append((start, end, org_id))
    for standard in standards:
        standard.organization_id = next(
            (org_id for start, end, org_id in by_community.get(standard.community_id, ())
             if start <= standard.start and (end is None or end >= standard.start)),
            None,
        )
