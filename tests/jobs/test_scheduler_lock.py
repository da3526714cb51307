"""One scheduler runs the jobs, on both engines, and one that lost its lock stops.

docs/reliability.md#jobs-once: a second `pmsys scheduler` does nothing; a scheduler whose
PostgreSQL connection was terminated (so that another may take the advisory lock) runs no
further job and exits; on SQLite a file lock beside the database plays the advisory lock.
"""

from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import create_engine, text

from pmsys import scheduling


@pytest.fixture
def engine(db):
    return db.engine


def counting_job(monkeypatch) -> list:
    """Register a job that records its runs; returns the list of runs."""
    runs: list = []
    monkeypatch.setitem(scheduling.JOBS, "probe", scheduling.Job(
        "probe", lambda now: runs.append(now) or {"ran": 1}, {"trigger": "interval",
                                                             "hours": 1}, "a probe"))
    return runs


def test_a_second_lock_is_refused_until_the_first_is_released(engine):
    if engine.dialect.name == "sqlite" and scheduling._lock_path(engine) is None:
        pytest.skip("an in-memory database has no second process")
    first, second = scheduling.SchedulerLock(engine), scheduling.SchedulerLock(engine)
    try:
        assert first.acquire() is True
        assert second.acquire() is False
        assert first.still_held()
    finally:
        first.release()
    try:
        assert second.acquire() is True
    finally:
        second.release()


def test_a_second_scheduler_does_nothing(app, engine):
    holder = scheduling.SchedulerLock(engine)
    assert holder.acquire()
    try:
        assert scheduling.run_scheduler(app, poll_seconds=0.01, stop_after=0.05) is False
    finally:
        holder.release()


def test_on_sqlite_a_removed_lock_file_is_a_lost_lock(app, engine, monkeypatch):
    if engine.dialect.name != "sqlite":
        pytest.skip("the file lock is SQLite's")
    runs = counting_job(monkeypatch)
    lock = scheduling.SchedulerLock(engine)
    assert lock.acquire()
    try:
        os.remove(scheduling._lock_path(engine))
        assert lock.still_held() is False
        assert scheduling.run_guarded(lock, "probe") is None
        assert runs == []
    finally:
        lock.release()


def test_a_scheduler_that_loses_its_lock_while_running_stops(app, engine):
    if engine.dialect.name != "sqlite":
        pytest.skip("removing the lock file is how this test takes the lock away")
    path = scheduling._lock_path(engine)
    remover = threading.Timer(0.2, lambda: os.remove(path))
    remover.start()
    with pytest.raises(scheduling.SchedulerLockLost):
        scheduling.run_scheduler(app, poll_seconds=0.02, stop_after=5)
    remover.join()


def test_on_postgresql_a_terminated_holder_runs_nothing_and_another_takes_over(
        app, engine, monkeypatch):
    if engine.dialect.name != "postgresql":
        pytest.skip("the advisory lock is PostgreSQL's")
    runs = counting_job(monkeypatch)
    holder = scheduling.SchedulerLock(engine)
    assert holder.acquire()
    try:
        with app.app_context():
            assert scheduling.run_guarded(holder, "probe") == {"ran": 1}
        pid = holder.connection.execute(text("SELECT pg_backend_pid()")).scalar()
        holder.connection.commit()
        admin = create_engine(engine.url)
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            connection.commit()
        admin.dispose()
        assert holder.still_held() is False
        with app.app_context():
            assert scheduling.run_guarded(holder, "probe") is None
        assert len(runs) == 1
        successor = scheduling.SchedulerLock(engine)
        try:
            assert successor.acquire() is True
        finally:
            successor.release()
    finally:
        holder.release()
