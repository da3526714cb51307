"""The job registry and the one scheduler process (docs/reliability.md#jobs-once).

Jobs are registered here with stable ids and run either once
(`flask pmsys run-job NAME --now ISO`) or on schedule by
`flask pmsys scheduler`. Each job is a thin call into a service with an
explicit `now`; a run is one unit of work, committed here once (or rolled back
when it fails), never by the job itself.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import delete, text
from sqlalchemy.exc import SQLAlchemyError

from pmsys import audit, clock, throttle, unit_of_work
from pmsys.assets.services.handovers import activate_due_handovers
from pmsys.assets.services.worklist import count_open
from pmsys.extensions import db
from pmsys.models.auth import ApiToken
from pmsys.notifications.delivery import send_due

log = logging.getLogger(__name__)

# PostgreSQL advisory lock key held by the running scheduler ("pmsys" in ASCII).
SCHEDULER_LOCK_KEY = 0x706D737973


@dataclass(frozen=True)
class Job:
    """A scheduled job: a stable id, what it does, and how often."""

    name: str
    func: Callable[[datetime], dict]
    trigger: dict  # APScheduler trigger arguments, e.g. {"trigger": "interval", "minutes": 5}
    description: str


JOBS: dict[str, Job] = {}


def job(name: str, description: str, **trigger) -> Callable:
    """Register a function `f(now) -> summary dict` as the job `name`."""

    def decorate(func: Callable[[datetime], dict]) -> Callable[[datetime], dict]:
        JOBS[name] = Job(name, func, trigger, description)
        return func

    return decorate


@job("purge_tokens", "Delete API tokens that expired or were revoked over 30 days ago.",
     trigger="cron", hour=3, minute=17)
def purge_tokens(now: datetime) -> dict:
    cutoff = now - timedelta(days=30)
    result = db.session.execute(
        delete(ApiToken).where(
            (ApiToken.expires_at < cutoff)
            | (ApiToken.revoked_at.is_not(None) & (ApiToken.revoked_at < cutoff))
        )
    )
    summary = {"deleted": result.rowcount or 0}
    audit.record(db.session, "scheduler", "job_run", "job", "purge_tokens", **summary)
    return summary


@job("purge_rate_limits", "Delete counted filings and uploads older than a day (no limit "
     "looks back further).", trigger="interval", hours=1)
def purge_rate_limits(now: datetime) -> dict:
    summary = {"deleted": throttle.forget_before(db.session, now - timedelta(days=1))}
    audit.record(db.session, "scheduler", "job_run", "job", "purge_rate_limits", **summary)
    return summary


@job("handover_reminders", "Make signed hand-overs effective on their date; count open ones.",
     trigger="cron", hour=0, minute=5)
def handover_reminders(now: datetime) -> dict:
    activated = activate_due_handovers(db.session, now.astimezone(clock.LOCAL_TZ).date())
    summary = {"activated": activated, "open": count_open(db.session)}
    audit.record(db.session, "scheduler", "job_run", "job", "handover_reminders", **summary)
    return summary


@job("webhooks", "Send the webhook deliveries that are due, in order per endpoint, with backoff.",
     trigger="interval", minutes=1)
def webhooks(now: datetime) -> dict:
    summary = send_due(db.session, now)
    # Every minute: a run that found nothing to send leaves no record.
    if summary["endpoints"]:
        audit.record(db.session, "scheduler", "job_run", "job", "webhooks", **summary)
    return summary


def run_job(name: str, now: datetime | None = None) -> dict:
    """Run one registered job once, as if the clock read `now`."""
    try:
        entry = JOBS[name]
    except KeyError:
        raise KeyError(f"unknown job {name!r}; known: {', '.join(sorted(JOBS))}") from None
    with unit_of_work.unit(db.session):
        if now is None:
            return entry.func(clock.now())
        with clock.frozen(now):
            return entry.func(clock.now())


class SchedulerLock:
    """The cluster-wide "one scheduler" lock (docs/reliability.md#jobs-once).

    On PostgreSQL a session advisory lock on a connection of its own, which
    lives as long as that connection: if the connection is lost (a restart, an
    administrator terminating it), another scheduler may take the lock, so the
    holder checks before every run and stops when it lost it. On SQLite (one
    machine) an exclusive lock on a file beside the database, released by the
    operating system when the process ends however it ends.
    """

    def __init__(self, engine):
        self.engine = engine
        self.connection = None
        self.file = None
        self.lost = False

    def acquire(self) -> bool:
        """Take the lock; False when another scheduler holds it."""
        if self.engine.dialect.name == "postgresql":
            self.connection = self.engine.connect()
            if try_scheduler_lock(self.connection):
                return True
            self.connection.close()
            self.connection = None
            return False
        path = _lock_path(self.engine)
        if path is None:  # an in-memory database belongs to this process alone
            return True
        self.file = open(path, "a+")  # noqa: SIM115 - held open for the lock's lifetime
        try:
            fcntl.flock(self.file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.file.close()
            self.file = None
            return False
        return True

    def still_held(self) -> bool:
        """Whether this process still holds the lock (checked before each job run)."""
        if self.lost:
            return False
        if self.connection is not None:
            try:
                self.connection.execute(text("SELECT 1")).scalar()
                self.connection.commit()
            except SQLAlchemyError:
                self.lost = True  # a lost session lock never comes back on this connection
                return False
            return True
        if self.file is not None:
            path = _lock_path(self.engine)
            try:
                return os.fstat(self.file.fileno()).st_ino == os.stat(path).st_ino
            except OSError:
                return False  # the lock file was removed: another could create and lock one
        return True

    def release(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(SQLAlchemyError):
                self.connection.close()
            self.connection = None
        if self.file is not None:
            self.file.close()
            self.file = None


def _lock_path(engine) -> str | None:
    database = engine.url.database
    if engine.dialect.name != "sqlite" or database in (None, "", ":memory:"):
        return None
    return database + ".scheduler-lock"


def try_scheduler_lock(connection) -> bool:
    """Take the PostgreSQL advisory lock on `connection`; True when this process holds it."""
    # A pooled connection would keep the lock after close(): own this one outright.
    connection.detach()
    held = bool(
        connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": SCHEDULER_LOCK_KEY}
        ).scalar()
    )
    connection.commit()  # the lock is session-level; do not sit idle in a transaction
    return held


class SchedulerLockLost(RuntimeError):
    """This scheduler lost its lock: another one may be running the jobs now."""


def run_guarded(lock: SchedulerLock, name: str) -> dict | None:
    """Run job `name` if this process still holds the scheduler lock; None when it does not."""
    if not lock.still_held():
        log.error("job %s not run: this scheduler lost its lock", name)
        return None
    return run_job(name)


def run_scheduler(app, *, poll_seconds: float = 1.0, stop_after: float | None = None) -> bool:
    """Run the jobs on schedule until stopped; False when another scheduler holds the lock.

    Raises SchedulerLockLost when the lock goes while it runs (its supervisor
    restarts it, and it then finds out whether another scheduler took over).
    """
    with app.app_context():
        lock = SchedulerLock(db.engine)
        if not lock.acquire():
            log.warning("another scheduler holds the lock; this one does nothing")
            return False
    lost = threading.Event()

    def run_in_app(name: str) -> None:
        with app.app_context():
            try:
                summary = run_guarded(lock, name)
            except Exception:  # a failing job must not stop the others (it rolled back)
                log.exception("job %s failed", name)
                return
            if summary is None:
                lost.set()
            else:
                log.info("job %s: %s", name, summary)

    scheduler = BackgroundScheduler(timezone="Asia/Shanghai")
    for entry in JOBS.values():
        scheduler.add_job(run_in_app, args=[entry.name], id=entry.name, max_instances=1,
                          coalesce=True, replace_existing=True, **entry.trigger)
    stopping = False

    def _stop(*_args):
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    scheduler.start()
    started = time.monotonic()
    try:
        while not stopping and not lost.is_set() and (
                stop_after is None or time.monotonic() - started < stop_after):
            time.sleep(poll_seconds)
            if not lock.still_held():
                lost.set()
    finally:
        scheduler.shutdown(wait=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        lock.release()
    if lost.is_set():
        raise SchedulerLockLost("the scheduler lock was lost; stopping")
    return True
