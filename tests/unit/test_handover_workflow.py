"""Every hand-over action from every state for every party (docs/domain.md#handovers)."""

import itertools

import pytest

from pmsys.assets.workflow import (
    ACTIONS,
    Party,
    Refusal,
    State,
    TransitionRefused,
    check,
    state_after_signing,
)

ALLOWED = {
    ("submit", State.draft, Party.transferor),
    ("submit", State.returned, Party.transferor),
    ("return", State.submitted, Party.receiver),
    ("inspect", State.submitted, Party.transferor),
    ("inspect", State.submitted, Party.receiver),
    ("fix_defect", State.inspected, Party.transferor),
    ("fix_defect", State.inspected, Party.receiver),
    ("sign", State.inspected, Party.transferor),
    ("sign", State.inspected, Party.receiver),
    ("sign", State.inspected, Party.committee),
}


@pytest.mark.parametrize(
    ("action", "state", "party"), list(itertools.product(ACTIONS, State, Party))
)
def test_every_action_state_and_party(action, state, party):
    if (action, state, party) in ALLOWED:
        assert check(action, state, {party}) is party
        return
    with pytest.raises(TransitionRefused) as refused:
        check(action, state, {party})
    party_may = party in ACTIONS[action].parties
    assert refused.value.kind is (Refusal.state if party_may else Refusal.party)


def test_nobody_may_act_without_a_party():
    for action in ACTIONS:
        with pytest.raises(TransitionRefused) as refused:
            check(action, State.inspected, set())
        assert refused.value.kind is Refusal.party


def test_sign_refused_while_a_defect_is_open():
    with pytest.raises(TransitionRefused) as refused:
        check("sign", State.inspected, {Party.receiver}, open_defects=1)
    assert refused.value.kind is Refusal.rule and refused.value.code == "open_defects"


def test_sign_twice_is_a_state_conflict():
    with pytest.raises(TransitionRefused) as refused:
        check("sign", State.inspected, {Party.receiver}, signed_by={Party.receiver})
    assert refused.value.kind is Refusal.state


def test_actor_in_two_parties_signs_the_unsigned_one():
    both = {Party.transferor, Party.committee}
    assert check("sign", State.inspected, both, signed_by={Party.transferor}) is Party.committee


def test_unknown_action_is_a_rule_refusal():
    with pytest.raises(TransitionRefused) as refused:
        check("approve", State.draft, {Party.transferor})
    assert refused.value.kind is Refusal.rule


@pytest.mark.parametrize(
    ("signed", "committee", "today", "expected"),
    [
        ({Party.receiver}, False, True, State.inspected),
        ({Party.receiver, Party.transferor}, False, True, State.effective),
        ({Party.receiver, Party.transferor}, False, False, State.signed),
        ({Party.receiver, Party.transferor}, True, True, State.inspected),
        ({Party.receiver, Party.transferor, Party.committee}, True, True, State.effective),
    ],
)
def test_state_after_signing(signed, committee, today, expected):
    assert state_after_signing(signed, committee, today) is expected
