"""A pooled server connection is pinged before use only after it has been idle (pmsys/db.py)."""

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from pmsys.db import ping_when_idle


def _engine(database_url: str, idle: float, pings: list):
    engine = create_engine(database_url)
    ping_when_idle(engine, idle)
    usual = engine.dialect.do_ping

    def counted(dbapi_connection):
        pings.append(dbapi_connection)
        return usual(dbapi_connection)

    engine.dialect.do_ping = counted
    return engine


def _use(engine, times: int) -> None:
    for _ in range(times):
        with engine.connect() as connection:
            assert connection.execute(text("SELECT 1")).scalar() == 1


@pytest.mark.parametrize(("idle", "uses", "pinged"), [
    (3600, 5, 0),  # a new connection, then the same one given back a moment before each use
    (0, 3, 3),  # idle at least as long as the limit at every checkout
])
def test_a_connection_is_pinged_only_when_idle_as_long_as_the_limit(database_url, idle, uses,
                                                                     pinged):
    pings: list = []
    engine = _engine(database_url, idle, pings)
    try:
        _use(engine, uses)
    finally:
        engine.dispose()
    assert len(pings) == pinged


def _backend_pid(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar()


def _terminate(database_url: str, pid: int) -> None:
    admin = create_engine(database_url)
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            connection.commit()
    finally:
        admin.dispose()


@pytest.fixture
def server_url(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to drop a connection")
    return database_url


def _dropped(database_url: str, idle: float, pings: list):
    """An engine whose one pooled connection the server has just terminated; its pid."""
    engine = _engine(database_url, idle, pings)
    before = _backend_pid(engine)
    _terminate(database_url, before)
    return engine, before


def test_on_postgresql_an_idle_connection_the_server_dropped_is_replaced_unseen(server_url):
    pings: list = []
    engine, before = _dropped(server_url, 0, pings)
    try:
        after = _backend_pid(engine)  # the ping finds it gone; the pool connects again
    finally:
        engine.dispose()
    assert after != before
    assert len(pings) >= 2


def test_on_postgresql_a_drop_inside_the_window_fails_one_use_and_the_pool_recovers(
        server_url):
    pings: list = []
    engine, before = _dropped(server_url, 3600, pings)
    try:
        with pytest.raises(DBAPIError) as failed:
            _backend_pid(engine)  # not pinged: used a moment ago
        assert failed.value.connection_invalidated
        after = _backend_pid(engine)
    finally:
        engine.dispose()
    assert after != before
    assert pings == []


def test_on_postgresql_an_apps_pool_pings_a_connection_once_it_has_idled(database_url,
                                                                         monkeypatch):
    import time

    from pmsys import create_app
    from pmsys.config import TestConfig
    from pmsys.extensions import db

    if not database_url.startswith("postgresql"):
        pytest.skip("the app's SQLite file has no server connection to check")
    # An app of its own: the suite's shared pool may hold connections another test invalidated,
    # which the pool replaces with new (unpinged) ones.
    app = create_app(TestConfig, overrides={"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        engine = db.engine
    try:
        assert engine.pool._pre_ping is False  # no round trip on every checkout
        pings: list = []
        usual = engine.dialect.do_ping
        monkeypatch.setattr(engine.dialect, "do_ping",
                            lambda connection: pings.append(connection) or usual(connection),
                            raising=False)
        with engine.connect() as connection:  # the pool's one connection, new: not pinged
            connection.execute(text("SELECT 1"))
        assert pings == []
        real = time.monotonic
        monkeypatch.setattr(time, "monotonic", lambda: real() + 3600)  # an hour later
        with engine.connect() as connection:
            assert connection.execute(text("SELECT 1")).scalar() == 1
        assert len(pings) == 1
    finally:
        engine.dispose()
