"""The ticket lifecycle (docs/domain.md#tickets) in one place: pure rules.

    assigned → accepted → in_progress → resolved → closed
       │  ↑        │           │           │
       │  └── reopen ──────────────────────┘ (reporter, counted)
       ├─ cancel (reporter, before acceptance) → cancelled
       └─ dispute (assignee) → disputed → reassign (arbiter: another organisation)
                                        → uphold (arbiter: back to the same one)
    hurry (催办, reporter): an open ticket past a deadline, once a day; the state stays

Each action names the states it may start from and the parties that may take
it. `check()` answers whether an action fits; a refusal says why with the
HTTP-like kind (state → 409, party → 403, rule → 422). The scheduler's own
transitions (escalate, auto_close) are not user actions and are not here.
A hurry-up also depends on the time: `hurry_refusal()` says whether the ticket
is past a deadline and was not hurried within HURRY_INTERVAL.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache


class Party(enum.StrEnum):
    reporter = "reporter"  # the resident who filed, or the hotline staff for a caller
    assignee = "assignee"  # staff of the organisation the ticket is assigned to
    arbiter = "arbiter"  # the street office (or its community office) deciding disputes


A, AC, IP, D, R, C, X = (
    "assigned", "accepted", "in_progress", "disputed", "resolved", "closed", "cancelled"
)
STATES = (A, AC, IP, D, R, C, X)
OPEN_STATES = frozenset({A, AC, IP, D})
# One hurry-up a day per ticket (docs/domain.md#tickets).
HURRY_INTERVAL = timedelta(hours=24)


@dataclass(frozen=True)
class Action:
    """An action: from which states, by which parties, into which state."""

    name: str
    from_states: frozenset[str]
    parties: frozenset[Party]
    to_state: str | None  # None: the state does not change (a comment)
    needs_note: bool = False


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        Action("accept", frozenset({A}), frozenset({Party.assignee}), AC),
        Action("start", frozenset({AC}), frozenset({Party.assignee}), IP),
        Action("resolve", frozenset({AC, IP}), frozenset({Party.assignee}), R, needs_note=True),
        Action("dispute", frozenset({A, AC}), frozenset({Party.assignee}), D, needs_note=True),
        # The arbiter may also move a misrouted ticket that nobody disputed.
        Action("reassign", frozenset({A, AC, IP, D}), frozenset({Party.arbiter}), A),
        Action("uphold", frozenset({D}), frozenset({Party.arbiter}), A, needs_note=True),
        Action("confirm", frozenset({R}), frozenset({Party.reporter}), C),
        Action("reopen", frozenset({R}), frozenset({Party.reporter}), A, needs_note=True),
        Action("cancel", frozenset({A}), frozenset({Party.reporter}), X),
        # 催办: the reporter presses a late ticket; counted, the state stays (see hurry_refusal).
        Action("hurry", OPEN_STATES, frozenset({Party.reporter}), None),
        Action(
            "comment",
            frozenset({A, AC, IP, D, R}),
            frozenset({Party.reporter, Party.assignee, Party.arbiter}),
            None,
            needs_note=True,
        ),
    )
}
ACTION_NAMES = tuple(ACTIONS)


class Refusal(enum.StrEnum):
    state = "state"  # 409
    party = "party"  # 403
    rule = "rule"  # 422


class ActionRefused(Exception):
    """An action that may not be taken now; `kind` says why."""

    def __init__(self, kind: Refusal, code: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.code = code
        self.message = message


def check(action: str, state: str, parties: Collection[Party]) -> Party:
    """Return the party in which the actor takes `action`, or raise ActionRefused.

    The party is checked before the state: someone who may never take the
    action learns nothing about the ticket's state from the refusal.
    """
    spec = ACTIONS.get(action)
    if spec is None:
        raise ActionRefused(Refusal.rule, "unknown_action", f"unknown action {action!r}")
    acting = [p for p in Party if p in parties and p in spec.parties]
    if not acting:
        raise ActionRefused(
            Refusal.party,
            "not_your_action",
            f"only the {' or '.join(sorted(spec.parties))} may {action} this ticket",
        )
    if state not in spec.from_states:
        raise ActionRefused(
            Refusal.state, "wrong_state", f"cannot {action} a ticket that is {state}"
        )
    return acting[0]


def allowed_actions(state: str, parties: Collection[Party], *,
                    hurry_due: bool = False) -> list[str]:
    """The actions `parties` may take in `state`, in the order of ACTIONS (for buttons).

    `hurry` only when `hurry_due`: hurry_refusal() found nothing against it now.
    """
    allowed = _allowed(state, frozenset(parties))
    return [name for name in allowed if hurry_due or name != "hurry"]


def missed_deadlines(ticket, now: datetime) -> list[str]:
    """Which deadlines an open ticket has missed by `now`: "respond", "resolve", both or none.

    `ticket` is any object with status, responded_at, due_respond_at, resolved_at and
    due_resolve_at (a Ticket or a view of one).
    """
    if getattr(ticket.status, "value", ticket.status) not in OPEN_STATES:
        return []
    missed = []
    if ticket.responded_at is None and now > ticket.due_respond_at:
        missed.append("respond")
    if ticket.resolved_at is None and now > ticket.due_resolve_at:
        missed.append("resolve")
    return missed


def hurry_refusal(ticket, now: datetime) -> ActionRefused | None:
    """Why the ticket may not be hurried up at `now` (409), or None when it may.

    A hurry-up presses a ticket that is past its response or resolution deadline,
    at most once in HURRY_INTERVAL; `ticket` also has `hurried_at`.
    """
    if not missed_deadlines(ticket, now):
        return ActionRefused(Refusal.state, "not_overdue",
                             "the ticket is within its deadlines: nothing to hurry yet")
    if _hurried_recently(ticket, now):
        return ActionRefused(Refusal.state, "hurried_recently",
                             "the ticket was hurried up less than 24 hours ago")
    return None


def hurry_due(ticket, now: datetime) -> bool:
    """Whether the ticket may be hurried up at `now`: `hurry_refusal` finds nothing against it."""
    return bool(missed_deadlines(ticket, now)) and not _hurried_recently(ticket, now)


def _hurried_recently(ticket, now: datetime) -> bool:
    return ticket.hurried_at is not None and now < ticket.hurried_at + HURRY_INTERVAL


@lru_cache(maxsize=256)
def _allowed(state: str, parties: frozenset[Party]) -> tuple[str, ...]:
    return tuple(
        name
        for name, spec in ACTIONS.items()
        if state in spec.from_states and any(p in spec.parties for p in parties)
    )
