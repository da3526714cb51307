"""The demo tickets: they load through the services, once, and give the measures real data."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pmsys import clock
from pmsys.audit import AuditRecord
from pmsys.demo.handovers import build_workflow_examples
from pmsys.demo.tickets import PLANS, build_ticket_examples
from pmsys.models.auth import Organization, User
from pmsys.models.tickets import Notification, Ticket, TicketEvent
from pmsys.tickets.services.reports import ticket_report


@pytest.fixture
def demo(db):
    """The demo tickets on the demo bundle (tests using this start from demo_bundle)."""
    build_workflow_examples(db.session)
    summary = build_ticket_examples(db.session)
    db.session.commit()
    return summary


def counts(session) -> tuple[int, ...]:
    """Tickets, events, notifications and audit records (but the bundle's own, per import)."""
    rows = tuple(session.scalar(select(func.count()).select_from(table))
                 for table in (Ticket, TicketEvent, Notification))
    return rows + (session.scalar(select(func.count(AuditRecord.id))
                                  .where(AuditRecord.object_type != "bundle")),)


def user(session, username: str) -> User:
    return session.scalar(select(User).where(User.username == username))


@pytest.mark.database("demo_bundle")
def test_about_forty_tickets_over_four_months_in_every_state_with_their_trail(db, demo):
    tickets = db.session.scalars(select(Ticket)).all()
    assert demo["created"] == len(tickets) == len(PLANS) and 35 <= len(PLANS) <= 50
    assert demo["by_status"] == dict(sorted(Counter(t.status.value for t in tickets).items()))
    statuses = Counter(t.status.value for t in tickets)
    assert {"assigned", "in_progress", "resolved", "closed", "cancelled"} <= set(statuses)
    assert statuses["closed"] >= len(tickets) // 2
    now = clock.now()
    ages = [now - t.reported_at for t in tickets]
    assert max(ages) > timedelta(days=100) and max(ages) < timedelta(days=125)
    assert min(ages) < timedelta(days=1)
    assert {t.channel.value for t in tickets} == {"web", "hotline"}
    ratings = {t.rating for t in tickets if t.rating is not None}
    assert {2, 3, 4, 5} <= ratings
    assert any(t.reopen_count for t in tickets) and any(t.dispute_count for t in tickets)
    # A few are still open past their deadlines: the queues and escalation have work.
    overdue = [t for t in tickets if t.is_open and t.due_resolve_at < now]
    assert len(overdue) >= 3
    # Late answers and late fixes exist next to timely ones.
    answered = [t for t in tickets if t.responded_at is not None]
    assert any(t.responded_at > t.due_respond_at for t in answered)
    assert any(t.responded_at <= t.due_respond_at for t in answered)
    # The trail shows disputes reassigned and upheld, reopened fixes, a cancellation.
    actions = Counter(db.session.scalars(select(TicketEvent.action)))
    assert actions["file"] == len(PLANS)
    assert actions["dispute"] >= 3 and actions["reassign"] >= 3 and actions["uphold"] >= 1
    assert actions["reopen"] >= 2 and actions["cancel"] >= 1 and actions["confirm"] >= 20
    # Nothing happened after now: the latest tickets still wait.
    latest = db.session.scalar(select(func.max(TicketEvent.at)))
    assert latest <= clock.now()


@pytest.mark.database("demo_bundle")
def test_the_measures_over_the_demo_are_sane_and_a_second_run_creates_nothing(db, demo):
    today = clock.today()
    report = ticket_report(db.session, user(db.session, "bureau"),
                           date_from=today - timedelta(days=130), date_to=today, group="org")
    total = report.total
    cancelled = sum(1 for plan in PLANS if any(s.action == "cancel" for s in plan.steps))
    assert total.filed == len(PLANS) - cancelled
    for rate in ("response_rate", "resolution_rate", "on_time_rate", "satisfaction_rate",
                 "dispute_rate", "reopen_rate"):
        value = getattr(total, rate)
        assert value is not None and 0 < value < 1, rate
    assert 0 < total.median_response_minutes < total.median_resolution_minutes
    keys = {item.key for item in report.items}
    assert {"TYQ-WATER", "TYQ-HEAT", "TYQ-POWER", "TYQ-GAS", "PM-XT", "SLQ-DC"} <= keys
    assert sum(item.filed for item in report.items) == total.filed
    assert len(report.by_month) >= 5 and sum(m.filed for m in report.by_month) == total.filed
    water = ticket_report(db.session, user(db.session, "water"),
                          date_from=today - timedelta(days=130), date_to=today)
    assert [item.key for item in water.items] == ["TYQ-WATER"]

    before = counts(db.session)
    again = build_ticket_examples(db.session)
    db.session.commit()
    assert again == {"created": 0, "existing": len(PLANS), "by_status": {}}
    assert counts(db.session) == before


@pytest.mark.database("demo_region")
def test_flask_pmsys_demo_files_the_tickets_once(app, db, demo_region):
    first = demo_region.result  # the run into the empty database this one copies
    assert first.exit_code == 0, first.output
    assert f"demo tickets: {len(PLANS)} created, 0 unchanged" in first.output
    before = counts(db.session)
    again = app.test_cli_runner().invoke(args=["pmsys", "demo"])
    assert again.exit_code == 0, again.output
    assert f"demo tickets: 0 created, {len(PLANS)} unchanged" in again.output
    assert counts(db.session) == before


@pytest.mark.database("demo_bundle")
def test_an_overdue_demo_ticket_was_hurried_up_twice_and_its_handlers_were_told(db, demo):
    hurried = db.session.scalars(select(Ticket).where(Ticket.hurry_count > 0)).all()
    assert [t.description for t in hurried] == ["3单元暖气不热"]
    ticket = hurried[0]
    now = clock.now()
    # Still open and past both deadlines: the page shows it late and hurried twice.
    assert ticket.is_open and ticket.responded_at is None
    assert ticket.due_respond_at < ticket.due_resolve_at < now
    assert ticket.hurry_count == 2
    events = db.session.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                  TicketEvent.action == "hurry")
        .order_by(TicketEvent.at)).all()
    assert [(e.actor.username, e.data) for e in events] == [
        ("resident2", {"count": 1}), ("resident2", {"count": 2})]
    assert events[0].note == "三天了还没人来看"
    assert events[1].at - events[0].at == timedelta(days=3)
    assert ticket.hurried_at == events[1].at < now
    # Each hurry-up told the assignee's staff (the self-managing committee has no login in
    # the demo); the second one also the street office, whose `street` login sees it.
    told = db.session.execute(
        select(User.username, Organization.code, func.count(Notification.id))
        .join(Notification.user).join(User.organization)
        .where(Notification.ticket_id == ticket.id, Notification.kind == "hurried")
        .group_by(User.username, Organization.code)).all()
    assert ticket.assignee.code == "OC-TJJSL"
    assert [tuple(row) for row in told] == [("street", "SLQ-GOV", 1)]
