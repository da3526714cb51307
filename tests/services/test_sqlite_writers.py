"""SQLite's writers queue on a file lock beside the database (pmsys/sqlite_writers.py).

Each test runs on an engine of its own over a fresh SQLite file, configured as
the app configures its own (pmsys.db.configure_sqlite).
"""

from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from pmsys import unit_of_work
from pmsys.db import configure_sqlite
from pmsys.sqlite_writers import WriterLock


@pytest.fixture
def engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'writers.db'}")
    configure_sqlite(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (n INTEGER)")
    yield engine
    engine.dispose()


def holds(connection) -> bool:
    return WriterLock.holds(connection.connection.info)


def test_a_writing_transaction_holds_the_lock_until_commit_or_rollback(engine):
    with engine.connect() as connection:
        connection.begin()
        assert holds(connection)
        connection.execute(text("INSERT INTO t VALUES (1)"))
        connection.commit()
        assert not holds(connection)
        connection.begin()
        connection.execute(text("INSERT INTO t VALUES (2)"))
        connection.rollback()
        assert not holds(connection)
        assert connection.execute(text("SELECT n FROM t")).scalars().all() == [1]


def test_a_connection_returned_with_its_transaction_open_lets_the_lock_go(engine):
    connection = engine.connect()
    connection.begin()
    connection.execute(text("INSERT INTO t VALUES (1)"))
    info = connection.connection.info
    connection.close()  # back to the pool: reset, rolled back
    assert not WriterLock.holds(info)
    with engine.connect() as other:
        assert other.execute(text("SELECT count(*) FROM t")).scalar() == 0


def test_a_writer_waits_for_the_one_before_and_then_goes(engine):
    first = engine.connect()
    first.begin()
    first.execute(text("INSERT INTO t VALUES (1)"))
    started, done = threading.Event(), threading.Event()

    def second_writer():
        started.set()
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (2)"))
        done.set()

    thread = threading.Thread(target=second_writer)
    thread.start()
    started.wait()
    assert not done.wait(0.2)  # queued behind the first
    first.commit()
    first.close()
    thread.join(10)
    assert done.is_set()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT n FROM t ORDER BY n")).scalars().all() == [1, 2]


def test_bookkeeping_that_may_be_skipped_fails_at_once_while_another_writes(engine):
    first = engine.connect()
    first.begin()
    outcome = {}

    def skippable():
        token = unit_of_work._no_wait.set(True)
        try:
            with engine.begin() as connection:
                connection.execute(text("INSERT INTO t VALUES (3)"))
        except OperationalError as error:
            outcome["error"] = error
        finally:
            unit_of_work._no_wait.reset(token)

    thread = threading.Thread(target=skippable)
    thread.start()
    thread.join(5)
    first.rollback()
    first.close()
    assert isinstance(outcome["error"].orig, sqlite3.OperationalError)
    assert "locked" in str(outcome["error"].orig)


def test_reads_never_take_the_lock(engine, app):
    with app.test_request_context("/", method="GET"), engine.connect() as reader:
        reader.begin()
        reader.execute(text("SELECT count(*) FROM t"))
        assert not holds(reader)
        with engine.begin() as writer:  # a writer beside the open read
            writer.execute(text("INSERT INTO t VALUES (4)"))
        reader.rollback()
