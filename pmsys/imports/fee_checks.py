"""Checking a bundle's fee standards (docs/domain.md#fees) against the bundle and the database.

Pure, like references.py: the service passes what the database holds as
`Known`. A standard names a community of the bundle or of the database. Bills
are never edited, so a new standard may start only after the months already
billed in its community, and a standard that bills were made with cannot
change its amounts; naming it again with the same amounts changes nothing.
"""

from __future__ import annotations

from pmsys.fees import billing
from pmsys.imports.fields import Problems
from pmsys.imports.references import Known, Lookup
from pmsys.imports.validation import Parsed


def check_fee_standards(parsed: Parsed, known: Known, problems: Problems) -> None:
    """Add a problem for every fee standard that cannot be written as the bundle says."""
    lookup = Lookup(parsed, known)
    for standard in parsed.fee_standards:
        community, start = standard.get("community"), standard.get("start")
        if community is None:
            continue
        if not lookup.has_community(community):
            problems.add(standard.at("community"), f"unknown community {community}")
            continue
        if start is None or "start" in standard.refused:
            continue
        recorded = known.fee_standards.get((community, start))
        if recorded is not None:
            if recorded.billed and _changes(standard, recorded):
                problems.add(
                    standard.path,
                    f"bills of {community} were made with the standard from {start}; "
                    "its amounts cannot change",
                )
            continue
        billed = known.billed_until.get(community)
        if billed is not None and start < billing.period_start(billing.next_period(billed)):
            problems.add(
                standard.at("start"),
                f"{community} is billed up to {billed}; a new standard starts after that",
            )


def _changes(standard, recorded) -> bool:
    """Whether the bundle's values differ from the recorded ones (a left-out fixed part keeps)."""
    price = standard.get("price_per_m2_month")
    fixed = standard.get("fixed_per_household", recorded.fixed_per_household)
    return (price is not None and price != recorded.price_per_m2_month) or (
        fixed != recorded.fixed_per_household
    )
