"""The job registry, `run-job --now`, and the one-scheduler lock."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from pmsys import scheduling
from pmsys.audit import AuditRecord
from pmsys.models.auth import ApiToken, hash_token
from tests.factories import UserFactory

NOW = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)


def _token(db, user, name, expires_at, revoked_at=None):
    row = ApiToken(user=user, token_hash=hash_token(name), expires_at=expires_at,
                   revoked_at=revoked_at)
    db.session.add(row)
    db.session.flush()
    return row


def test_purge_tokens_deletes_only_long_dead_tokens(db):
    user = UserFactory()
    old = _token(db, user, "old", NOW - timedelta(days=31))
    recent = _token(db, user, "recent", NOW - timedelta(days=29))
    revoked = _token(db, user, "revoked", NOW + timedelta(days=5), NOW - timedelta(days=40))
    live = _token(db, user, "live", NOW + timedelta(days=5))
    ids = {t.id for t in (old, recent, revoked, live)}

    summary = scheduling.run_job("purge_tokens", NOW)

    assert summary == {"deleted": 2}
    left = set(db.session.scalars(select(ApiToken.id).where(ApiToken.id.in_(ids))))
    assert left == {recent.id, live.id}
    entry = db.session.scalars(
        select(AuditRecord).where(AuditRecord.action == "job_run")
    ).one()
    assert entry.object_key == "purge_tokens" and entry.at == NOW


def test_run_job_unknown_name_is_refused(db):
    with pytest.raises(KeyError):
        scheduling.run_job("no_such_job")


def test_cli_run_job_with_now(app, db):
    user = UserFactory()
    _token(db, user, "old", datetime(2020, 1, 1, tzinfo=UTC))
    result = app.test_cli_runner().invoke(
        args=["pmsys", "run-job", "purge_tokens", "--now", "2021-01-01T08:00+08:00"]
    )
    assert result.exit_code == 0, result.output
    assert '"deleted": 1' in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["pmsys", "run-job", "nope"], "unknown job"),
        (["pmsys", "run-job", "purge_tokens", "--now", "yesterday"], "not an ISO 8601 time"),
    ],
)
def test_cli_run_job_bad_input_is_a_clear_error(app, db, args, message):
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_every_registered_job_has_a_trigger_and_description():
    assert scheduling.JOBS
    for job in scheduling.JOBS.values():
        assert job.trigger.get("trigger") in {"cron", "interval"}
        assert job.description


def test_second_scheduler_does_nothing_on_postgresql(app, db):
    """Promise 11 (docs/reliability.md#jobs-once)."""
    engine = db.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("the advisory lock exists on PostgreSQL only")
    first, second = engine.connect(), engine.connect()
    try:
        assert scheduling.try_scheduler_lock(first) is True
        assert scheduling.try_scheduler_lock(second) is False
        assert scheduling.run_scheduler(app, poll_seconds=0.01, stop_after=0.05) is False
    finally:
        first.close()
        second.close()
    # Once the holder's connection is gone the lock is free again.
    third = engine.connect()
    try:
        assert scheduling.try_scheduler_lock(third) is True
    finally:
        third.close()


def test_scheduler_runs_and_stops(app, db):
    assert scheduling.run_scheduler(app, poll_seconds=0.01, stop_after=0.05) is True
