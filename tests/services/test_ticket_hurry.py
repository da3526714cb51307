"""催办: the reporter hurries up a ticket past a deadline, once a day (docs/domain.md#tickets)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pmsys import clock
from pmsys.audit import AuditRecord
from pmsys.errors import Conflict, Forbidden
from pmsys.models.tickets import Notification, TicketEvent
from pmsys.tickets.services import allowed_actions, take_action
from tests.ticket_world import NOW, build_ticket_world, file_as


@pytest.fixture
def world(db):
    return build_ticket_world()


def hurry(db, world, ticket, login="resident_a", **kwargs):
    done = take_action(db.session, world.users[login], ticket, "hurry", **kwargs)
    db.session.commit()
    return done


def notices(db, ticket, since_id=0) -> list[tuple[str, str, int]]:
    rows = db.session.scalars(
        select(Notification).where(Notification.ticket_id == ticket.id,
                                   Notification.id > since_id,
                                   Notification.kind == "hurried"))
    return sorted((row.kind, row.user.username, row.data["count"]) for row in rows)


def last_notice_id(db) -> int:
    return db.session.scalar(select(func.max(Notification.id))) or 0


def test_a_ticket_within_its_deadlines_cannot_be_hurried(world, db):
    ticket = file_as(world, "resident_a")
    assert "hurry" not in allowed_actions(db.session, world.users["resident_a"], ticket)
    with pytest.raises(Conflict) as refused:
        hurry(db, world, ticket)
    assert refused.value.code == "not_overdue"
    assert ticket.hurry_count == 0


def test_hurrying_past_the_response_deadline_counts_tells_the_assignee_and_is_audited(world, db):
    ticket = file_as(world, "resident_a")
    clock.set_now(ticket.due_respond_at + timedelta(minutes=1))
    assert "hurry" in allowed_actions(db.session, world.users["resident_a"], ticket)
    mark = last_notice_id(db)
    hurry(db, world, ticket, note="三天了还没人来")
    assert (ticket.hurry_count, ticket.status.value) == (1, "assigned")
    assert ticket.hurried_at == ticket.due_respond_at + timedelta(minutes=1)
    # The first hurry-up tells the assignee only.
    assert notices(db, ticket, mark) == [("hurried", "operator_in", 1)]
    event = db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                               .order_by(TicketEvent.id.desc())).first()
    assert (event.action, event.status_after, event.data, event.note) == (
        "hurry", "assigned", {"count": 1}, "三天了还没人来")
    record = db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == "ticket_hurry", AuditRecord.object_key == ticket.number)).one()
    assert record.data == {"party": "reporter", "status": "assigned", "count": 1}


def test_once_a_day_and_from_the_second_time_the_street_office_is_told(world, db):
    ticket = file_as(world, "resident_a")
    first = ticket.due_respond_at + timedelta(minutes=1)
    clock.set_now(first)
    hurry(db, world, ticket)
    # Within 24 hours: refused (409), nothing counted, not offered.
    clock.set_now(first + timedelta(hours=23, minutes=59))
    assert "hurry" not in allowed_actions(db.session, world.users["resident_a"], ticket)
    with pytest.raises(Conflict) as refused:
        hurry(db, world, ticket)
    assert refused.value.code == "hurried_recently"
    assert ticket.hurry_count == 1
    # A day later: counted again, and the street office of CA hears of it as well.
    clock.set_now(first + timedelta(hours=24))
    mark = last_notice_id(db)
    hurry(db, world, ticket)
    assert ticket.hurry_count == 2
    assert notices(db, ticket, mark) == [("hurried", "officer", 2), ("hurried", "operator_in", 2)]


def test_past_the_fix_deadline_an_accepted_ticket_can_be_hurried(world, db):
    ticket = file_as(world, "resident_a")
    clock.set_now(NOW + timedelta(minutes=5))
    take_action(db.session, world.users["operator_in"], ticket, "accept")
    db.session.commit()
    clock.set_now(ticket.due_resolve_at - timedelta(minutes=1))
    with pytest.raises(Conflict):
        hurry(db, world, ticket)
    clock.set_now(ticket.due_resolve_at + timedelta(minutes=1))
    hurry(db, world, ticket)
    assert (ticket.hurry_count, ticket.status.value) == (1, "accepted")


def test_only_the_reporter_hurries_and_never_a_finished_ticket(world, db):
    ticket = file_as(world, "resident_a")
    clock.set_now(ticket.due_respond_at + timedelta(minutes=1))
    for login in ("operator_in", "officer", "manager_a", "resident_b"):
        with pytest.raises(Forbidden):
            take_action(db.session, world.users[login], ticket, "hurry")
    take_action(db.session, world.users["resident_a"], ticket, "cancel")
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        hurry(db, world, ticket)
    assert refused.value.code == "wrong_state"
