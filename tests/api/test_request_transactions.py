"""One transaction per request, on real connections (pmsys/unit_of_work.py).

On SQLite a read must not take the single write lock: while another connection
holds it, reads still answer, and writes wait for it and then succeed. A request
commits once, after its answer is a success; a refusal keeps nothing but its
audit record.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from pmsys import clock
from pmsys.audit import AuditRecord
from pmsys.auth.services import issue_token
from pmsys.extensions import db as _db
from pmsys.models.tickets import Ticket
from tests.live import live_database
from tests.ticket_world import NOW, build_ticket_world

SCHEMA = "request_transactions"


@pytest.fixture(scope="module")
def live(app, database_url, tmp_path_factory):
    """An app on a database of its own holding the ticket world; yields (app, tokens)."""

    def build() -> dict:
        clock.set_now(NOW)
        world = build_ticket_world()
        tokens = {who: issue_token(_db.session, world.users[who], timedelta(days=30))[0]
                  for who in ("resident_a", "operator_in", "manager_a")}
        _db.session.commit()
        return tokens

    with live_database(app, database_url, tmp_path_factory, SCHEMA, build) as live_world:
        yield live_world


def bearer(tokens, who):
    return {"Authorization": "Bearer " + tokens[who]}


def count(live_app, model, *where) -> int:
    with live_app.app_context(), Session(_db.engine) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


@contextmanager
def write_lock(live_app):
    """Hold SQLite's write lock from another connection until the block ends or commits."""
    with live_app.app_context():
        url = make_url(str(_db.engine.url))
    if url.get_backend_name() != "sqlite":
        pytest.skip("the single write lock is SQLite's")
    holder = sqlite3.connect(url.database, timeout=10, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("UPDATE settings SET key = key")
    try:
        yield holder
    finally:
        if holder.in_transaction:
            holder.execute("ROLLBACK")
        holder.close()


def test_reads_answer_while_another_connection_holds_the_write_lock(live):
    live_app, tokens = live
    clock.set_now(NOW)
    client = live_app.test_client()
    with write_lock(live_app):
        for path in ("/api/v1/me", "/api/v1/tickets", "/api/v1/communities"):
            response = client.get(path, headers=bearer(tokens, "operator_in"))
            assert response.status_code == 200, (path, response.get_json())


def test_a_write_waits_for_the_lock_then_commits(live):
    live_app, tokens = live
    clock.set_now(NOW)
    before = count(live_app, Ticket)
    with write_lock(live_app) as holder:
        _file_while_locked(live_app, tokens, holder)
    assert count(live_app, Ticket) == before + 1


def _file_while_locked(live_app, tokens, holder, routed: threading.Event | None = None):
    """File in a thread while `holder` holds the lock; after `routed` (if given) is set,
    and a moment more, it must still be waiting; then `holder` commits. A 201 is expected."""
    answers = []

    def file():
        with live_app.test_client() as client:
            answers.append(client.post(
                "/api/v1/tickets", headers=bearer(tokens, "resident_a"),
                json={"category": "water_supply", "community": "CA", "building": "1",
                      "description": "楼道水管漏水"}))

    worker = threading.Thread(target=file)
    worker.start()
    if routed is not None:
        assert routed.wait(timeout=10), "the filing did not route while the lock was held"
    time.sleep(0.3)  # the filing is waiting for the lock now
    assert worker.is_alive() and answers == []
    holder.execute("COMMIT")
    worker.join(timeout=30)
    assert [a.status_code for a in answers] == [201]


def test_a_refused_request_keeps_only_its_audit_record(live):
    live_app, tokens = live
    clock.set_now(NOW)
    client = live_app.test_client()
    filed = client.post("/api/v1/tickets", headers=bearer(tokens, "resident_a"),
                        json={"category": "water_supply", "community": "CA",
                              "description": "楼道水管漏水"})
    assert filed.status_code == 201
    tickets = count(live_app, Ticket)
    refusals = count(live_app, AuditRecord, AuditRecord.action == "ticket_action_refused")
    # Not the manager's to accept: refused (403), audited, and nothing else changes.
    refused = client.post(f"/api/v1/tickets/{filed.get_json()['id']}/actions",
                          headers=bearer(tokens, "manager_a"), json={"action": "accept"})
    assert refused.status_code == 403
    assert count(live_app, Ticket) == tickets
    assert count(live_app, AuditRecord,
                 AuditRecord.action == "ticket_action_refused") == refusals + 1
    shown = client.get(f"/api/v1/tickets/{filed.get_json()['id']}",
                       headers=bearer(tokens, "resident_a")).get_json()
    assert shown["status"] == "assigned" and len(shown["events"]) == 1


def test_a_filing_reads_before_it_waits_for_the_lock_and_outlives_a_writer_in_between(
        live, monkeypatch):
    """A filing routes while another connection holds the write lock (it reads in a
    deferred transaction), waits only to write, and still commits although that writer
    committed after its reads: its writes go in a transaction of their own, never in an
    upgraded reading one (which SQLite refuses once another writer has committed)."""
    from pmsys.tickets.services import filing

    live_app, tokens = live
    clock.set_now(NOW)
    routed = threading.Event()
    gather = filing.gather_facts

    def gather_and_tell(*args, **kwargs):
        facts = gather(*args, **kwargs)
        routed.set()
        return facts

    monkeypatch.setattr(filing, "gather_facts", gather_and_tell)
    before = count(live_app, Ticket)
    with write_lock(live_app) as holder:
        _file_while_locked(live_app, tokens, holder, routed)
    assert count(live_app, Ticket) == before + 1


def test_a_reads_first_request_reads_until_its_service_starts_writing(app, db):
    """Before start_writing() a marked view's request is read-only (a write there fails in
    the tests), opens SQLite transactions deferred and keeps the writes it decided on
    (when_writing) for later; after it, it writes. An unmarked POST writes from its start."""
    from pmsys import unit_of_work
    from pmsys.models.throttle import ThrottleHit

    made = []
    with app.test_request_context("/api/v1/tickets", method="POST"):
        assert unit_of_work.read_only_request()
        assert unit_of_work.sqlite_begin() == "BEGIN"
        unit_of_work.when_writing(db.session, lambda session: made.append(session))
        assert made == []
        unit_of_work.start_writing(db.session)
        assert made == [db.session]
        assert not unit_of_work.read_only_request()
        assert unit_of_work.sqlite_begin() == "BEGIN IMMEDIATE"
    with app.test_request_context("/api/v1/tickets", method="POST"):
        db.session.add(ThrottleHit(key="file:user:1", at=NOW))
        with pytest.raises(RuntimeError, match="before start_writing"):
            unit_of_work.start_writing(db.session)
        db.session.rollback()
    with app.test_request_context("/api/v1/tickets/1/actions", method="POST"):
        assert not unit_of_work.read_only_request()
        assert unit_of_work.sqlite_begin() == "BEGIN IMMEDIATE"
        unit_of_work.when_writing(db.session, lambda session: made.append("at once"))
        assert made[-1] == "at once"


def test_a_filing_answers_after_its_writes_are_committed(live, monkeypatch):
    """On SQLite the filing's writes are committed before its answer is read and written
    (writes_done()): while the answer is made, another connection may take the write
    lock, and sees the ticket filed."""
    from pmsys.api.tickets import tickets as ticket_views

    live_app, tokens = live
    with live_app.app_context():
        url = make_url(str(_db.engine.url))
    if url.get_backend_name() != "sqlite":
        pytest.skip("the single write lock is SQLite's")
    clock.set_now(NOW)
    seen = []
    filed_view = ticket_views.queries.filed_view

    def view_while_another_writes(session, ticket):
        other = sqlite3.connect(url.database, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # "database is locked" if the filing held it
            seen.append(other.execute("SELECT count(*) FROM tickets WHERE id = ?",
                                      (ticket.id,)).fetchone()[0])
            other.execute("ROLLBACK")
        finally:
            other.close()
        return filed_view(session, ticket)

    monkeypatch.setattr(ticket_views.queries, "filed_view", view_while_another_writes)
    answer = live_app.test_client().post(
        "/api/v1/tickets", headers=bearer(tokens, "resident_a"),
        json={"category": "water_supply", "community": "CA", "building": "1",
              "description": "楼道水管漏水"})
    assert answer.status_code == 201, answer.get_json()
    assert seen == [1]
    assert answer.get_json()["events"][0]["action"] == "file"


def test_after_writes_done_a_reads_first_request_only_reads(app, db):
    """writes_done() ends the writes: on SQLite they are committed then, on either engine
    what follows reads (a write fails in the tests) and start_writing() does not start
    them again. Before start_writing() it changes nothing."""
    from pmsys import unit_of_work

    with app.test_request_context("/api/v1/tickets", method="POST"):
        unit_of_work.writes_done(db.session)
        assert unit_of_work.read_only_request()
        unit_of_work.start_writing(db.session)
        assert not unit_of_work.read_only_request()
        db.session.execute(select(func.count()).select_from(Ticket))
        unit_of_work.writes_done(db.session)
        assert unit_of_work.read_only_request()
        assert unit_of_work.sqlite_begin() == "BEGIN"
        sqlite = db.session.get_bind().dialect.name == "sqlite"
        assert db.session().in_transaction() is not sqlite
        unit_of_work.start_writing(db.session)
        assert unit_of_work.read_only_request()
        made = []
        unit_of_work.when_writing(db.session, made.append)
        assert made == [db.session]  # not queued for a start that will not come
        db.session.rollback()
