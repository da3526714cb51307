"""Deadlines and escalation levels (docs/domain.md#deadlines, #escalation): pure rules.

No national rule fixes response and resolution times; local service standards
and contracts do. The policy is a setting (`ticket_deadlines`, per region, the
nearest region's value winning) of this shape, every key but the defaults
optional, times in minutes:

    {"emergency": {"respond": 30, "resolve": 1440},
     "urgent":    {"respond": 120, "resolve": 2880},
     "normal":    {"respond": 1440, "resolve": 10080},
     "categories":    {"heating": {"urgent": {"respond": 60, "resolve": 1440}}},
     "organizations": {"QSW": {"normal": {"respond": 720, "resolve": 4320}}}}

An organisation's own terms (its contract) win over the category's, which win
over the priority's defaults.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

PRIORITIES = ("emergency", "urgent", "normal")

DEFAULT_POLICY: dict = {
    "emergency": {"respond": 30, "resolve": 24 * 60},
    "urgent": {"respond": 2 * 60, "resolve": 48 * 60},
    "normal": {"respond": 24 * 60, "resolve": 7 * 24 * 60},
}

# Escalation levels: 1 the assignee's own managers, 2 the street office, 3 the housing bureau.
ORG_MANAGERS, STREET_OFFICE, HOUSING_BUREAU = 1, 2, 3
TOP_LEVEL = HOUSING_BUREAU


@dataclass(frozen=True)
class Windows:
    """How long the assignee has to respond and to resolve."""

    respond: timedelta
    resolve: timedelta


class PolicyError(ValueError):
    """A deadline policy that is not of the documented shape."""


def _minutes(entry, where: str) -> tuple[int, int] | None:
    if entry is None:
        return None
    if not isinstance(entry, dict):
        raise PolicyError(f"{where} must be an object with respond and resolve minutes")
    respond, resolve = entry.get("respond"), entry.get("resolve")
    for name, value in (("respond", respond), ("resolve", resolve)):
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise PolicyError(f"{where}.{name} must be a positive number of minutes")
    if resolve < respond:
        raise PolicyError(f"{where}: resolve must not be shorter than respond")
    return respond, resolve


def windows(priority: str, category: str, org_code: str | None, policy: dict | None) -> Windows:
    """The response and resolution windows for a ticket, by the most specific rule."""
    if priority not in PRIORITIES:
        raise PolicyError(f"unknown priority {priority!r}")
    policy = policy or {}
    candidates = [
        (policy.get("organizations", {}).get(org_code or "", {}).get(priority),
         f"organizations.{org_code}.{priority}"),
        (policy.get("categories", {}).get(category, {}).get(priority),
         f"categories.{category}.{priority}"),
        (policy.get(priority), priority),
        (DEFAULT_POLICY[priority], priority),
    ]
    for entry, where in candidates:
        found = _minutes(entry, where)
        if found is not None:
            return Windows(timedelta(minutes=found[0]), timedelta(minutes=found[1]))
    raise AssertionError("the defaults cover every priority")  # pragma: no cover


def validate_policy(policy) -> None:
    """Raise PolicyError unless `policy` has the documented shape."""
    if not isinstance(policy, dict):
        raise PolicyError("the deadline policy must be an object")
    for priority in PRIORITIES:
        _minutes(policy.get(priority), priority)
    for group in ("categories", "organizations"):
        entries = policy.get(group, {})
        if not isinstance(entries, dict):
            raise PolicyError(f"{group} must be an object")
        for key, per_priority in entries.items():
            if not isinstance(per_priority, dict):
                raise PolicyError(f"{group}.{key} must be an object by priority")
            for priority, entry in per_priority.items():
                if priority not in PRIORITIES:
                    raise PolicyError(f"{group}.{key}: unknown priority {priority!r}")
                _minutes(entry, f"{group}.{key}.{priority}")
    unknown = set(policy) - set(PRIORITIES) - {"categories", "organizations"}
    if unknown:
        raise PolicyError("unknown keys: " + ", ".join(sorted(unknown)))


def deadlines(start: datetime, win: Windows) -> tuple[datetime, datetime]:
    """(respond by, resolve by) for work assigned at `start`."""
    return start + win.respond, start + win.resolve


def missed_deadlines(
    now: datetime,
    *,
    due_respond_at: datetime,
    responded_at: datetime | None,
    due_resolve_at: datetime,
    resolved_at: datetime | None,
    resolve_window: timedelta,
) -> int:
    """How many deadlines the ticket has missed by `now` (each one raises a level).

    The response deadline counts when no response came by then; the resolution
    deadline when no resolution came by then; and while the ticket stays
    unresolved, every further resolution window past it counts as one more.
    A deadline is missed only once it has passed (at the deadline itself it is
    still met).
    """
    missed = 0
    if due_respond_at < now and (responded_at is None or responded_at > due_respond_at):
        missed += 1
    if resolved_at is None and due_resolve_at < now:
        # The first miss, plus one per further window that has fully passed, unresolved.
        overdue = now - due_resolve_at - timedelta(microseconds=1)
        missed += 1 + (overdue // resolve_window if resolve_window else 0)
    return missed


def escalation_target(current_level: int, missed: int) -> int:
    """The level a ticket should be at: one level per missed deadline, never down, at most 3."""
    return max(current_level, min(missed, TOP_LEVEL))


def auto_close_due(resolved_at: datetime, now: datetime, hours: int = 72) -> bool:
    """Whether a resolution without an answer closes itself (more than `hours` ago)."""
    return now - resolved_at > timedelta(hours=hours)
