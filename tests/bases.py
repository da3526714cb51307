"""Databases that tests start from, built once and reused: the suite's speed, not its reach.

A `Base` is a connection holding rows that were built for the tests inside an
outer transaction that is never committed. The `db` fixture runs each test in
a SAVEPOINT on it and rolls that back afterwards, so every test sees the rows
exactly as built and nothing a test writes outlives it — as when each test
built them itself, only once instead of once a test. A test picks its base
with `@pytest.mark.database("<fixture>")` (see tests/conftest.py); without
one it starts from the empty migrated database.

- `world_base(app, build)`: a module's fixture world, built once per module on
  the app's own database. `base.world(session)` hands each test the world's
  rows again, loaded in that test's session. Its transaction holds SQLite's one
  write lock while the module runs, so mark the whole module: every test of it
  that uses `db` must start from the base.
- `Template`: a database built once per session (the demo region takes about a
  minute) into a database of its own and cloned per module — a copied SQLite
  file, or CREATE DATABASE … TEMPLATE on PostgreSQL — each clone dropped after
  its module and used as a Base.
"""

from __future__ import annotations

import copy
import dataclasses
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from itertools import count
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.orm import InstanceState, Session, scoped_session, sessionmaker
from sqlalchemy.pool import NullPool

from pmsys import clock, create_app
from pmsys.config import TestConfig
from pmsys.db import configure_sqlite
from pmsys.extensions import db as _db


class Base:
    """Rows inside an open transaction on `connection`; a test runs in a savepoint on it."""

    def __init__(self, connection: Connection, *, world=None, moment=None, result=None):
        self.connection = connection
        self.outer = connection.begin()
        self.moment = moment  # the clock as the build left it, set again for each test
        self.result = result  # what the build returned or printed, for tests about the build
        self._world = world

    def begin(self):
        """Start a test: the clock as built, and a savepoint to roll the test back to."""
        if not self.outer.is_active:
            raise RuntimeError("a test ended the shared transaction: the rows are gone")
        clock.set_now(self.moment)
        return self.connection.begin_nested()

    def world(self, session: Session):
        """The built world again, its rows attached to `session` (loaded when first read)."""
        return _thaw(self._world, session)

    def close(self) -> None:
        if self.outer.is_active:
            self.outer.rollback()
        self.connection.close()


def session_on(connection: Connection) -> scoped_session:
    """A session on `connection` whose commit releases a savepoint only.

    A plain session: Flask-SQLAlchemy's own would pick the engine instead and
    escape the connection's transaction.
    """
    return scoped_session(sessionmaker(bind=connection, join_transaction_mode="create_savepoint"))


@contextmanager
def building_on(connection: Connection) -> Iterator[None]:
    """Run a build with `db.session` on `connection`, committed into its transaction."""
    original, _db.session = _db.session, session_on(connection)
    try:
        yield
        _db.session.commit()
    finally:
        _db.session.remove()
        _db.session = original


@contextmanager
def world_base(app, build: Callable[[], object]) -> Iterator[Base]:
    """A Base on the app's database holding what `build()` made, for one module's tests.

    `build` runs as it would in a test (factories and services on `db.session`)
    and returns its world: ORM rows, in dataclasses, dicts, lists or tuples.
    """
    with app.app_context():
        base = Base(_db.engine.connect())
    try:
        with app.app_context(), building_on(base.connection):
            built = build()
            base.moment = clock._fixed  # the clock the world was built under (None: real time)
        clock.set_now(None)
        base._world = _freeze(built)
        yield base
    finally:
        clock.set_now(None)
        base.close()


# --- a world's rows, handed to each test's session -----------------------------------

@dataclasses.dataclass(frozen=True)
class _Row:
    instance: object  # detached and expired: only its identity is used


def _freeze(value):
    """`value` with every ORM row replaced by a _Row (containers copied)."""
    state = inspect(value, raiseerr=False)
    if isinstance(state, InstanceState):
        if state.key is None:
            raise ValueError(f"{value!r} was never flushed: a world holds stored rows only")
        return _Row(value)
    return _map(value, _freeze)


