"""The ticket jobs (docs/domain.md#escalation): escalation past deadlines and closing unanswered
fixes."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from pmsys import clock, scheduling
from pmsys.audit import AuditRecord
from pmsys.jobs.tickets import auto_close_tickets, escalate_tickets
from pmsys.models.tickets import Notification, Ticket, TicketEvent
from pmsys.tickets.services import take_action
from tests.asset_factories import setting
from tests.ticket_world import NOW, build_ticket_world, file_as

US = timedelta(microseconds=1)
# Water is urgent: two hours to respond, 48 to resolve.
RESPOND, RESOLVE = timedelta(hours=2), timedelta(hours=48)


@pytest.fixture
def world(db):
    return build_ticket_world()


def escalations(db, ticket) -> list[tuple[int, str]]:
    rows = db.session.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                  TicketEvent.action == "escalate").order_by(TicketEvent.id))
    return [(row.data["level"], row.data["org"]) for row in rows]


def escalation_notices(db, ticket) -> list[tuple[int, str]]:
    rows = db.session.scalars(
        select(Notification).where(Notification.ticket_id == ticket.id,
                                   Notification.kind == "escalated").order_by(Notification.id))
    return [(row.data["level"], row.user.username) for row in rows]


def run(db, name, now):
    summary = scheduling.run_job(name, now)
    db.session.expire_all()
    return summary


def test_one_level_per_missed_deadline_each_recorded_and_notified(world, db):
    ticket = file_as(world, "resident_a")
    assert run(db, "escalate", NOW + RESPOND) == {"tickets": 0, "levels": 0}
    assert ticket.escalation_level == 0

    assert run(db, "escalate", NOW + RESPOND + US) == {"tickets": 1, "levels": 1}
    assert ticket.escalation_level == 1 and ticket.escalated_at == NOW + RESPOND + US
    assert escalations(db, ticket) == [(1, "W-D1")]
    assert escalation_notices(db, ticket) == [(1, "operator_in")]

    # Run again, and later while no new deadline passed: never the same level twice.
    assert run(db, "escalate", NOW + RESPOND + US)["levels"] == 0
    assert run(db, "escalate", NOW + RESOLVE)["levels"] == 0
    assert escalations(db, ticket) == [(1, "W-D1")]

    assert run(db, "escalate", NOW + RESOLVE + US)["levels"] == 1
    assert ticket.escalation_level == 2
    assert run(db, "escalate", NOW + RESOLVE + RESOLVE + US)["levels"] == 1
    assert ticket.escalation_level == 3
    assert run(db, "escalate", NOW + 10 * RESOLVE)["levels"] == 0

    assert escalations(db, ticket) == [(1, "W-D1"), (2, "SO-S1"), (3, "HB-D1")]
    assert escalation_notices(db, ticket) == [(1, "operator_in"), (2, "officer"),
                                              (3, "bureau")]
    assert [e.status_after for e in ticket.events if e.action == "escalate"] == ["assigned"] * 3
    assert all(e.actor_id is None for e in ticket.events if e.action == "escalate")
    assert ticket.status.value == "assigned"
    audits = db.session.scalars(
        select(AuditRecord).where(AuditRecord.action == "ticket_escalated",
                                  AuditRecord.object_key == ticket.number)
        .order_by(AuditRecord.id)).all()
    assert [a.data["level"] for a in audits] == [1, 2, 3]


def test_several_missed_deadlines_at_once_raise_every_level_in_order(world, db):
    ticket = file_as(world, "resident_ac", community="CC", category="lighting",
                     description="路灯不亮")
    assert ticket.assignee.code == "SO-S3"
    # Normal: 24 h to respond, 7 days to resolve; 14 days on, three deadlines are missed.
    assert run(db, "escalate", NOW + timedelta(days=14) + US) == {"tickets": 1, "levels": 3}
    assert escalations(db, ticket) == [(1, "SO-S3"), (2, "SO-S3"), (3, "HB-D1")]
    assert escalation_notices(db, ticket) == [(1, "officer_s3"), (2, "officer_s3"),
                                              (3, "bureau")]


def test_a_timely_response_leaves_only_the_resolution_deadline(world, db):
    ticket = file_as(world, "resident_a")
    take_action(db.session, world.users["operator_in"], ticket, "accept")
    db.session.commit()
    assert run(db, "escalate", NOW + RESOLVE)["levels"] == 0
    assert run(db, "escalate", NOW + RESOLVE + US)["levels"] == 1
    assert escalations(db, ticket) == [(1, "W-D1")]


def test_resolved_closed_and_cancelled_tickets_are_left_alone(world, db):
    resolved = file_as(world, "resident_a")
    closed = file_as(world, "resident_a")
    cancelled = file_as(world, "resident_a")
    operator = world.users["operator_in"]
    for ticket in (resolved, closed):
        take_action(db.session, operator, ticket, "accept")
        take_action(db.session, operator, ticket, "resolve", note="修好")
    take_action(db.session, world.users["resident_a"], closed, "confirm", rating=5)
    take_action(db.session, world.users["resident_a"], cancelled, "cancel")
    db.session.commit()
    versions = {t.id: t.version for t in (resolved, closed, cancelled)}
    assert run(db, "escalate", NOW + timedelta(days=30))["levels"] == 0
    for ticket in (resolved, closed, cancelled):
        assert ticket.escalation_level == 0 and escalations(db, ticket) == []
        assert ticket.version == versions[ticket.id]


def test_a_disputed_ticket_still_escalates(world, db):
    ticket = file_as(world, "resident_a")
    take_action(db.session, world.users["operator_in"], ticket, "dispute", note="不是我们的")
    db.session.commit()
    assert run(db, "escalate", NOW + RESPOND + US)["levels"] == 1


def test_the_escalate_job_through_the_cli(app, world, db):
    ticket = file_as(world, "resident_a")
    moment = (NOW + RESOLVE + timedelta(minutes=1)).astimezone(clock.LOCAL_TZ).isoformat()
    result = app.test_cli_runner().invoke(args=["pmsys", "run-job", "escalate", "--now", moment])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output[result.output.index("{"):])
    assert (summary["tickets"], summary["levels"]) == (1, 2)
    db.session.expire_all()
    assert ticket.escalation_level == 2
    again = app.test_cli_runner().invoke(args=["pmsys", "run-job", "escalate", "--now", moment])
    assert '"levels": 0' in again.output
    run_record = db.session.scalars(
        select(AuditRecord).where(AuditRecord.action == "job_run",
                                  AuditRecord.object_key == "escalate")
        .order_by(AuditRecord.id)).first()
    assert run_record.data == {"tickets": 1, "levels": 2}


# --- auto_close ------------------------------------------------------------------------


def resolved_at(db, world, minutes_after_now: int) -> Ticket:
    ticket = file_as(world, "resident_a")
    take_action(db.session, world.users["operator_in"], ticket, "accept")
    clock.set_now(NOW + timedelta(minutes=minutes_after_now))
    take_action(db.session, world.users["operator_in"], ticket, "resolve", note="修好")
    db.session.commit()
    clock.set_now(NOW)
    return ticket


def test_auto_close_after_72_hours_without_an_answer(world, db):
    ticket = resolved_at(db, world, 60)
    done = NOW + timedelta(minutes=60)
    assert run(db, "auto_close", done + timedelta(hours=71, minutes=59)) == {"closed": 0}
    assert run(db, "auto_close", done + timedelta(hours=72)) == {"closed": 0}
    assert ticket.status.value == "resolved"

    later = done + timedelta(hours=72, seconds=1)
    assert run(db, "auto_close", later) == {"closed": 1}
    assert ticket.status.value == "closed" and ticket.closed_at == later
    assert ticket.rating is None
    last = ticket.events[-1]
    assert (last.action, last.status_after, last.actor_id) == ("auto_close", "closed", None)
    reporter_notices = db.session.scalars(
        select(Notification).where(Notification.ticket_id == ticket.id,
                                   Notification.user_id == world.users["resident_a"].id,
                                   Notification.kind == "status")
        .order_by(Notification.id)).all()  # unordered, PostgreSQL may return any order
    assert [n.data.get("action") for n in reporter_notices][-1] == "auto_close"
    assert run(db, "auto_close", later + timedelta(days=1)) == {"closed": 0}
    assert [e.action for e in ticket.events].count("auto_close") == 1


def test_auto_close_leaves_open_and_answered_tickets(world, db):
    open_ticket = file_as(world, "resident_a")
    confirmed = resolved_at(db, world, 0)
    take_action(db.session, world.users["resident_a"], confirmed, "confirm", rating=4)
    reopened = resolved_at(db, world, 0)
    take_action(db.session, world.users["resident_a"], reopened, "reopen", note="没修好")
    db.session.commit()
    assert run(db, "auto_close", NOW + timedelta(days=10)) == {"closed": 0}
    assert open_ticket.status.value == "assigned"
    assert confirmed.rating == 4 and reopened.status.value == "assigned"


def test_auto_close_hours_follow_the_setting(world, db):
    setting("ticket_auto_close_hours", 24)
    ticket = resolved_at(db, world, 0)
    assert run(db, "auto_close", NOW + timedelta(hours=24, seconds=1)) == {"closed": 1}
    assert ticket.status.value == "closed"


def test_the_auto_close_job_through_the_cli(app, world, db):
    ticket = resolved_at(db, world, 0)
    moment = (NOW + timedelta(hours=73)).isoformat()
    result = app.test_cli_runner().invoke(args=["pmsys", "run-job", "auto_close", "--now",
                                                moment])
    assert result.exit_code == 0, result.output
    assert '"closed": 1' in result.output
    db.session.expire_all()
    assert ticket.status.value == "closed"


def test_the_functions_take_an_explicit_now(world, db):
    ticket = file_as(world, "resident_a")
    assert escalate_tickets(db.session, NOW + RESPOND + US) == {"tickets": 1, "levels": 1}
    assert auto_close_tickets(db.session, NOW + timedelta(days=5)) == {"closed": 0}
    assert ticket.escalation_level == 1
