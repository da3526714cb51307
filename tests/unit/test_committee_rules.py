"""Owners' committee rules (docs/domain.md#committees): size, term length, warnings and the rules
setting."""

from datetime import date

import pytest

from pmsys.governance.committees import (
    DEFAULT_RULES,
    add_years,
    expired_by,
    latest_term_end,
    next_status,
    rules_from,
    size_bounds,
    size_problem,
    term_problem,
    warning_due,
)

D = date.fromisoformat
RULES = dict(DEFAULT_RULES)


@pytest.mark.parametrize(
    ("members", "households", "expected"),
    [
        # An odd number, always.
        (4, 500, "even"),
        (6, 50, "even"),
        (12, 500, "even"),
        # 3 members only for a community of at most 100 households.
        (3, 100, None),
        (3, 1, None),
        (3, 101, "too_few"),
        (1, 50, "too_few"),
        (5, 101, None),
        (5, 100, None),
        # 11 at most.
        (11, 5000, None),
        (13, 5000, "too_many"),
        (13, 50, "too_many"),
    ],
)
def test_size(members, households, expected):
    assert size_problem(members, households, RULES) == expected


def test_size_bounds_follow_the_household_count():
    assert size_bounds(100, RULES) == (3, 11)
    assert size_bounds(101, RULES) == (5, 11)
    city = rules_from({"small_households": 200, "max_members": 9})
    assert size_bounds(150, city) == (3, 9)
    assert size_problem(11, 150, city) == "too_many"


def test_a_term_of_five_years_ends_the_day_before_the_fifth_anniversary():
    assert latest_term_end(D("2025-06-02"), RULES) == D("2030-06-01")
    assert latest_term_end(D("2025-01-01"), RULES) == D("2029-12-31")
    assert term_problem(D("2025-06-02"), D("2030-06-01"), RULES) is None
    assert term_problem(D("2025-06-02"), D("2030-06-02"), RULES) == "too_long"
    assert term_problem(D("2025-06-02"), D("2025-06-01"), RULES) == "end_before_start"
    assert term_problem(D("2025-06-02"), D("2025-06-02"), RULES) is None
    assert term_problem(D("2025-06-02"), None, RULES) is None
    three = rules_from({"max_term_years": 3})
    assert term_problem(D("2025-06-02"), D("2028-06-01"), three) is None
    assert term_problem(D("2025-06-02"), D("2028-06-02"), three) == "too_long"


def test_29_february():
    assert add_years(D("2024-02-29"), 5) == D("2029-02-28")
    assert add_years(D("2024-02-29"), 4) == D("2028-02-29")  # a leap year keeps the day
    assert latest_term_end(D("2024-02-29"), RULES) == D("2029-02-27")
    assert latest_term_end(D("2024-03-01"), RULES) == D("2029-02-28")
    # A term starting on 1 March 2023 may end on 29 February 2028, a leap day.
    assert latest_term_end(D("2023-03-01"), RULES) == D("2028-02-29")


def test_warning_window_is_exactly_warn_days():
    end = D("2025-09-01")
    assert warning_due(end, D("2025-06-03"), RULES)  # 90 days before: due
    assert not warning_due(end, D("2025-06-02"), RULES)  # 91 days before: not yet
    assert warning_due(end, end, RULES)  # the last day still warns
    assert not warning_due(end, D("2025-09-02"), RULES)  # over: expire, not warn
    assert not warning_due(None, D("2025-06-03"), RULES)
    assert warning_due(end, D("2025-08-02"), rules_from({"warn_days": 30}))
    assert not warning_due(end, D("2025-08-01"), rules_from({"warn_days": 30}))


def test_expired_by_counts_the_last_day_in():
    assert not expired_by(D("2025-06-02"), D("2025-06-02"))
    assert expired_by(D("2025-06-02"), D("2025-06-03"))
    assert not expired_by(None, D("2099-01-01"))


def test_rules_from_fills_the_defaults():
    assert rules_from(None) == DEFAULT_RULES
    assert rules_from({}) == DEFAULT_RULES
    assert rules_from({"warn_days": 60})["warn_days"] == 60
    assert rules_from({"warn_days": 60})["max_members"] == 11
    assert rules_from(None) is not DEFAULT_RULES  # a copy: changing it changes no default


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ([5, 11], "must be an object"),
        ("5-11", "must be an object"),
        ({"min_members": 5, "colour": 1}, "unknown committee_rules keys: colour"),
        ({"min_members": 0}, "positive whole number"),
        ({"min_members": -5}, "positive whole number"),
        ({"min_members": 5.0}, "positive whole number"),
        ({"min_members": "5"}, "positive whole number"),
        ({"min_members": True}, "positive whole number"),
        ({"min_members": 13}, "min_members is above max_members"),
        ({"small_min_members": 7}, "small_min_members is above min_members"),
        ({"max_term_years": 6}, "above the national limit of 5"),
    ],
)
def test_rules_from_refuses(value, fragment):
    with pytest.raises(ValueError, match=fragment):
        rules_from(value)


@pytest.mark.parametrize(
    ("status", "action", "expected"),
    [
        ("none", "prepare", "preparing"),
        ("active", "prepare", "preparing"),
        ("preparing", "activate", "active"),
        ("preparing", "abandon", "expired"),
        ("active", "expire", "expired"),
        ("none", "appoint_interim", "active"),
        ("preparing", "prepare", None),
        ("active", "appoint_interim", None),
        ("none", "activate", None),
        ("expired", "expire", None),
    ],
)
def test_transitions(status, action, expected):
    assert next_status(status, action) == expected
