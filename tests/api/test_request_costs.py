"""What a request costs in SQL statements, whatever the number of rows it shows.

Speed itself is measured by bench/ (never asserted here); the number of statements
is what the code controls, and a list that grows with its rows (N+1) shows here.
Also: a token's last use is bookkeeping written at most once a minute, after the
request, and kept for reads too.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from pmsys import clock
from pmsys.extensions import db
from pmsys.models.auth import ApiToken
from tests.api.asset_world import Caller
from tests.statements import statements_sent
from tests.ticket_world import NOW, build_ticket_world, file_as

# SQL that does work; transaction control (BEGIN, SAVEPOINT, RELEASE) is not counted.
_WORK = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")

# The budgets: what filing and a page of tickets cost today. Lower is welcome; higher is a
# regression to look at, not a number to raise without a reason.
# 17 since webhooks: the outbox's one INSERT … SELECT, which writes nothing without a webhook;
# 16 since the 201 answer reads the new ticket without its photos (it has none yet);
# 17 since the ticket summary: its row is written with the ticket (pmsys/tickets/summary.py);
# 18 since the ticket rollups: the ticket's month is marked changed (an insert, no lock);
# 16 since the 201 answer is written from what the filing wrote (queries.filed_view).
FILING_STATEMENTS = 16
# On PostgreSQL what follows the ticket's insert is one statement (db.write_all): the month's
# mark, the summary row, the audit record, the event, the notifications, the outbox.
FILING_STATEMENTS_POSTGRESQL = 11
TICKET_PAGE_STATEMENTS = 5
QUEUE_PAGE_STATEMENTS = 7


@pytest.fixture
def api(client, db):
    """Requests as the ticket world's logins (tests/ticket_world.py)."""
    return Caller(client, build_ticket_world())


@pytest.fixture
def world(api):
    return api.world


def counted():
    """Count the statements that do work while the block runs."""
    return statements_sent(db.engine, lambda statement: statement.lstrip()[:6].upper()
                           .startswith(_WORK))


def file_many(world, count: int) -> None:
    for n in range(count):
        file_as(world, "resident_a", building="1", description=f"楼道水管漏水 {n}")


def test_filing_a_ticket_costs_a_fixed_number_of_statements(api):
    api.headers("resident_a")  # the token exists before the request
    db.session.commit()
    body = {"category": "water_supply", "community": "CA", "building": "1",
            "description": "楼道水管漏水"}
    with counted() as statements:
        response = api.post("resident_a", "/tickets", body)
    assert response.status_code == 201, response.get_json()
    # The token's last use is written once a minute: the first request pays one UPDATE.
    assert len(statements) <= FILING_STATEMENTS + 1, "\n".join(statements)
    with counted() as statements:
        response = api.post("resident_a", "/tickets", body)
    assert response.status_code == 201
    assert len(statements) <= FILING_STATEMENTS, "\n".join(statements)
    if db.engine.dialect.name == "postgresql":
        assert len(statements) == FILING_STATEMENTS_POSTGRESQL, "\n".join(statements)


@pytest.mark.parametrize("tickets", [3, 60])
def test_a_page_of_tickets_costs_the_same_for_three_and_for_fifty(api, world, tickets):
    file_many(world, tickets)
    api.get("operator_in", "/me")  # issue the token and record its use
    with counted() as statements:
        response = api.get("operator_in", "/tickets?per_page=50")
    assert response.status_code == 200
    assert len(response.get_json()["items"]) == min(tickets, 50)
    # Token and user, the count, the page with its names, the trails, the photos.
    assert len(statements) == TICKET_PAGE_STATEMENTS, "\n".join(statements)


@pytest.mark.parametrize("tickets", [3, 60])
def test_the_queue_page_costs_the_same_for_three_and_for_sixty(world, client, login_as,
                                                              tickets):
    file_many(world, tickets)
    login_as(world.users["operator_in"])
    client.get("/tickets")
    with counted() as statements:
        response = client.get("/tickets")
    assert response.status_code == 200
    assert len(statements) == QUEUE_PAGE_STATEMENTS, "\n".join(statements)


def last_used(world, who):
    db.session.expire_all()
    row = db.session.query(ApiToken).filter_by(user=world.users[who]).one()
    return row.last_used_at


def test_a_tokens_last_use_is_kept_after_a_read_and_written_once_a_minute(api, world):
    clock.set_now(NOW)
    api.headers("operator_in")
    assert last_used(world, "operator_in") is None
    assert api.get("operator_in", "/me").status_code == 200
    assert last_used(world, "operator_in") == NOW  # a read keeps it
    clock.set_now(NOW + timedelta(seconds=30))
    with counted() as statements:
        assert api.get("operator_in", "/me").status_code == 200
    assert not any(s.lstrip().upper().startswith("UPDATE") for s in statements)
    assert last_used(world, "operator_in") == NOW
    later = NOW + timedelta(seconds=61)
    clock.set_now(later)
    assert api.get("operator_in", "/me").status_code == 200
    assert last_used(world, "operator_in") == later


def test_a_refused_request_still_records_the_tokens_use(api, world):
    clock.set_now(NOW)
    api.headers("resident_a")
    response = api.post("resident_a", "/tickets", {"category": "nonsense"})
    assert response.status_code == 400
    assert last_used(world, "resident_a") == NOW
