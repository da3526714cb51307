"""Acting on a ticket: one lifecycle action at a time (docs/domain.md#routing, #tickets).

`take_action()` finds the parties in which the actor stands to the ticket, asks
`lifecycle.check()` whether the action fits, applies it, and leaves an event,
an audit record and the notifications. Every change of the ticket row bumps
its version, so of two people acting on the same version the second gets a
StaleDataError (409 concurrent_update) instead of overwriting the first.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from pmsys import audit, clock
from pmsys.auth import permissions
from pmsys.errors import Conflict, Forbidden, InvalidInput, RuleRefused
from pmsys.models.assets import Handover, HandoverAsset, HandoverEvent, HandoverStatus
from pmsys.models.auth import Organization, Role
from pmsys.models.places import Community
from pmsys.models.tickets import Ticket, TicketEvent, TicketStatus
from pmsys.notify import (
    notify_org,
    notify_reporter,
    notify_users,
    org_user_ids,
)
from pmsys.outbox import publish_ticket
from pmsys.places.services import street_office
from pmsys.tickets import lifecycle, sla
from pmsys.tickets.lifecycle import ActionRefused, Party, Refusal
from pmsys.tickets.services.filing import deadline_windows

_REFUSALS = {Refusal.state: Conflict, Refusal.party: Forbidden, Refusal.rule: RuleRefused}
MAX_NOTE = 2000


def ticket_parties(session: Session, actor, ticket: Ticket) -> set[Party]:
    """The parties in which `actor` may act on this ticket."""
    community = session.get(Community, ticket.community_id)
    return parties_of(actor, ticket, community.street_id, community.community_office_id)


def parties_of(actor, ticket, street_id: int, community_office_id: int | None) -> set[Party]:
    """The parties of `actor` to a ticket (or a view of one) in a community of this street."""
    return set(party_finder(actor)(ticket, street_id, community_office_id))


_NO_PARTIES: frozenset[Party] = frozenset()


def party_finder(actor) -> Callable[[object, int, int | None], frozenset[Party]]:
    """`parties_of` for one actor over many tickets (a page): the actor is read once."""
    if not permissions.is_active_user(actor):
        return lambda *_args: _NO_PARTIES
    actor_id = actor.id
    # Staff of the assigned organisation; a resident is never the assignee.
    assignee_org = actor.organization_id if actor.role is not Role.resident else None
    arbitrates = permissions.arbiter_test(actor)

    def parties(ticket, street_id: int, community_office_id: int | None) -> frozenset[Party]:
        found = []
        reporter_id = ticket.reporter_id
        if reporter_id is not None and reporter_id == actor_id:
            found.append(Party.reporter)
        if reporter_id is None and ticket.filed_by_id == actor_id:
            found.append(Party.reporter)  # the hotline staff member speaks for the caller
        if assignee_org is not None and assignee_org == ticket.assignee_id:
            found.append(Party.assignee)
        if arbitrates(street_id, community_office_id):
            found.append(Party.arbiter)
        return frozenset(found)

    return parties


def allowed_actions(session: Session, actor, ticket: Ticket) -> list[str]:
    """The actions `actor` may take on `ticket` now (for buttons and the API)."""
    return lifecycle.allowed_actions(
        ticket.status.value, ticket_parties(session, actor, ticket),
        hurry_due=lifecycle.hurry_refusal(ticket, clock.now()) is None)


def _note(value) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput("note must be text", fields={"note": "must be text"})
    value = value.strip()
    if len(value) > MAX_NOTE:
        raise InvalidInput("the note is too long", fields={"note": f"at most {MAX_NOTE}"})
    return value


def _rating(value) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
        raise InvalidInput("rate the fix from 1 to 5", fields={"rating": "1 to 5"})
    return value


def take_action(session: Session, actor, ticket: Ticket, action, *, note=None, rating=None,
                org=None, handover=False) -> Ticket:
    """Take one lifecycle action; refusals: 409 state, 403 party, 400 bad input.

    `note`: the resolution, the dispute's reason, the decision, the reopening's
    reason, a comment, or what a hurry-up adds; `rating` 1–5 with confirm; `org`
    the new assignee's code with reassign, and `handover` true to also draft a
    hand-over of the ticket's asset to that organisation.
    """
    if not isinstance(action, str) or action not in lifecycle.ACTIONS:
        raise InvalidInput(f"unknown action {action!r}",
                           fields={"action": "one of " + ", ".join(lifecycle.ACTION_NAMES)})
    parties = ticket_parties(session, actor, ticket)
    try:
        party = lifecycle.check(action, ticket.status.value, parties)
    except ActionRefused as refused:
        if refused.kind is not Refusal.state:  # denials are audited; state conflicts are not
            audit.refusal(session, actor, "ticket_action_refused", "ticket", ticket.number,
                         attempted=action, reason=refused.code, status=ticket.status.value)
        raise _REFUSALS[refused.kind](refused.message, code=refused.code) from None
    note = _note(note)
    if lifecycle.ACTIONS[action].needs_note and not note:
        raise InvalidInput("say what was done or why", fields={"note": "required"})
    before = ticket.status
    handler = _HANDLERS[action]
    detail = handler(session, actor, ticket, note=note, rating=rating, org=org,
                     handover=handover) or {}
    event = TicketEvent(ticket_id=ticket.id, actor_id=actor.id,
                        actor_org_id=actor.organization_id, action=action,
                        status_after=ticket.status.value, note=note, data=detail)
    session.add(event)
    session.flush()
    if ticket.status is not before:
        notify_reporter(session, ticket, "status", actor=actor, action=action)
    audit.record(session, actor, f"ticket_{action}", "ticket", ticket.number,
                 party=party.value, status=ticket.status.value, **detail)
    return ticket


def _accept(session, actor, ticket, **_):
    ticket.status = TicketStatus.accepted
    if ticket.responded_at is None:
        ticket.responded_at = clock.now()
    return {"on_time": ticket.responded_at <= ticket.due_respond_at}


def _start(session, actor, ticket, **_):
    ticket.status = TicketStatus.in_progress


def _resolve(session, actor, ticket, *, note, **_):
    ticket.status = TicketStatus.resolved
    ticket.resolved_at = clock.now()
    ticket.resolution_note = note
    return {"on_time": ticket.resolved_at <= ticket.due_resolve_at}


def _dispute(session, actor, ticket, *, note, **_):
    ticket.status = TicketStatus.disputed
    ticket.dispute_reason = note
    ticket.dispute_count += 1
    community = session.get(Community, ticket.community_id)
    arbiters = [o.id for o in (street_office(session, community),) if o is not None]
    if community.community_office_id:
        arbiters.append(community.community_office_id)
    for org_id in arbiters:
        notify_org(session, org_id, "disputed", ticket)
    return {"org": ticket.assignee.code}


def _new_assignee(session, ticket, code) -> Organization:
    if not isinstance(code, str) or not code:
        raise InvalidInput("name the organisation to reassign to", fields={"org": "required"})
    org = session.scalar(select(Organization).where(Organization.code == code))
    if org is None:
        raise InvalidInput(f"unknown organisation {code}", fields={"org": "unknown"})
    if org.kind in permissions.NO_TICKET_KINDS:
        raise InvalidInput(f"{code} does not take tickets", fields={"org": "does not take tickets"})
    if org.id == ticket.assignee_id:
        raise InvalidInput("the ticket is already assigned there; uphold sends it back",
                           fields={"org": "the current assignee"})
    return org


def _draft_handover(session, actor, ticket, receiver: Organization) -> str:
    """Open a hand-over draft of the ticket's asset to `receiver` (the arbiter's decision)."""
    asset = ticket.asset
    if asset is None:
        raise InvalidInput("the ticket names no asset to hand over",
                           fields={"handover": "no asset"})
    busy = session.scalar(
        select(Handover.code).join(HandoverAsset, HandoverAsset.handover_id == Handover.id)
        .where(HandoverAsset.asset_id == asset.id,
               Handover.status.notin_([HandoverStatus.effective]))
    )
    if busy is not None:
        raise Conflict(f"asset {asset.code} is already in hand-over {busy}",
                       code="asset_in_open_handover", fields={"handover": busy})
    current = next((s.organization for s in asset.stints if s.covers(clock.today())), None)
    transferor = current or asset.warranty_contractor or ticket.assignee
    if transferor.id == receiver.id:
        raise InvalidInput("the receiver already maintains the asset",
                           fields={"handover": "nothing to hand over"})
    code = f"H-{ticket.number}"
    draft = Handover(code=code, from_org=transferor, to_org=receiver,
                     status=HandoverStatus.draft, created_by_id=actor.id, assets=[asset])
    session.add(draft)
    session.flush()
    session.add(HandoverEvent(handover_id=draft.id, actor_id=actor.id, action="create",
                              status_after="draft", note=f"ticket {ticket.number}"))
    audit.record(session, actor, "handover_created", "handover", code, assets=[asset.code],
                 ticket=ticket.number, **{"from": transferor.code, "to": receiver.code})
    return code


def _reassign(session, actor, ticket, *, note, org, handover, **_):
    receiver = _new_assignee(session, ticket, org)
    previous = ticket.assignee.code
    previous_id = ticket.assignee_id
    detail = {"from": previous, "to": receiver.code}
    if handover is True:
        detail["handover"] = _draft_handover(session, actor, ticket, receiver)
    elif handover not in (False, None):
        raise InvalidInput("handover must be true or false", fields={"handover": "boolean"})
    now = clock.now()
    community = session.get(Community, ticket.community_id)
    windows = deadline_windows(session, ticket.category, ticket.priority.value, receiver,
                               community)
    # A new organisation starts with its own deadlines and escalation from now.
    ticket.assignee_id = receiver.id
    ticket.assignee = receiver
    ticket.status = TicketStatus.assigned
    ticket.assigned_at = now
    ticket.responded_at = None
    ticket.due_respond_at, ticket.due_resolve_at = sla.deadlines(now, windows)
    ticket.escalation_level = 0
    ticket.escalated_at = None
    ticket.routing_steps = [*ticket.routing_steps,
                            {"code": "reassigned", "params": {"org": receiver.name,
                                                              "note": note}}]
    notify_org(session, receiver.id, "reassigned", ticket)
    publish_ticket(session, previous_id, "ticket.reassigned_away", ticket, to=receiver.code)
    publish_ticket(session, receiver.id, "ticket.assigned", ticket, **{"from": previous})
    return detail


def _uphold(session, actor, ticket, *, note, **_):
    ticket.status = TicketStatus.assigned
    notify_org(session, ticket.assignee_id, "upheld", ticket)
    return {"org": ticket.assignee.code}


def _confirm(session, actor, ticket, *, rating, **_):
    ticket.rating = _rating(rating)
    ticket.status = TicketStatus.closed
    ticket.closed_at = clock.now()
    notify_org(session, ticket.assignee_id, "status", ticket, action="confirm")
    return {"rating": ticket.rating}


def _reopen(session, actor, ticket, **_):
    community = session.get(Community, ticket.community_id)
    windows = deadline_windows(session, ticket.category, ticket.priority.value,
                               ticket.assignee, community)
    now = clock.now()
    ticket.status = TicketStatus.assigned
    ticket.reopen_count += 1
    ticket.resolved_at = None
    # The fix failed: a new resolution window from now (the response stands).
    ticket.due_resolve_at = max(now + windows.resolve, ticket.due_respond_at)
    notify_org(session, ticket.assignee_id, "reopened", ticket)
    publish_ticket(session, ticket.assignee_id, "ticket.reopened", ticket,
                   reopens=ticket.reopen_count)
    return {"reopens": ticket.reopen_count}


def _cancel(session, actor, ticket, **_):
    ticket.status = TicketStatus.cancelled
    ticket.cancelled_at = clock.now()
    notify_org(session, ticket.assignee_id, "status", ticket, action="cancel")


def _hurry(session, actor, ticket, **_):
    """催办: count it, tell the assignee, and from the second one the street office too."""
    now = clock.now()
    refused = lifecycle.hurry_refusal(ticket, now)
    if refused is not None:
        raise _REFUSALS[refused.kind](refused.message, code=refused.code)
    ticket.hurry_count += 1
    ticket.hurried_at = now
    notify_org(session, ticket.assignee_id, "hurried", ticket, count=ticket.hurry_count)
    publish_ticket(session, ticket.assignee_id, "ticket.hurried", ticket,
                   count=ticket.hurry_count)
    if ticket.hurry_count >= 2:
        office = street_office(session, session.get(Community, ticket.community_id))
        if office is not None and office.id != ticket.assignee_id:
            notify_org(session, office.id, "hurried", ticket, count=ticket.hurry_count)
            publish_ticket(session, office.id, "ticket.hurried", ticket,
                           count=ticket.hurry_count)
    return {"count": ticket.hurry_count}


def _comment(session, actor, ticket, **_):
    recipients = set()
    if actor.organization_id != ticket.assignee_id:
        recipients.update(org_user_ids(session, ticket.assignee_id))
    if ticket.reporter_id is not None and ticket.reporter_id != actor.id:
        recipients.add(ticket.reporter_id)
    notify_users(session, recipients, "comment", ticket)


_HANDLERS = {
    "accept": _accept, "start": _start, "resolve": _resolve, "dispute": _dispute,
    "reassign": _reassign, "uphold": _uphold, "confirm": _confirm, "reopen": _reopen,
    "cancel": _cancel, "hurry": _hurry, "comment": _comment,
}
