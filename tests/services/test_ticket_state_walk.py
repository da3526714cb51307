"""Every action × every state × every login of the ticket world, through the services.

A ticket resident_a files about CA's water (routed to W-D1, operator_in's utility)
is driven into each state; then each login tries each action. The allowed ones
succeed; the others raise Conflict (state) or Forbidden (not their action), or
NotFound for those who may not see the ticket, and change nothing: neither the
status, nor the version, nor the trail. The expectations are written out here,
not computed from pmsys.tickets.lifecycle.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pmsys.errors import Conflict, Forbidden, NotFound
from pmsys.models.tickets import Ticket, TicketEvent
from pmsys.tickets.services import get_ticket_or_404, take_action
from tests.ticket_world import build_ticket_world, file_as

REPORTER, ASSIGNEE, ARBITER = "reporter", "assignee", "arbiter"

# What each login is to the ticket: a party, an onlooker who may read it, or a stranger.
PARTIES = {"resident_a": REPORTER, "operator_in": ASSIGNEE, "officer": ARBITER}
ONLOOKERS = {"manager_a", "committee_a", "bureau", "sysadmin"}
STRANGERS = {
    "resident_b", "manager_b", "operator_out", "tenant_a", "resident_ac", "office_officer",
    "self_manager", "gas_staff", "contractor", "carrier", "authority", "officer_s3",
    # The probe is filed for the whole of CA, not in one of their buildings.
    "leader_a", "grid_a",
}

OPEN = ("assigned", "accepted", "in_progress", "disputed")
# action → (states it starts from, the party taking it, the state after (None: unchanged)).
TABLE = {
    "accept": (("assigned",), {ASSIGNEE}, "accepted"),
    "start": (("accepted",), {ASSIGNEE}, "in_progress"),
    "resolve": (("accepted", "in_progress"), {ASSIGNEE}, "resolved"),
    "dispute": (("assigned", "accepted"), {ASSIGNEE}, "disputed"),
    "reassign": (OPEN, {ARBITER}, "assigned"),
    "uphold": (("disputed",), {ARBITER}, "assigned"),
    "confirm": (("resolved",), {REPORTER}, "closed"),
    "reopen": (("resolved",), {REPORTER}, "assigned"),
    "cancel": (("assigned",), {REPORTER}, "cancelled"),
    "comment": ((*OPEN, "resolved"), {REPORTER, ASSIGNEE, ARBITER}, None),
}
ARGS = {"note": "说明", "rating": 5, "org": "PM-A"}

# How to drive a fresh ticket into each state: (login, action) in order.
PATHS = {
    "assigned": [],
    "accepted": [("operator_in", "accept")],
    "in_progress": [("operator_in", "accept"), ("operator_in", "start")],
    "disputed": [("operator_in", "dispute")],
    "resolved": [("operator_in", "accept"), ("operator_in", "resolve")],
    "closed": [("operator_in", "accept"), ("operator_in", "resolve"), ("resident_a", "confirm")],
    "cancelled": [("resident_a", "cancel")],
}


def test_the_world_has_every_login_in_one_group(db):
    world = build_ticket_world()
    groups = [set(PARTIES), ONLOOKERS, STRANGERS]
    assert set().union(*groups) == set(world.users)
    assert sum(len(g) for g in groups) == len(world.users)


def fresh_ticket(db, world, state: str) -> Ticket:
    ticket = file_as(world, "resident_a")
    for login, action in PATHS[state]:
        take_action(db.session, world.users[login], ticket, action, **ARGS)
        db.session.commit()
    assert ticket.status.value == state
    return ticket


def snapshot(db, ticket_id: int) -> tuple:
    status, version = db.session.execute(
        select(Ticket.status, Ticket.version).where(Ticket.id == ticket_id)).one()
    trail = db.session.scalar(
        select(func.count(TicketEvent.id)).where(TicketEvent.ticket_id == ticket_id))
    return status.value, version, trail


def expected_outcome(login: str, action: str, state: str):
    if login in STRANGERS:
        return NotFound
    states, parties, _ = TABLE[action]
    if PARTIES.get(login) not in parties:
        return Forbidden
    if state not in states:
        return Conflict
    return None


@pytest.mark.parametrize("state", list(PATHS))
def test_walk_every_action_and_login_from(db, state):
    world = build_ticket_world()
    probe = fresh_ticket(db, world, state)
    probe_id = probe.id
    successes = 0
    for action in TABLE:
        for login in sorted(world.users):
            user = world.users[login]
            outcome = expected_outcome(login, action, state)
            if outcome is None:
                ticket = fresh_ticket(db, world, state)
                before = snapshot(db, ticket.id)
                take_action(db.session, user, get_ticket_or_404(db.session, user, ticket.id),
                            action, **ARGS)
                db.session.commit()
                status, version, trail = snapshot(db, ticket.id)
                to_state = TABLE[action][2]
                assert status == (to_state or state), (action, login)
                assert trail == before[2] + 1, (action, login)
                # The row changes only when the ticket does: a comment leaves it alone.
                assert version == before[1] + (0 if to_state is None else 1), (action, login)
                last = db.session.scalars(
                    select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                    .order_by(TicketEvent.id.desc()).limit(1)).one()
                assert (last.action, last.actor_id) == (action, user.id)
                successes += 1
                continue
            before = snapshot(db, probe_id)
            with pytest.raises(outcome):
                ticket = get_ticket_or_404(db.session, user, probe_id)
                take_action(db.session, user, ticket, action, **ARGS)
            # Whatever the refusal left in the session is written, and must change nothing.
            db.session.flush()
            assert snapshot(db, probe_id) == before, (action, login)
            db.session.rollback()
    allowed = sum(1 for states, parties, _ in TABLE.values() if state in states
                  for _party in parties)
    assert successes == allowed
