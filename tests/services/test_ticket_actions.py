"""Acting on a ticket (docs/domain.md#tickets, #disputes): each action's effects, trail,
notifications, privacy."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from pmsys import clock
from pmsys.audit import AuditRecord
from pmsys.auth import permissions
from pmsys.errors import Conflict, Forbidden, InvalidInput
from pmsys.models.assets import Handover, HandoverStatus
from pmsys.models.auth import User
from pmsys.models.tickets import Notification, Ticket, TicketEvent
from pmsys.tickets.services import allowed_actions, take_action
from tests.asset_factories import setting
from tests.ticket_world import NOW, build_ticket_world, file_as
from tests.units import as_request


@pytest.fixture
def world(db):
    return build_ticket_world()


def act(db, world, login, ticket, action, **kwargs):
    done = take_action(db.session, world.users[login], ticket, action, **kwargs)
    db.session.commit()
    return done


def later(minutes: int):
    clock.set_now(NOW + timedelta(minutes=minutes))


def notices(db, ticket, since_id=0) -> list[tuple[str, str]]:
    rows = db.session.scalars(
        select(Notification).where(Notification.ticket_id == ticket.id,
                                   Notification.id > since_id).order_by(Notification.id))
    return sorted((row.kind, row.user.username) for row in rows)


def last_notice_id(db) -> int:
    return db.session.scalar(select(func.max(Notification.id))) or 0


def events(db, ticket) -> list[TicketEvent]:
    return list(db.session.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)))


def audited(db, action, ticket) -> AuditRecord:
    return db.session.scalars(
        select(AuditRecord).where(AuditRecord.action == action,
                                  AuditRecord.object_key == ticket.number)).one()


# --- the assignee's path ---------------------------------------------------------------


def test_accept_records_the_response(world, db):
    ticket = file_as(world, "resident_a")
    mark = last_notice_id(db)
    later(30)
    act(db, world, "operator_in", ticket, "accept")
    assert ticket.status.value == "accepted"
    assert ticket.responded_at == NOW + timedelta(minutes=30)
    last = events(db, ticket)[-1]
    assert (last.action, last.status_after, last.data) == ("accept", "accepted",
                                                           {"on_time": True})
    assert last.actor_org_id == world.orgs["W-D1"].id
    assert notices(db, ticket, mark) == [("status", "resident_a")]
    record = audited(db, "ticket_accept", ticket)
    assert record.data == {"party": "assignee", "status": "accepted", "on_time": True}


def test_a_late_acceptance_is_marked_late(world, db):
    ticket = file_as(world, "resident_a")
    later(121)  # water is urgent: two hours to respond
    act(db, world, "operator_in", ticket, "accept")
    assert events(db, ticket)[-1].data == {"on_time": False}


def test_start_and_resolve_with_a_note(world, db):
    ticket = file_as(world, "resident_a")
    act(db, world, "operator_in", ticket, "accept")
    act(db, world, "operator_in", ticket, "start")
    assert ticket.status.value == "in_progress"
    with pytest.raises(InvalidInput):
        take_action(db.session, world.users["operator_in"], ticket, "resolve", note="  ")
    later(600)
    act(db, world, "operator_in", ticket, "resolve", note="更换了阀门")
    assert ticket.status.value == "resolved"
    assert ticket.resolved_at == NOW + timedelta(minutes=600)
    assert ticket.resolution_note == "更换了阀门"
    assert events(db, ticket)[-1].note == "更换了阀门"
    assert events(db, ticket)[-1].data == {"on_time": True}


def test_resolve_straight_from_accepted(world, db):
    ticket = file_as(world, "resident_a")
    act(db, world, "operator_in", ticket, "accept")
    act(db, world, "operator_in", ticket, "resolve", note="已修")
    assert ticket.status.value == "resolved"


# --- the reporter's answers ------------------------------------------------------------


def resolved_ticket(db, world):
    ticket = file_as(world, "resident_a")
    act(db, world, "operator_in", ticket, "accept")
    act(db, world, "operator_in", ticket, "resolve", note="已修")
    return ticket


@pytest.mark.parametrize("rating", [None, 0, 6, "five", 4.5, True, "  "])
def test_confirm_needs_a_rating_of_1_to_5(world, db, rating):
    ticket = resolved_ticket(db, world)
    with pytest.raises(InvalidInput) as refused:
        take_action(db.session, world.users["resident_a"], ticket, "confirm", rating=rating)
    assert refused.value.fields == {"rating": "1 to 5"}
    db.session.rollback()
    assert ticket.status.value == "resolved" and ticket.rating is None


@pytest.mark.parametrize("rating", [1, 5, "3"])
def test_confirm_closes_with_the_rating(world, db, rating):
    ticket = resolved_ticket(db, world)
    mark = last_notice_id(db)
    act(db, world, "resident_a", ticket, "confirm", rating=rating)
    assert ticket.status.value == "closed" and ticket.rating == int(rating)
    assert ticket.closed_at == NOW
    assert events(db, ticket)[-1].data == {"rating": int(rating)}
    # The assignee hears of it; the reporter, who acted, does not.
    assert notices(db, ticket, mark) == [("status", "operator_in")]


def test_reopen_counts_and_restarts_the_resolution_window(world, db):
    ticket = resolved_ticket(db, world)
    responded = ticket.responded_at
    later(24 * 60)
    with pytest.raises(InvalidInput):
        take_action(db.session, world.users["resident_a"], ticket, "reopen")
    mark = last_notice_id(db)
    act(db, world, "resident_a", ticket, "reopen", note="还是漏")
    assert ticket.status.value == "assigned"
    assert ticket.reopen_count == 1
    assert ticket.resolved_at is None
    assert ticket.responded_at == responded
    assert ticket.due_resolve_at == NOW + timedelta(hours=24 + 48)
    assert notices(db, ticket, mark) == [("reopened", "operator_in")]
    act(db, world, "operator_in", ticket, "accept")
    act(db, world, "operator_in", ticket, "resolve", note="再修")
    act(db, world, "resident_a", ticket, "reopen", note="仍然漏")
    assert ticket.reopen_count == 2


def test_cancel_only_before_acceptance(world, db):
    ticket = file_as(world, "resident_a")
    mark = last_notice_id(db)
    act(db, world, "resident_a", ticket, "cancel")
    assert ticket.status.value == "cancelled" and ticket.cancelled_at == NOW
    assert notices(db, ticket, mark) == [("status", "operator_in")]
    accepted = file_as(world, "resident_a")
    act(db, world, "operator_in", accepted, "accept")
    with pytest.raises(Conflict):
        take_action(db.session, world.users["resident_a"], accepted, "cancel")


# --- disputes and the arbiter ----------------------------------------------------------


def test_dispute_counts_and_tells_the_street_office(world, db):
    ticket = file_as(world, "resident_a")
    with pytest.raises(InvalidInput):
        take_action(db.session, world.users["operator_in"], ticket, "dispute")
    mark = last_notice_id(db)
    act(db, world, "operator_in", ticket, "dispute", note="不是我们的管线")
    assert ticket.status.value == "disputed"
    assert ticket.dispute_reason == "不是我们的管线" and ticket.dispute_count == 1
    assert notices(db, ticket, mark) == [("disputed", "officer"), ("status", "resident_a")]
    assert events(db, ticket)[-1].data == {"org": "W-D1"}


def test_uphold_sends_it_back(world, db):
    ticket = file_as(world, "resident_a")
    act(db, world, "operator_in", ticket, "dispute", note="不是我们的")
    with pytest.raises(InvalidInput):
        take_action(db.session, world.users["officer"], ticket, "uphold")
    mark = last_notice_id(db)
    act(db, world, "officer", ticket, "uphold", note="已移交，归你们")
    assert ticket.status.value == "assigned" and ticket.assignee.code == "W-D1"
    assert ticket.dispute_count == 1
    assert notices(db, ticket, mark) == [("status", "resident_a"), ("upheld", "operator_in")]
    assert audited(db, "ticket_uphold", ticket).data["party"] == "arbiter"


def test_reassign_moves_the_ticket_with_new_deadlines(world, db):
    ticket = file_as(world, "resident_a")
    act(db, world, "operator_in", ticket, "accept")
    act(db, world, "operator_in", ticket, "start")
    ticket.escalation_level = 2
    db.session.commit()
    later(90)
    steps_before = list(ticket.routing_steps)
    mark = last_notice_id(db)
    act(db, world, "officer", ticket, "reassign", org="PM-A", note="户内管道归物业")
    assert ticket.status.value == "assigned"
    assert ticket.assignee.code == "PM-A"
    assert ticket.assigned_at == NOW + timedelta(minutes=90)
    assert ticket.responded_at is None
    assert ticket.due_respond_at == NOW + timedelta(minutes=90 + 120)
    assert ticket.due_resolve_at == NOW + timedelta(minutes=90) + timedelta(hours=48)
    assert ticket.escalation_level == 0 and ticket.escalated_at is None
    assert ticket.routing_steps == [*steps_before, {
        "code": "reassigned", "params": {"org": "甲物业", "note": "户内管道归物业"}}]
    assert events(db, ticket)[-1].data == {"from": "W-D1", "to": "PM-A"}
    assert notices(db, ticket, mark) == [("reassigned", "manager_a"), ("status", "resident_a")]
    # The old assignee no longer acts on it; the new one does.
    assert allowed_actions(db.session, world.users["operator_in"], ticket) == []
    assert "accept" in allowed_actions(db.session, world.users["manager_a"], ticket)


def test_reassign_uses_the_new_organisations_terms(world, db):
    setting("ticket_deadlines",
            {"organizations": {"PM-A": {"urgent": {"respond": 15, "resolve": 45}}}}, scope="D1")
    ticket = file_as(world, "resident_a")
    assert ticket.due_respond_at == NOW + timedelta(hours=2)
    act(db, world, "officer", ticket, "reassign", org="PM-A")
    assert ticket.due_respond_at == NOW + timedelta(minutes=15)
    assert ticket.due_resolve_at == NOW + timedelta(minutes=45)


@pytest.mark.parametrize(
    ("org", "field"),
    [(None, "org"), ("", "org"), ("NOPE", "org"), ("HB-D1", "org"), ("W-D1", "org")],
)
def test_reassign_refuses_bad_organisations(world, db, org, field):
    ticket = file_as(world, "resident_a")
    with pytest.raises(InvalidInput) as refused:
        take_action(db.session, world.users["officer"], ticket, "reassign", org=org)
    assert field in refused.value.fields
    db.session.rollback()
    assert ticket.assignee.code == "W-D1"


def test_reassign_with_a_handover_draft(world, db):
    ticket = file_as(world, "resident_a", category="roof_leak", building="1", description="漏")
    assert ticket.assignee.code == "K-1"
    act(db, world, "officer", ticket, "reassign", org="PM-A", handover=True)
    code = f"H-{ticket.number}"
    assert events(db, ticket)[-1].data == {"from": "K-1", "to": "PM-A", "handover": code}
    draft = db.session.scalars(select(Handover).where(Handover.code == code)).one()
    assert draft.status is HandoverStatus.draft
    assert (draft.from_org.code, draft.to_org.code) == ("K-1", "PM-A")
    assert [a.code for a in draft.assets] == ["CA-RF"]
    record = db.session.scalars(
        select(AuditRecord).where(AuditRecord.action == "handover_created",
                                  AuditRecord.object_key == code)).one()
    assert record.data["ticket"] == ticket.number


def test_reassign_handover_refused_when_the_asset_is_already_in_one(world, db):
    # CA-WS is in the draft hand-over H-CA of the world.
    ticket = file_as(world, "resident_a")
    with pytest.raises(Conflict) as refused:
        take_action(db.session, world.users["officer"], ticket, "reassign", org="PM-A",
                    handover=True)
    assert refused.value.code == "asset_in_open_handover"


def test_reassign_handover_needs_an_asset(world, db):
    ticket = file_as(world, "resident_a", category="common_parts", description="楼道灯")
    with pytest.raises(InvalidInput):
        take_action(db.session, world.users["officer"], ticket, "reassign", org="W-D1",
                    handover=True)
    db.session.rollback()
    with pytest.raises(InvalidInput):
        take_action(db.session, world.users["officer"], ticket, "reassign", org="W-D1",
                    handover="yes")


# --- comments, refusals, the trail -----------------------------------------------------


def test_comments_tell_the_other_side(world, db):
    ticket = file_as(world, "resident_a")
    mark = last_notice_id(db)
    act(db, world, "resident_a", ticket, "comment", note="下午家里有人")
    assert notices(db, ticket, mark) == [("comment", "operator_in")]
    mark = last_notice_id(db)
    act(db, world, "operator_in", ticket, "comment", note="三点到")
    assert notices(db, ticket, mark) == [("comment", "resident_a")]
    mark = last_notice_id(db)
    act(db, world, "officer", ticket, "comment", note="请尽快")
    assert notices(db, ticket, mark) == [("comment", "operator_in"), ("comment", "resident_a")]
    assert ticket.status.value == "assigned"
    assert [e.action for e in events(db, ticket)] == ["file", "comment", "comment", "comment"]


def test_a_party_refusal_is_audited_and_changes_nothing(world, db):
    ticket = file_as(world, "resident_a")
    version = ticket.version
    with pytest.raises(Forbidden), as_request(db.session):
        take_action(db.session, world.users["manager_a"], ticket, "accept")
    db.session.flush()
    assert ticket.version == version and ticket.status.value == "assigned"
    record = audited(db, "ticket_action_refused", ticket)
    assert record.data == {"attempted": "accept", "reason": "not_your_action",
                           "status": "assigned"}


def test_unknown_actions_and_bad_notes_are_invalid_input(world, db):
    ticket = file_as(world, "resident_a")
    for action in ("teleport", None, 3):
        with pytest.raises(InvalidInput):
            take_action(db.session, world.users["operator_in"], ticket, action)
    with pytest.raises(InvalidInput):
        take_action(db.session, world.users["operator_in"], ticket, "comment", note=["x"])
    with pytest.raises(InvalidInput):
        take_action(db.session, world.users["operator_in"], ticket, "comment", note="x" * 2001)


def test_hotline_staff_speak_for_their_caller(world, db):
    ticket = file_as(world, "officer", caller={"name": "王大爷", "phone": "13912345678"})
    act(db, world, "operator_in", ticket, "accept")
    act(db, world, "operator_in", ticket, "resolve", note="修好")
    assert "confirm" in allowed_actions(db.session, world.users["officer"], ticket)
    act(db, world, "officer", ticket, "confirm", rating=4)
    assert ticket.status.value == "closed"


# --- the reporter's phone --------------------------------------------------------------


PHONE_WHILE_OPEN = {
    "resident_a": True, "operator_in": True, "manager_a": False, "officer": False,
    "committee_a": False, "bureau": False, "sysadmin": False, "operator_out": False,
    "resident_b": False, "gas_staff": False,
}


def test_reporter_phone_visibility_open_and_closed(world, db):
    ticket = resolved_ticket(db, world)
    act(db, world, "resident_a", ticket, "reopen", note="没修好")
    assert ticket.is_open
    for login, full in PHONE_WHILE_OPEN.items():
        assert permissions.can_see_reporter_phone(world.users[login], ticket) is full, login
    act(db, world, "operator_in", ticket, "accept")
    act(db, world, "operator_in", ticket, "resolve", note="修好")
    # Resolved is no longer open: only the reporter reads it in full.
    for login in PHONE_WHILE_OPEN:
        expected = login == "resident_a"
        assert permissions.can_see_reporter_phone(world.users[login], ticket) is expected, login
    assert permissions.mask_phone(ticket.reporter_phone) == "138****0101"


def test_a_reassigned_ticket_shows_the_phone_to_the_new_assignee_only(world, db):
    ticket = file_as(world, "resident_a")
    act(db, world, "officer", ticket, "reassign", org="PM-A")
    assert permissions.can_see_reporter_phone(world.users["manager_a"], ticket)
    assert not permissions.can_see_reporter_phone(world.users["operator_in"], ticket)


# --- two people acting on the same version ---------------------------------------------


def test_concurrent_actions_the_second_gets_a_stale_data_error(world, db):
    """Promise 13 (docs/reliability.md#ticket-versions)."""
    ticket = file_as(world, "resident_a")
    ticket_id, version = ticket.id, ticket.version
    db.session.commit()
    # The other request: its own session on the same transaction, which loads the
    # ticket (its savepoint released, its copy kept) before the first one acts.
    other = Session(bind=db.session.connection(), join_transaction_mode="create_savepoint",
                    expire_on_commit=False)
    try:
        stale = other.get(Ticket, ticket_id)
        reporter = other.get(User, world.users["resident_a"].id)
        other.commit()
        assert stale.version == version
        act(db, world, "operator_in", ticket, "accept")
        assert ticket.version == version + 1
        with pytest.raises(StaleDataError):
            take_action(other, reporter, stale, "cancel")
        other.rollback()
    finally:
        other.close()
    db.session.expire_all()
    stored = db.session.get(Ticket, ticket_id)
    assert stored.status.value == "accepted" and stored.version == version + 1
    assert stored.cancelled_at is None
    assert [e.action for e in events(db, stored)] == ["file", "accept"]
