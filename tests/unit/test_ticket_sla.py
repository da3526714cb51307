"""Deadlines and escalation levels (docs/domain.md#deadlines, #escalation): pure rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pmsys.tickets import sla
from pmsys.tickets.sla import PolicyError, Windows

START = datetime(2025, 6, 2, 2, 0, tzinfo=UTC)
US = timedelta(microseconds=1)


def mins(respond: int, resolve: int) -> Windows:
    return Windows(timedelta(minutes=respond), timedelta(minutes=resolve))


@pytest.mark.parametrize(
    ("priority", "respond", "resolve"),
    [
        ("emergency", timedelta(minutes=30), timedelta(hours=24)),
        ("urgent", timedelta(hours=2), timedelta(hours=48)),
        ("normal", timedelta(hours=24), timedelta(days=7)),
    ],
)
def test_defaults_follow_the_design_table(priority, respond, resolve):
    assert sla.windows(priority, "lighting", None, None) == Windows(respond, resolve)
    assert sla.windows(priority, "lighting", "ANY", {}) == Windows(respond, resolve)


POLICY = {
    "normal": {"respond": 600, "resolve": 6000},
    "categories": {"heating": {"normal": {"respond": 60, "resolve": 1440}}},
    "organizations": {"QSW": {"normal": {"respond": 30, "resolve": 300}}},
}


def test_organisation_wins_over_category_over_priority_over_default():
    assert sla.windows("normal", "heating", "QSW", POLICY) == mins(30, 300)
    assert sla.windows("normal", "heating", "OTHER", POLICY) == mins(60, 1440)
    assert sla.windows("normal", "lighting", "OTHER", POLICY) == mins(600, 6000)
    assert sla.windows("normal", "lighting", None, POLICY) == mins(600, 6000)
    # A priority the policy does not name falls to the defaults.
    assert sla.windows("urgent", "heating", "QSW", POLICY) == mins(120, 2880)


def test_an_organisation_override_applies_to_every_category():
    assert sla.windows("normal", "lighting", "QSW", POLICY) == mins(30, 300)


def test_unknown_priority_is_refused():
    with pytest.raises(PolicyError):
        sla.windows("whenever", "lighting", None, None)


def test_the_documented_shape_is_valid():
    sla.validate_policy(POLICY)
    sla.validate_policy({})
    sla.validate_policy(sla.DEFAULT_POLICY)


@pytest.mark.parametrize(
    "policy",
    [
        [],
        "fast",
        {"normal": {"respond": 0, "resolve": 10}},
        {"normal": {"respond": -5, "resolve": 10}},
        {"normal": {"respond": 10}},
        {"normal": {"respond": "10", "resolve": 100}},
        {"normal": {"respond": 1.5, "resolve": 100}},
        {"normal": {"respond": True, "resolve": 100}},
        {"normal": {"respond": 100, "resolve": 10}},
        {"normal": [10, 100]},
        {"soon": {"respond": 10, "resolve": 100}},
        {"categories": []},
        {"categories": {"heating": {"urgent": {"respond": 10, "resolve": 5}}}},
        {"categories": {"heating": {"whenever": {"respond": 10, "resolve": 50}}}},
        {"categories": {"heating": [1]}},
        {"organizations": {"QSW": {"normal": {"respond": 0, "resolve": 5}}}},
        {"organizations": "QSW"},
    ],
)
def test_validate_policy_refusals(policy):
    with pytest.raises(PolicyError):
        sla.validate_policy(policy)


def test_windows_refuse_a_broken_entry_they_would_use():
    with pytest.raises(PolicyError):
        sla.windows("normal", "heating", None, {"normal": {"respond": 10, "resolve": 5}})


def test_deadlines_add_the_windows_to_the_start():
    respond, resolve = sla.deadlines(START, mins(30, 1440))
    assert respond == START + timedelta(minutes=30)
    assert resolve == START + timedelta(hours=24)


def missed(now, *, respond_window=timedelta(minutes=30), resolve_window=timedelta(hours=24),
           responded_at=None, resolved_at=None):
    return sla.missed_deadlines(
        now,
        due_respond_at=START + respond_window,
        responded_at=responded_at,
        due_resolve_at=START + resolve_window,
        resolved_at=resolved_at,
        resolve_window=resolve_window,
    )


def test_response_deadline_met_at_the_deadline_missed_a_microsecond_after():
    due = START + timedelta(minutes=30)
    assert missed(due) == 0
    assert missed(due + US) == 1


def test_a_response_in_time_is_no_miss_a_late_one_is():
    due = START + timedelta(minutes=30)
    assert missed(due + timedelta(hours=1), responded_at=due) == 0
    assert missed(due + timedelta(hours=1), responded_at=due + US) == 1


def test_resolution_deadline_boundary_and_recurring_windows():
    window = timedelta(hours=24)
    due = START + window
    on_time = START + timedelta(minutes=1)
    assert missed(due, responded_at=on_time) == 0
    assert missed(due + US, responded_at=on_time) == 1
    # Every further full window unresolved counts once more.
    assert missed(due + window, responded_at=on_time) == 1
    assert missed(due + window + US, responded_at=on_time) == 2
    assert missed(due + 2 * window + US, responded_at=on_time) == 3
    # And the unanswered response adds its own.
    assert missed(due + US) == 2


def test_a_resolved_ticket_misses_no_resolution_deadline():
    due = START + timedelta(hours=24)
    assert missed(due + timedelta(days=5), responded_at=START,
                  resolved_at=due + timedelta(days=1)) == 0


@pytest.mark.parametrize(
    ("current", "missed_count", "target"),
    [(0, 0, 0), (0, 1, 1), (0, 2, 2), (0, 3, 3), (0, 7, 3), (1, 1, 1), (2, 1, 2), (3, 0, 3),
     (3, 9, 3), (1, 2, 2)],
)
def test_escalation_target_never_goes_down_and_caps_at_three(current, missed_count, target):
    assert sla.escalation_target(current, missed_count) == target


def test_escalation_levels_are_the_designed_three():
    assert (sla.ORG_MANAGERS, sla.STREET_OFFICE, sla.HOUSING_BUREAU) == (1, 2, 3)
    assert sla.TOP_LEVEL == 3


def test_auto_close_after_72_hours_not_at_them():
    resolved = START
    assert not sla.auto_close_due(resolved, resolved + timedelta(hours=71, minutes=59))
    assert not sla.auto_close_due(resolved, resolved + timedelta(hours=72))
    assert sla.auto_close_due(resolved, resolved + timedelta(hours=72) + US)
    assert sla.auto_close_due(resolved, resolved + timedelta(hours=24) + US, hours=24)
