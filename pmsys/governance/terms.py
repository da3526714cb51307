"""Rules for management terms (docs/domain.md#management): who may manage in which mode, and
overlaps.

Pure functions on plain values: dates, and modes and organisation kinds as
strings (both enums in the models are str enums, so they may be passed too).
"""

from __future__ import annotations

from datetime import date

# The organisation kinds that may manage a community in each mode (docs/domain.md#management):
# a property company under contract; the owners themselves, through their
# committee or a self-management group; the street or community office
# (街道社区准物业服务); or the original property unit as a legacy arrangement.
MODE_ORG_KINDS: dict[str, frozenset[str]] = {
    "professional": frozenset({"property_company"}),
    "self": frozenset({"self_management", "owners_committee"}),
    "community": frozenset({"community_office", "street_office"}),
    "original_unit": frozenset({"original_unit"}),
}


def org_kind_fits(mode: str, org_kind: str) -> bool:
    """Whether an organisation of `org_kind` may be the manager in `mode`."""
    return org_kind in MODE_ORG_KINDS.get(mode, frozenset())


def overlaps(
    first_start: date, first_end: date | None, second_start: date, second_end: date | None
) -> bool:
    """Whether two terms share at least one day.

    Both ends are inclusive and None means open-ended: a term ending on
    2021-12-31 and one starting on 2022-01-01 do not overlap, while one
    ending on 2022-01-01 and one starting that same day do.
    """
    first_reaches = first_end is None or second_start <= first_end
    second_reaches = second_end is None or first_start <= second_end
    return first_reaches and second_reaches


def describe_span(start: date, end: date | None) -> str:
    """Write a term's days for a person: "2022-01-01 to 2023-12-31", or open-ended."""
    if end is None:
        return f"from {start.isoformat()}, open-ended"
    return f"{start.isoformat()} to {end.isoformat()}"
