"""Rules for owners' committees (docs/domain.md#committees), as pure functions on plain values.

The national guidance (住房和城乡建设部《业主大会和业主委员会指导规则》, 2009,
Art. 31; restated in the 2020 guidance on owners' committees): a committee has
5 to 11 members, an odd number; a community of at most 100 households may
have 3; a term lasts at most 5 years. Cities set their own numbers within
that, which pmsys keeps in the setting `committee_rules` (nearest region wins):

    {"min_members": 5, "max_members": 11, "small_households": 100,
     "small_min_members": 3, "max_term_years": 5, "warn_days": 90}

Committee states: none (no row) → preparing → active → expired; an interim
management committee (物业管理委员会) is appointed straight into active.
"""

from __future__ import annotations

from datetime import date, timedelta

DEFAULT_RULES: dict[str, int] = {
    "min_members": 5,
    "max_members": 11,
    "small_households": 100,
    "small_min_members": 3,
    "max_term_years": 5,
    "warn_days": 90,
}

RULE_KEYS = tuple(DEFAULT_RULES)

# (status, action) → next status; status "none" is a community without a
# preparing or active committee.
TRANSITIONS: dict[tuple[str, str], str] = {
    ("none", "prepare"): "preparing",
    ("active", "prepare"): "preparing",  # re-election while the old committee serves
    ("preparing", "activate"): "active",
    ("preparing", "abandon"): "expired",
    ("active", "expire"): "expired",
    ("none", "appoint_interim"): "active",
}


def rules_from(value: object) -> dict[str, int]:
    """The committee rules from a setting value, missing keys taken from the defaults.

    Raises ValueError when a key is unknown, a value is not a positive whole
    number, or the numbers contradict each other (min above max, a term over
    the national limit of 5 years).
    """
    if value is None:
        return dict(DEFAULT_RULES)
    if not isinstance(value, dict):
        raise ValueError("committee_rules must be an object")
    unknown = sorted(set(value) - set(DEFAULT_RULES))
    if unknown:
        raise ValueError(f"unknown committee_rules keys: {', '.join(unknown)}")
    rules = dict(DEFAULT_RULES)
    for key, raw in value.items():
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
            raise ValueError(f"committee_rules.{key} must be a positive whole number")
        rules[key] = raw
    if rules["min_members"] > rules["max_members"]:
        raise ValueError("committee_rules.min_members is above max_members")
    if rules["small_min_members"] > rules["min_members"]:
        raise ValueError("committee_rules.small_min_members is above min_members")
    if rules["max_term_years"] > 5:
        raise ValueError("committee_rules.max_term_years is above the national limit of 5")
    return rules


def size_problem(members: int, households: int, rules: dict[str, int]) -> str | None:
    """Why a committee of `members` does not fit a community of `households`, or None.

    Codes: "even" (the number must be odd), "too_few", "too_many". The small
    minimum applies to a community of at most `small_households` households.
    """
    if members % 2 == 0:
        return "even"
    small = households <= rules["small_households"]
    minimum = rules["small_min_members"] if small else rules["min_members"]
    if members < minimum:
        return "too_few"
    if members > rules["max_members"]:
        return "too_many"
    return None


def size_bounds(households: int, rules: dict[str, int]) -> tuple[int, int]:
    """The smallest and largest committee a community of `households` may have."""
    small = households <= rules["small_households"]
    return (rules["small_min_members"] if small else rules["min_members"], rules["max_members"])


def add_years(day: date, years: int) -> date:
    """The same calendar day `years` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def latest_term_end(start: date, rules: dict[str, int]) -> date:
    """The last day of the longest term allowed from `start` (5 years: the day before)."""
    return add_years(start, rules["max_term_years"]) - timedelta(days=1)


def term_problem(start: date, end: date | None, rules: dict[str, int]) -> str | None:
    """Why a term from `start` through `end` is not allowed, or None.

    Codes: "end_before_start", "too_long". An elected committee's term always
    has an end; None is allowed only for an interim committee (until one is
    elected), which the caller decides.
    """
    if end is None:
        return None
    if end < start:
        return "end_before_start"
    if end > latest_term_end(start, rules):
        return "too_long"
    return None


def warning_due(term_end: date | None, today: date, rules: dict[str, int]) -> bool:
    """Whether the "term ends soon" warning is due: within `warn_days` of the end, not past it."""
    if term_end is None:
        return False
    return today <= term_end <= today + timedelta(days=rules["warn_days"])


def expired_by(term_end: date | None, today: date) -> bool:
    """Whether a term ending on `term_end` (inclusive) is over on `today`."""
    return term_end is not None and term_end < today


def next_status(status: str, action: str) -> str | None:
    """The status after `action`, or None when the action is not allowed in `status`."""
    return TRANSITIONS.get((status, action))
