"""Whether a renovation project may be accepted (docs/domain.md#projects): pure rules.

Acceptance (竣工验收) needs a resident satisfaction rate of at least the
configured minimum (default 90 %, the rule Shenyang and others apply: no
acceptance below it) and, where a community has an active owners' committee,
that committee's sign-off (several cities: no committee signature, no
acceptance). Every covered community needs a long-term management arrangement (a
management term in force on the acceptance day or a recorded plan) unless the acceptance is
overridden with a reason.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from decimal import Decimal

from pmsys import money


def acceptance_problems(
    *,
    satisfaction_rate: Decimal | None,
    minimum: Decimal,
    accepted_on: date,
    completed_on: date | None,
    need_signoff: Collection[str],
    signed_off: Collection[str],
    unarranged: Collection[str] = (),
    overridden: bool = False,
) -> list[tuple[str, str]]:
    """Return (code, reason) for every rule the acceptance breaks; empty when it may proceed."""
    problems: list[tuple[str, str]] = []
    if satisfaction_rate is None:
        problems.append(
            (
                "satisfaction_missing",
                "no resident satisfaction rate: no closed satisfaction survey of the project "
                "has answers, and no rate was typed with a reason",
            )
        )
    elif not Decimal(0) <= satisfaction_rate <= Decimal(1):
        problems.append(("bad_satisfaction", "the satisfaction rate must be between 0 and 1"))
    elif satisfaction_rate < minimum:
        problems.append(
            (
                "satisfaction_too_low",
                f"resident satisfaction {money.ratio_str(satisfaction_rate)} is below the "
                f"minimum {money.ratio_str(minimum)}",
            )
        )
    if completed_on is not None and accepted_on < completed_on:
        problems.append(
            (
                "accepted_before_completion",
                f"acceptance {accepted_on} is before completion {completed_on}",
            )
        )
    missing = sorted(set(need_signoff) - set(signed_off))
    if missing:
        problems.append(
            (
                "committee_signoff_missing",
                "the owners' committee has not signed off: " + ", ".join(missing),
            )
        )
    if unarranged and not overridden:
        problems.append(
            (
                "no_management_arrangement",
                "no long-term management arrangement (no management term in force on the "
                "acceptance day, no recorded plan): " + ", ".join(sorted(unarranged)),
            )
        )
    return problems