def _thaw(value, session: Session):
    if isinstance(value, _Row):
        return _attach(value.instance, session)
    return _map(value, lambda item: _thaw(item, session))


def _attach(instance, session: Session):
    """`instance`'s row in `session`, without a query: every attribute loads when first read,
    as after the commit that ended the build."""
    attached = session.merge(instance, load=False)
    session.expire(attached)
    return attached


def _map(value, function):
    if isinstance(value, _Row):
        return value
    if isinstance(value, dict):
        return {key: function(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return type(value)(function(item) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        mapped = copy.copy(value)
        for name, item in vars(value).items():  # fields, and attributes added after
            object.__setattr__(mapped, name, function(item))
        return mapped
    return value


# --- databases built once per session and cloned ------------------------------------

class Template:
    """A database that `build(app)` fills once per session; `clone()` copies it per use.

    `build` gets an app on the template database, migrated, and returns what
    the tests about the build itself look at (printed output, a summary). It is
    built again if the day has changed since, as the demo is built around today.
    """

    _numbers = count(1)

    def __init__(self, name: str, database_url: str, folder: Path, build: Callable):
        self.name = name
        self.url = make_url(database_url)
        self.postgres = self.url.get_backend_name() == "postgresql"
        self.folder = folder
        self.build = build
        self.result = None
        self.built_on: date | None = None
        self.database = self._database_name(name)

    def _database_name(self, suffix: str) -> str:
        if self.postgres:
            return f"{self.url.database}_{suffix}"
        return str(self.folder / f"{suffix}.db")

    def _url_of(self, database: str) -> str:
        if self.postgres:
            url = self.url.set(database=database)
        else:
            url = make_url("sqlite:///" + database)
        return url.render_as_string(hide_password=False)

    def _ensure_built(self) -> None:
        if self.built_on == clock.today():
            return
        self.drop()
        if self.postgres:
            admin_sql(self.url, f'CREATE DATABASE "{self.database}"')
        app = create_app(TestConfig, overrides={
            "SQLALCHEMY_DATABASE_URI": self._url_of(self.database),
            "UPLOAD_FOLDER": str(self.folder / f"{self.name}-uploads"),
        })
        import flask_migrate

        try:
            with app.app_context():
                flask_migrate.upgrade()
                _db.session.remove()
            self.result = self.build(app)
            self.built_on = clock.today()
        finally:
            with app.app_context():
                _db.session.remove()
                if not self.postgres:
                    # Fold the write-ahead log into the file, so the file alone is the database.
                    # Outside a transaction: the engine's connections begin IMMEDIATE ones.
                    raw = _db.engine.raw_connection()
                    try:
                        raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
                    finally:
                        raw.close()
                _db.engine.dispose()

    @contextmanager
    def clone(self) -> Iterator[Base]:
        """A Base on a fresh copy of the template, dropped afterwards."""
        self._ensure_built()
        copy_name = self._database_name(f"{self.name}_{next(self._numbers)}")
        if self.postgres:
            admin_sql(self.url, f'CREATE DATABASE "{copy_name}" TEMPLATE "{self.database}"')
        else:
            shutil.copyfile(self.database, copy_name)
        engine = _engine(self._url_of(copy_name))
        base = Base(engine.connect(), result=self.result)
        try:
            yield base
        finally:
            base.close()
            engine.dispose()
            if self.postgres:
                admin_sql(self.url, f'DROP DATABASE IF EXISTS "{copy_name}" WITH (FORCE)')
            else:
                Path(copy_name).unlink(missing_ok=True)

    def drop(self) -> None:
        if self.postgres:
            admin_sql(self.url, f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        else:
            Path(self.database).unlink(missing_ok=True)
        self.built_on = None


def _engine(url: str) -> Engine:
    engine = create_engine(url, poolclass=NullPool)
    if engine.dialect.name == "sqlite":
        configure_sqlite(engine)
    return engine


def admin_sql(url, statement: str) -> None:
    """Run CREATE/DROP DATABASE on the server of `url` (outside any transaction)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()
