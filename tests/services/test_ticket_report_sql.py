"""The ticket report's SQL (grouping sets on PostgreSQL, windows on SQLite) against a plain count.

A varied set of tickets — every status, answered early, late or never, resolved with and
without a time, rated or not, reopened, disputed, cancelled, across organisations, communities,
categories and months, with times to the microsecond and tickets on the period's edges — is
measured by ticket_report() and, ticket by ticket, by pmsys/tickets/measures.py's
measure_groups(); both must agree on every group, the total and the trend. Run on both engines.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from pmsys import clock
from pmsys.models.places import Community
from pmsys.models.tickets import Ticket, TicketStatus
from pmsys.tickets import measures
from pmsys.tickets.services import reports
from tests.ticket_world import NOW, build_ticket_world, file_as

FIRST, LAST = date(2025, 3, 1), date(2025, 5, 31)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=clock.LOCAL_TZ)


@pytest.fixture
def world(db):
    """About 90 tickets made varied field by field (filed through the service, then set)."""
    world = build_ticket_world()
    rng = random.Random(20261206)
    orgs = sorted(world.orgs.values(), key=lambda org: org.code)[:6]
    communities = db.session.scalars(select(Community).order_by(Community.code)).all()
    categories = ("water_supply", "lighting", "common_parts", "roof_leak")
    statuses = list(TicketStatus)
    edges = [local(2025, 3, 1), local(2025, 5, 31, 23, 59, 59, 999999), local(2025, 6, 1),
             local(2025, 2, 28, 23, 59, 59, 999999)]
    for n in range(90):
        ticket = file_as(world, "bureau", community=("CA", "CC")[n % 2],
                         category=categories[n % len(categories)], description=f"漏水 {n}")
        reported = edges[n] if n < len(edges) else (
            local(2025, 2, 25) + timedelta(days=rng.randint(0, 100), seconds=rng.randint(0, 86399),
                                           microseconds=rng.randint(0, 999999)))
        ticket.reported_at = reported
        ticket.assignee_id = orgs[rng.randrange(len(orgs))].id
        ticket.community_id = communities[rng.randrange(len(communities))].id
        ticket.status = statuses[rng.randrange(len(statuses))]
        ticket.due_respond_at = reported + timedelta(hours=rng.choice((2, 24, 48)))
        ticket.due_resolve_at = ticket.due_respond_at + timedelta(days=rng.choice((0, 2, 6)))
        # Durations repeat now and then (ties), and differ by a microsecond elsewhere.
        ticket.responded_at = (None if rng.random() < 0.25 else reported + timedelta(
            minutes=rng.choice((30, 30, 90)) if rng.random() < 0.3 else rng.randint(1, 4000),
            microseconds=rng.randint(0, 1)))
        resolved = ticket.status in (TicketStatus.resolved, TicketStatus.closed)
        ticket.resolved_at = (reported + timedelta(seconds=rng.randint(60, 900000),
                                                   microseconds=rng.randint(0, 999999))
                              if resolved and rng.random() < 0.85 else None)
        ticket.closed_at = (reported + timedelta(days=10)
                            if ticket.status is TicketStatus.closed else None)
        ticket.rating = rng.choice((None, None, 1, 3, 4, 5))
        ticket.reopen_count = rng.choice((0, 0, 0, 1, 2))
        ticket.dispute_count = rng.choice((0, 0, 0, 1))
    db.session.commit()
    return world


def plain_rows(session, group: str) -> list[measures.TicketRow]:
    """The period's tickets one by one, keyed as the report keys them."""
    rows = []
    start = local(FIRST.year, FIRST.month, FIRST.day)
    end = local(LAST.year, LAST.month, LAST.day) + timedelta(days=1)
    for ticket in session.query(Ticket).all():
        if not start <= ticket.reported_at < end:
            continue
        month = measures.month_key(ticket.reported_at.astimezone(clock.LOCAL_TZ))
        key, name = {
            "org": (ticket.assignee.code, ticket.assignee.name),
            "community": (ticket.community.code, ticket.community.name),
            "category": (ticket.category, reports._category_name(ticket.category)),
            "month": (month, month),
        }[group]
        rows.append(measures.TicketRow(
            key=key, name=name, status=ticket.status.value, reported_at=ticket.reported_at,
            due_respond_at=ticket.due_respond_at, responded_at=ticket.responded_at,
            due_resolve_at=ticket.due_resolve_at, resolved_at=ticket.resolved_at,
            rating=ticket.rating, reopen_count=ticket.reopen_count or 0,
            dispute_count=ticket.dispute_count or 0))
    return rows


@pytest.mark.parametrize("trend", [True, False])
@pytest.mark.parametrize("group", reports.GROUPS)
def test_the_sql_measures_agree_with_a_plain_count(db, world, group, trend):
    now = NOW - timedelta(days=20)  # some response deadlines still ahead
    report = reports.ticket_report(db.session, world.users["sysadmin"], date_from=FIRST,
                                   date_to=LAST, group=group, now=now, trend=trend)
    months = measures.months_between(FIRST, LAST)
    rows = plain_rows(db.session, group)
    items, total = measures.measure_groups(rows, now, keys=months if group == "month" else ())
    assert report.items == items
    assert report.total == total
    assert total.filed > 50 and total.median_response_minutes is not None
    assert len({item.key for item in items}) >= 3
    if group == "month":
        assert report.by_month == items
    elif trend:
        by_month, _ = measures.measure_groups(plain_rows(db.session, "month"), now, keys=months)
        assert report.by_month == by_month
    else:
        assert report.by_month == []


def test_both_middles_of_an_even_count_and_the_one_of_an_odd_count(db, world):
    """The median of an even count is the mean of its middle two, to the microsecond."""
    report = reports.ticket_report(db.session, world.users["sysadmin"], date_from=FIRST,
                                   date_to=LAST, group="org", now=NOW)
    rows = plain_rows(db.session, "org")
    for item in report.items:
        durations = sorted(row.responded_at - row.reported_at for row in rows
                           if row.key == item.key and row.responded_at is not None
                           and row.status != "cancelled")
        assert item.median_response_minutes == measures.median_minutes(durations)
    sizes = {len([row for row in rows if row.key == item.key and row.responded_at is not None
                  and row.status != "cancelled"]) % 2 for item in report.items}
    assert sizes == {0, 1}  # both kinds of count are measured
