"""PostgreSQL: a safe request reads in autocommit, everything else in a transaction
(pmsys/db.py read_safe_requests_without_transaction)."""

import pytest
from sqlalchemy import create_engine, text

from pmsys import unit_of_work
from pmsys.db import read_safe_requests_without_transaction


@pytest.fixture
def engine(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite's reads are its deferred transactions (pmsys/unit_of_work.py)")
    engine = create_engine(database_url, pool_size=1, max_overflow=0)
    read_safe_requests_without_transaction(engine)
    yield engine
    engine.dispose()


def _state(engine) -> tuple[bool, str]:
    """(autocommit, transaction status) of a connection after one statement."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        dbapi = connection.connection.dbapi_connection
        return dbapi.autocommit, dbapi.info.transaction_status.name


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_a_safe_request_sends_no_begin(app, engine, method):
    with app.test_request_context("/api/v1/tickets", method=method):
        assert _state(engine) == (True, "IDLE")  # no transaction was opened


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_an_unsafe_request_keeps_its_transaction(app, engine, method):
    with app.test_request_context("/api/v1/tickets", method=method):
        assert _state(engine) == (False, "INTRANS")


def test_the_queued_writes_after_a_safe_request_have_their_transaction(app, engine):
    with app.test_request_context("/api/v1/me", method="GET"):
        token = unit_of_work._writing.set(True)  # as while after_end's writes run
        try:
            assert _state(engine) == (False, "INTRANS")
        finally:
            unit_of_work._writing.reset(token)


def test_work_outside_a_request_keeps_its_transaction(engine):
    assert _state(engine) == (False, "INTRANS")


def test_work_on_the_connection_a_safe_request_used_has_its_transaction(app, engine):
    with app.test_request_context("/api/v1/me", method="GET"):
        assert _state(engine) == (True, "IDLE")
    assert _state(engine) == (False, "INTRANS")  # the same connection: the pool holds one
    with app.test_request_context("/api/v1/tickets", method="POST"):
        assert _state(engine) == (False, "INTRANS")
