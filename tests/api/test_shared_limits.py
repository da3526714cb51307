"""Two web workers count against one budget: the limits live in the database, not in a worker.

Two app instances on one database of their own stand for two gunicorn workers
(docs/reliability.md#passwords, #rate-limits): nothing of a count is kept in a
process, so what one refuses the other refuses too.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from pmsys import clock, create_app, throttle
from pmsys.config import TestConfig
from pmsys.errors import TooManyRequests
from pmsys.extensions import db as _db
from pmsys.models.auth import OrgKind, Role
from tests.factories import DEFAULT_PASSWORD, OrganizationFactory, staff
from tests.live import live_database
from tests.ticket_world import NOW

SCHEMA = "shared_limits"


@pytest.fixture(scope="module")
def workers(app, database_url, tmp_path_factory):
    """Two apps on one committed database holding the login `wang`."""

    def build() -> dict:
        org = OrganizationFactory(kind=OrgKind.property_company)
        staff(Role.manager, org, username="wang", locale="en")
        _db.session.commit()
        return {}

    with live_database(app, database_url, tmp_path_factory, SCHEMA, build) as (first, _ids):
        second = create_app(TestConfig, overrides={
            "SQLALCHEMY_DATABASE_URI": first.config["SQLALCHEMY_DATABASE_URI"],
            "UPLOAD_FOLDER": first.config["UPLOAD_FOLDER"],
        })
        try:
            yield first, second
        finally:
            with second.app_context():
                _db.engine.dispose()


def test_failed_logins_on_two_workers_share_one_budget(workers):
    first, second = workers
    clock.set_now(NOW)
    clients = [first.test_client(), second.test_client()]
    for attempt in range(5):  # 3 on one worker, 2 on the other
        response = clients[attempt % 2].post("/api/v1/auth/token", json={
            "username": "wang", "password": "not the password at all"})
        assert response.status_code == 401
    for client in clients:
        refused = client.post("/api/v1/auth/token",
                              json={"username": "wang", "password": DEFAULT_PASSWORD})
        assert refused.status_code == 429
        assert refused.get_json()["error"]["code"] == "login_throttled"
        assert int(refused.headers["Retry-After"]) == 15 * 60 + 1


def test_rate_limit_counts_of_two_workers_add_up(workers):
    first, second = workers
    clock.set_now(NOW)
    limit = throttle.Limit(3, timedelta(minutes=10))
    for worker in (first, second, first):
        with worker.app_context():
            throttle.check(_db.session, "file:user:shared", limit, "slow down")
            _db.session.commit()
            _db.session.remove()
    for worker in (second, first):
        with worker.app_context(), pytest.raises(TooManyRequests) as refused:
            throttle.check(_db.session, "file:user:shared", limit, "slow down")
        assert refused.value.retry_after == 10 * 60 + 1
        with worker.app_context():
            _db.session.remove()
