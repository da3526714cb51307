"""The ticket state machine (docs/domain.md#tickets): check() and allowed_actions() over the full
table."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from pmsys.tickets import lifecycle
from pmsys.tickets.lifecycle import ActionRefused, Party, Refusal

STATES = ("assigned", "accepted", "in_progress", "disputed", "resolved", "closed", "cancelled")
R, AS, AR = Party.reporter, Party.assignee, Party.arbiter

# The table written out, not computed: action → (states it starts from, parties, new state).
TABLE = {
    "accept": ({"assigned"}, {AS}, "accepted"),
    "start": ({"accepted"}, {AS}, "in_progress"),
    "resolve": ({"accepted", "in_progress"}, {AS}, "resolved"),
    "dispute": ({"assigned", "accepted"}, {AS}, "disputed"),
    "reassign": ({"assigned", "accepted", "in_progress", "disputed"}, {AR}, "assigned"),
    "uphold": ({"disputed"}, {AR}, "assigned"),
    "confirm": ({"resolved"}, {R}, "closed"),
    "reopen": ({"resolved"}, {R}, "assigned"),
    "cancel": ({"assigned"}, {R}, "cancelled"),
    "hurry": ({"assigned", "accepted", "in_progress", "disputed"}, {R}, None),
    "comment": ({"assigned", "accepted", "in_progress", "disputed", "resolved"}, {R, AS, AR},
                None),
}
PARTY_SETS = [
    set(combo) for size in range(4) for combo in itertools.combinations(Party, size)
]


def test_the_table_is_the_one_in_the_code():
    assert set(lifecycle.ACTIONS) == set(TABLE)
    assert set(lifecycle.STATES) == set(STATES)
    for name, (states, parties, to_state) in TABLE.items():
        spec = lifecycle.ACTIONS[name]
        assert (set(spec.from_states), set(spec.parties), spec.to_state) == (
            states, parties, to_state), name


@pytest.mark.parametrize("action", list(TABLE))
@pytest.mark.parametrize("state", STATES)
def test_check_every_action_state_and_party_set(action, state):
    states, allowed_parties, _ = TABLE[action]
    for parties in PARTY_SETS:
        acting = parties & allowed_parties
        if not acting:
            with pytest.raises(ActionRefused) as refused:
                lifecycle.check(action, state, parties)
            # The party comes first: no state is revealed to a non-party.
            assert refused.value.kind is Refusal.party
            assert refused.value.code == "not_your_action"
        elif state not in states:
            with pytest.raises(ActionRefused) as refused:
                lifecycle.check(action, state, parties)
            assert refused.value.kind is Refusal.state
            assert refused.value.code == "wrong_state"
        else:
            assert lifecycle.check(action, state, parties) in acting


def test_check_names_the_first_fitting_party():
    assert lifecycle.check("comment", "assigned", {AR, AS, R}) is R
    assert lifecycle.check("comment", "assigned", {AR, AS}) is AS
    assert lifecycle.check("reassign", "disputed", {R, AR}) is AR


def test_unknown_action_is_a_rule_refusal():
    with pytest.raises(ActionRefused) as refused:
        lifecycle.check("teleport", "assigned", {R})
    assert refused.value.kind is Refusal.rule and refused.value.code == "unknown_action"


@pytest.mark.parametrize("hurry_due", [False, True])
@pytest.mark.parametrize("state", STATES)
def test_allowed_actions_for_every_party_set(state, hurry_due):
    for parties in PARTY_SETS:
        expected = [
            name for name, (states, allowed, _) in TABLE.items()
            if state in states and parties & allowed and (hurry_due or name != "hurry")
        ]
        assert lifecycle.allowed_actions(state, parties, hurry_due=hurry_due) == expected


def test_finished_tickets_allow_nothing():
    for state in ("closed", "cancelled"):
        assert lifecycle.allowed_actions(state, set(Party)) == []


def test_examples_of_the_buttons():
    assert lifecycle.allowed_actions("assigned", {AS}) == ["accept", "dispute", "comment"]
    assert lifecycle.allowed_actions("resolved", {R}) == ["confirm", "reopen", "comment"]
    assert lifecycle.allowed_actions("disputed", {AR}) == ["reassign", "uphold", "comment"]
    assert lifecycle.allowed_actions("assigned", set()) == []


def test_notes_are_required_where_a_reason_is_owed():
    needs = {name for name, spec in lifecycle.ACTIONS.items() if spec.needs_note}
    assert needs == {"resolve", "dispute", "uphold", "reopen", "comment"}


# --- 催办: the time rule of a hurry-up -------------------------------------------------------


@dataclass
class Late:
    """The fields hurry_refusal() reads, as a Ticket or a TicketView has them."""

    status: str = "assigned"
    due_respond_at: datetime = datetime(2025, 6, 2, 12, tzinfo=UTC)
    due_resolve_at: datetime = datetime(2025, 6, 4, 10, tzinfo=UTC)
    responded_at: datetime | None = None
    resolved_at: datetime | None = None
    hurried_at: datetime | None = None


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 6, day, hour, minute, tzinfo=UTC)


def test_a_ticket_within_its_deadlines_is_not_overdue():
    refused = lifecycle.hurry_refusal(Late(), at(2, 12))
    assert (refused.kind, refused.code) == (Refusal.state, "not_overdue")
    assert lifecycle.missed_deadlines(Late(), at(2, 12)) == []


def test_past_the_response_deadline_unanswered_it_may_be_hurried():
    assert lifecycle.missed_deadlines(Late(), at(2, 12, 1)) == ["respond"]
    assert lifecycle.hurry_refusal(Late(), at(2, 12, 1)) is None
    answered = Late(status="accepted", responded_at=at(2, 13))
    assert lifecycle.hurry_refusal(answered, at(3, 9)).code == "not_overdue"
    assert lifecycle.missed_deadlines(answered, at(4, 10, 1)) == ["resolve"]
    assert lifecycle.hurry_refusal(answered, at(4, 10, 1)) is None


def test_once_in_twenty_four_hours():
    hurried = Late(hurried_at=at(2, 13))
    refused = lifecycle.hurry_refusal(hurried, at(3, 12, 59))
    assert (refused.kind, refused.code) == (Refusal.state, "hurried_recently")
    assert lifecycle.hurry_refusal(hurried, at(3, 13)) is None


def test_a_finished_ticket_misses_no_deadline():
    for status in ("resolved", "closed", "cancelled"):
        late = Late(status=status)
        assert lifecycle.missed_deadlines(late, at(9, 9)) == []
        assert lifecycle.hurry_refusal(late, at(9, 9)).code == "not_overdue"
