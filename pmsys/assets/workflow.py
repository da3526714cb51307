"""The hand-over workflow (docs/domain.md#handovers) as explicit transitions: pure rules.

    draft → submitted → inspected → signed → effective
                 ↘ returned (with reasons) → submitted again

Each action names the states it may start from and the parties that may take
it. `check` answers whether an action fits; it raises TransitionRefused with
the HTTP-like kind of refusal (state → 409, party → 403, rule → 422).
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass


class Party(enum.StrEnum):
    transferor = "transferor"
    receiver = "receiver"
    committee = "committee"


class State(enum.StrEnum):
    draft = "draft"
    submitted = "submitted"
    returned = "returned"
    inspected = "inspected"
    signed = "signed"
    effective = "effective"


@dataclass(frozen=True)
class Action:
    """Who may take an action, from which states."""

    name: str
    from_states: frozenset[State]
    parties: frozenset[Party]


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        # The transferor sends the draft (or a returned one, revised) to the receiver.
        Action("submit", frozenset({State.draft, State.returned}), frozenset({Party.transferor})),
        # The receiver refuses a submission, with its reasons.
        Action("return", frozenset({State.submitted}), frozenset({Party.receiver})),
        # Either party records the joint inspection and the defects it found.
        Action(
            "inspect",
            frozenset({State.submitted}),
            frozenset({Party.transferor, Party.receiver}),
        ),
        # A defect is marked fixed by either party of the inspection.
        Action(
            "fix_defect",
            frozenset({State.inspected}),
            frozenset({Party.transferor, Party.receiver}),
        ),
        # Receiver, transferor and (where active) the owners' committee sign.
        Action(
            "sign",
            frozenset({State.inspected}),
            frozenset({Party.transferor, Party.receiver, Party.committee}),
        ),
    )
}


class Refusal(enum.StrEnum):
    state = "state"  # the action does not fit the current state (409)
    party = "party"  # not this actor's to take (403)
    rule = "rule"  # a rule refuses it (422)


class TransitionRefused(Exception):
    """An action that may not be taken now; `kind` says why."""

    def __init__(self, kind: Refusal, code: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.code = code
        self.message = message


def check(
    action: str,
    state: State,
    parties: Collection[Party],
    *,
    open_defects: int = 0,
    signed_by: Collection[Party] = (),
) -> Party:
    """Return the party in which the actor takes `action`, or raise TransitionRefused."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise TransitionRefused(Refusal.rule, "unknown_action", f"unknown action {action!r}")
    acting = [
        p
        for p in (Party.transferor, Party.receiver, Party.committee)
        if p in parties and p in spec.parties
    ]
    if not acting:
        raise TransitionRefused(
            Refusal.party, "not_a_party", f"only the {', '.join(sorted(spec.parties))} may {action}"
        )
    if state not in spec.from_states:
        raise TransitionRefused(
            Refusal.state, "wrong_state", f"cannot {action} a hand-over that is {state.value}"
        )
    if action == "sign":
        unsigned = [p for p in acting if p not in signed_by]
        if not unsigned:
            raise TransitionRefused(Refusal.state, "already_signed", "already signed")
        if open_defects:
            raise TransitionRefused(
                Refusal.rule,
                "open_defects",
                f"{open_defects} defect(s) from the inspection are still open",
            )
        return unsigned[0]
    return acting[0]


def required_signatures(committee_required: bool) -> frozenset[Party]:
    """The parties whose signatures complete a hand-over."""
    parties = {Party.transferor, Party.receiver}
    if committee_required:
        parties.add(Party.committee)
    return frozenset(parties)


def state_after_signing(
    signed_by: Collection[Party], committee_required: bool, effective_today: bool
) -> State:
    """inspected until every required party has signed; then signed, or effective from its date."""
    if not required_signatures(committee_required) <= set(signed_by):
        return State.inspected
    return State.effective if effective_today else State.signed
