"""The job registry and the one scheduler process (docs/reliability.md#jobs-once).

Jobs are registered here with stable ids and run either once
(`flask pmsys run-job NAME --now ISO`) or on schedule by
`flask pmsys scheduler`. Each job is a thin call into a service with an
explicit `now`; a run is one unit of work, committed here once (or rolled back
when it fails), never by the job itself.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import delete, text

from pmsys import audit, clock, unit_of_work
from pmsys.assets.services.handovers import activate_due_handovers, count_open
from pmsys.extensions import db
from pmsys.models.auth import ApiToken

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


@job("handover_reminders", "Make signed hand-overs effective on their date; count open ones.",
     trigger="cron", hour=0, minute=5)
def handover_reminders(now: datetime) -> dict:
    activated = activate_due_handovers(db.session, now.astimezone(clock.LOCAL_TZ).date())
    summary = {"activated": activated, "open": count_open(db.session)}
    audit.record(db.session, "scheduler", "job_run", "job", "handover_reminders", **summary)
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


def try_scheduler_lock(connection) -> bool:
    """Take the cluster-wide scheduler lock; True when this process holds it.

    On PostgreSQL a session advisory lock, held for as long as the connection
    lives, so a second scheduler does nothing. SQLite deployments are single
    machine and run one scheduler by construction.
    """
    if connection.dialect.name != "postgresql":
        return True
    # A pooled connection would keep the lock after close(): own this one outright.
    connection.detach()
    held = bool(
        connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": SCHEDULER_LOCK_KEY}
        ).scalar()
    )
    connection.commit()  # the lock is session-level; do not sit idle in a transaction
    return held


def run_scheduler(app, *, poll_seconds: float = 1.0, stop_after: float | None = None) -> bool:
    """Run the jobs on schedule until stopped; False when another scheduler holds the lock."""

    with app.app_context():
        lock_connection = db.engine.connect()
        if not try_scheduler_lock(lock_connection):
            lock_connection.close()
            log.warning("another scheduler holds the lock; this one does nothing")
            return False

    def run_in_app(name: str) -> None:
        with app.app_context():
            try:
                summary = run_job(name)
                log.info("job %s: %s", name, summary)
            except Exception:  # a failing job must not stop the others (it rolled back)
                log.exception("job %s failed", name)

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
        while not stopping and (stop_after is None or time.monotonic() - started < stop_after):
            time.sleep(poll_seconds)
    finally:
        scheduler.shutdown(wait=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        lock_connection.close()
    return True
