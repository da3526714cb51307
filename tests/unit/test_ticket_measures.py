"""The ticket measures of docs/domain.md#measures as pure functions: each count, rate and median,
and edges."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from pmsys import money
from pmsys.tickets.measures import (
    DisputeEvent,
    DisputeMeasures,
    Measures,
    TicketRow,
    measure,
    measure_disputes,
    measure_groups,
    median_minutes,
    month_key,
    months_between,
    rate,
)

T0 = datetime(2025, 6, 2, 2, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=30)
RESPOND = timedelta(hours=2)
RESOLVE = timedelta(hours=48)


def row(key="A", status="closed", *, responded=1.0, resolved=24.0, rating=None, reopens=0,
        disputes=0, reported=T0, name=None, respond_within=RESPOND,
        resolve_within=RESOLVE) -> TicketRow:
    """A ticket reported at `reported`; `responded`/`resolved` in hours after it (None: not)."""
    return TicketRow(
        key=key,
        name=name or f"group {key}",
        status=status,
        reported_at=reported,
        due_respond_at=reported + respond_within,
        responded_at=None if responded is None else reported + timedelta(hours=responded),
        due_resolve_at=reported + resolve_within,
        resolved_at=None if resolved is None else reported + timedelta(hours=resolved),
        rating=rating,
        reopen_count=reopens,
        dispute_count=disputes,
        cancelled=status == "cancelled",
    )


def test_rate_rounds_half_up_to_four_places_and_is_none_without_a_denominator():
    assert rate(2, 3) == Decimal("0.6667")
    assert rate(1, 3) == Decimal("0.3333")
    assert rate(1, 8) == Decimal("0.1250")
    assert rate(1, 16) == Decimal("0.0625")
    assert rate(1, 32) == Decimal("0.0313")  # 0.03125 half up
    assert rate(0, 5) == Decimal("0.0000")
    assert rate(5, 5) == Decimal("1.0000")
    assert rate(0, 0) is None
    assert str(rate(2, 3)) == "0.6667"
    assert rate(7, 3) == Decimal("2.3333")  # more reopens than fixes: past the table


def test_rate_of_counts_is_money_ratio_to_the_last_digit():
    # The integer rounding of counts gives the Decimal division's figure and its text.
    for whole in [*range(1, 400), 9_999, 10_000, 10_001, 20_000, 65_537, 999_983]:
        for part in {*range(min(whole, 400) + 1), whole // 3, whole // 2, whole - 1, whole}:
            assert str(rate(part, whole)) == str(money.ratio(part, whole)), (part, whole)


def test_median_of_an_odd_count_is_the_middle_value():
    durations = [timedelta(minutes=m) for m in (50, 10, 30)]
    assert median_minutes(durations) == Decimal("30.0")


def test_median_of_an_even_count_is_the_mean_of_the_two_middle_values():
    durations = [timedelta(minutes=m) for m in (10, 45, 30, 120)]
    assert median_minutes(durations) == Decimal("37.5")


def test_median_keeps_seconds_and_rounds_to_a_tenth_of_a_minute():
    assert median_minutes([timedelta(seconds=91)]) == Decimal("1.5")  # 1.5166…
    assert median_minutes([timedelta(seconds=87)]) == Decimal("1.5")  # 1.45 half up
    assert median_minutes([timedelta(seconds=86)]) == Decimal("1.4")


def test_median_of_nothing_is_none():
    assert median_minutes([]) is None


def test_a_group_without_tickets_has_zero_counts_and_no_rates():
    result = measure([], NOW)
    assert (result.filed, result.due, result.resolved, result.rated) == (0, 0, 0, 0)
    assert result.response_rate is None and result.resolution_rate is None
    assert result.on_time_rate is None and result.satisfaction_rate is None
    assert result.reopen_rate is None and result.dispute_rate is None
    assert result.median_response_minutes is None
    assert result.median_resolution_minutes is None


def test_cancelled_tickets_count_nowhere():
    cancelled = row(status="cancelled", responded=None, resolved=None)
    answered_then_cancelled = row(status="cancelled", responded=0.5, resolved=None, rating=1,
                                  reopens=1, disputes=1)
    assert measure([cancelled, answered_then_cancelled], NOW) == measure([], NOW)
    both = measure([cancelled, row(rating=5)], NOW)
    assert (both.filed, both.responded, both.resolved, both.rated) == (1, 1, 1, 1)
    # `cancelled` alone (whatever the status says) also excludes the ticket.
    flagged = TicketRow(**{**row().__dict__, "cancelled": True})
    assert measure([flagged], NOW).filed == 0


def test_responding_exactly_at_the_deadline_is_on_time_and_a_second_later_is_not():
    at_deadline = row(responded=2.0)
    late = TicketRow(**{**row().__dict__,
                        "responded_at": T0 + RESPOND + timedelta(seconds=1)})
    result = measure([at_deadline, late], NOW)
    assert (result.responded, result.responded_on_time, result.due) == (2, 1, 2)
    assert result.response_rate == Decimal("0.5000")


def test_resolving_exactly_at_the_deadline_is_on_time_and_a_second_later_is_not():
    at_deadline = row(resolved=48.0)
    late = TicketRow(**{**row().__dict__, "resolved_at": T0 + RESOLVE + timedelta(seconds=1)})
    result = measure([at_deadline, late], NOW)
    assert (result.resolved, result.resolved_on_time) == (2, 1)
    assert result.on_time_rate == Decimal("0.5000")


def test_a_ticket_is_due_for_response_once_its_deadline_passed_or_it_was_answered():
    waiting_in_time = row(status="assigned", responded=None, resolved=None, reported=NOW)
    deadline_now = row(status="assigned", responded=None, resolved=None,
                       reported=NOW - RESPOND)
    overdue = row(status="assigned", responded=None, resolved=None,
                  reported=NOW - RESPOND - timedelta(seconds=1))
    answered_early = row(status="accepted", responded=0.25, resolved=None, reported=NOW)
    result = measure([waiting_in_time, deadline_now, overdue, answered_early], NOW)
    assert result.filed == 4
    # At the deadline itself the ticket may still be answered in time: not due yet.
    assert result.due == 2
    assert result.responded_on_time == 1
    assert result.response_rate == Decimal("0.5000")


def test_resolution_rate_counts_resolved_and_closed_over_filed():
    rows = [
        row(status="resolved"),
        row(status="closed"),
        row(status="in_progress", resolved=None),
        row(status="assigned", responded=None, resolved=None),
        row(status="disputed", responded=None, resolved=None),
        row(status="cancelled", resolved=None),
    ]
    result = measure(rows, NOW)
    assert (result.filed, result.resolved) == (5, 2)
    assert result.resolution_rate == Decimal("0.4000")


def test_a_reopened_ticket_counts_as_resolved_only_when_resolved_again():
    reopened_open = row(status="assigned", resolved=None, reopens=1)
    reopened_fixed = row(status="closed", reopens=2)
    fixed = row(status="closed")
    result = measure([reopened_open, reopened_fixed, fixed], NOW)
    assert (result.resolved, result.reopens) == (2, 2)
    assert result.reopen_rate == Decimal("1.0000")


def test_satisfaction_is_ratings_of_four_and_five_over_rated():
    rows = [row(rating=r) for r in (1, 2, 3, 4, 5)] + [row(rating=None)]
    result = measure(rows, NOW)
    assert (result.rated, result.satisfied) == (5, 2)
    assert result.satisfaction_rate == Decimal("0.4000")


def test_disputes_and_reopens_count_tickets_not_occurrences():
    rows = [row(disputes=3, reopens=2), row(disputes=1), row(), row()]
    result = measure(rows, NOW)
    assert (result.disputes, result.reopens) == (2, 1)
    assert result.dispute_rate == Decimal("0.5000")
    assert result.reopen_rate == Decimal("0.2500")


def test_medians_run_from_the_report_to_the_response_and_to_the_resolution():
    rows = [
        row(responded=0.5, resolved=10),
        row(responded=1.0, resolved=20),
        row(responded=3.0, resolved=None, status="in_progress"),
        row(responded=None, resolved=None, status="assigned"),
    ]
    result = measure(rows, NOW)
    assert result.median_response_minutes == Decimal("60.0")  # of 30, 60, 180
    assert result.median_resolution_minutes == Decimal("900.0")  # of 600, 1200


def test_every_rate_of_a_mixed_group():
    rows = [
        row(responded=1, resolved=10, rating=5),
        row(responded=3, resolved=60, rating=3, reopens=1),
        row(status="in_progress", responded=1.5, resolved=None, disputes=1),
    ]
    result = measure(rows, NOW)
    assert result == Measures(
        key=None, name=None, filed=3, due=3, responded=3, responded_on_time=2, resolved=2,
        resolved_on_time=1, rated=2, satisfied=1, reopens=1, disputes=1,
        response_rate=Decimal("0.6667"), resolution_rate=Decimal("0.6667"),
        on_time_rate=Decimal("0.5000"), satisfaction_rate=Decimal("0.5000"),
        reopen_rate=Decimal("0.5000"), dispute_rate=Decimal("0.3333"),
        median_response_minutes=Decimal("90.0"), median_resolution_minutes=Decimal("2100.0"),
    )


def test_groups_are_ordered_by_key_and_the_total_covers_them_all():
    rows = [row("B", rating=5), row("A", rating=2), row("B", status="assigned", responded=None,
                                                        resolved=None)]
    items, total = measure_groups(rows, NOW)
    assert [(i.key, i.name, i.filed, i.resolved) for i in items] == [
        ("A", "group A", 1, 1), ("B", "group B", 2, 1)]
    assert total.key is None and total.filed == 3 and total.resolved == 2
    assert total.satisfaction_rate == Decimal("0.5000")


def test_a_group_of_only_cancelled_tickets_is_listed_with_nothing_filed():
    items, total = measure_groups([row("A", status="cancelled")], NOW)
    assert [(i.key, i.filed, i.resolution_rate) for i in items] == [("A", 0, None)]
    assert total.filed == 0


def test_groups_named_by_keys_are_listed_even_without_tickets():
    items, _ = measure_groups([row("2025-06", name="2025-06")], NOW,
                              keys=["2025-05", "2025-06", "2025-07"])
    assert [(i.key, i.name, i.filed) for i in items] == [
        ("2025-05", "2025-05", 0), ("2025-06", "2025-06", 1), ("2025-07", "2025-07", 0)]
    assert items[0].response_rate is None


@pytest.mark.parametrize(("first", "last", "keys"), [
    (date(2025, 7, 1), date(2025, 6, 30), []),
    (date(2025, 6, 30), date(2025, 6, 1), []),
    (date(2025, 6, 1), date(2025, 6, 30), ["2025-06"]),
    (date(2025, 11, 15), date(2026, 2, 1), ["2025-11", "2025-12", "2026-01", "2026-02"]),
])
def test_months_between_lists_each_month_once_across_the_year_end(first, last, keys):
    assert months_between(first, last) == keys


def test_month_key_pads_the_month():
    assert month_key(date(2025, 3, 9)) == "2025-03"
    assert month_key(datetime(2025, 12, 31, 23, 59)) == "2025-12"


# --- Disputes, against the organisation that raised them -------------------------------


def test_each_dispute_counts_against_who_raised_it_with_the_ruling():
    events = [
        # Ticket 1: W disputes, the arbiter reassigns it to M (upheld); M disputes, sent back.
        DisputeEvent(1, "dispute", "W", "水投"),
        DisputeEvent(1, "reassign"),
        DisputeEvent(1, "dispute", "M", "物业"),
        DisputeEvent(1, "uphold"),
        # Ticket 2: a reassignment nobody disputed rules on nothing; then W disputes, waiting.
        DisputeEvent(2, "reassign"),
        DisputeEvent(2, "dispute", "W", "水投"),
        # Ticket 3: W disputes and is sent back twice.
        DisputeEvent(3, "dispute", "W", "水投"),
        DisputeEvent(3, "uphold"),
        DisputeEvent(3, "dispute", "W", "水投"),
        DisputeEvent(3, "uphold"),
    ]
    groups, total = measure_disputes(events)
    assert groups == {
        "W": DisputeMeasures("W", "水投", raised=4, upheld=1, returned=2),
        "M": DisputeMeasures("M", "物业", raised=1, upheld=0, returned=1),
    }
    assert groups["W"].waiting == 1 and groups["M"].waiting == 0
    assert total == DisputeMeasures(None, None, raised=5, upheld=1, returned=3)


def test_no_disputes_measure_nothing():
    assert measure_disputes([]) == ({}, DisputeMeasures(None, None))
    assert measure_disputes([DisputeEvent(1, "reassign"), DisputeEvent(1, "uphold")]) == (
        {}, DisputeMeasures(None, None))
