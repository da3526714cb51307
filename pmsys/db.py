"""Declarative base, naming convention, time columns and engine tuning."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import (
    ARRAY,
    Boolean,
    DateTime,
    Enum,
    Integer,
    MetaData,
    String,
    bindparam,
    event,
    exc,
    insert,
    literal,
    select,
)
from sqlalchemy import inspect as inspect_model
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.expression import BindParameter, ColumnElement, Executable, Insert
from sqlalchemy.sql.visitors import InternalTraversal, replacement_traverse
from sqlalchemy.types import TypeDecorator

from pmsys import clock
from pmsys.sqlite_writers import WriterLock
from pmsys.unit_of_work import safe_request_reads, sqlite_begin, sqlite_waits

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Primary keys are INTEGER columns (32 bits on PostgreSQL): an id past this cannot exist,
# and asking the database for one fails instead of finding nothing.
MAX_ID = 2**31 - 1


def valid_id(value) -> int | None:
    """`value` as a row id if it can be one (a whole number in 1..MAX_ID), else None."""
    if isinstance(value, bool):
        return None
    try:
        key = int(value)
    except (TypeError, ValueError):
        return None
    return key if 0 < key <= MAX_ID else None


class Base(DeclarativeBase):
    """Base of every model; constraints get predictable names."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Return the clock's time; used as a callable column default."""
    return clock.now()


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(clock.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=clock.UTC)
        return value.astimezone(clock.UTC)

    def result_processor(self, dialect, coltype):
        """On SQLite, parse the stored text with `datetime.fromisoformat` (C) in one step.

        SQLAlchemy's own SQLite processor parses with a regular expression and then
        this decorator adds the zone: a page of tickets reads hundreds of these. Text
        the fast parser refuses goes the usual way.
        """
        usual = super().result_processor(dialect, coltype)
        if dialect.name != "sqlite" or usual is None:
            return usual
        parse, utc = datetime.fromisoformat, clock.UTC

        def process(value):
            if value is None:
                return None
            try:
                moment = parse(value)
            except (TypeError, ValueError):
                moment = None
            if moment is None or moment.tzinfo is not None:
                return usual(value)  # what the fast parser refuses or reads otherwise
            return moment.replace(tzinfo=utc)

        return process


class _IdList(TypeDecorator):
    """A list of row ids as one parameter: an integer array on PostgreSQL, JSON text on SQLite."""

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(Integer))
        return dialect.type_descriptor(String())

    def process_bind_param(self, value, dialect):
        ids = [int(key) for key in value]
        return ids if dialect.name == "postgresql" else json.dumps(ids)


class OneOfIds(ColumnElement):
    """`column` is one of the ids bound as `name`: one parameter however many ids there are.

    An IN list with an expanding parameter is rendered again at every execution, a
    placeholder per value (for a page of tickets, that costs more than running it).
    This statement text stays the same: `= ANY(:ids)` on PostgreSQL, `IN (SELECT value
    FROM json_each(:ids))` on SQLite. Both still look each id up by the column's index.
    """

    inherit_cache = True
    type = Boolean()
    _is_implicitly_boolean = True  # a condition as it stands, not `… = 1` on SQLite
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement),
                           ("ids", InternalTraversal.dp_clauseelement)]

    def __init__(self, column, name: str):
        self.column = column
        self.ids = bindparam(name, type_=_IdList())


def one_of_ids(column, name: str) -> OneOfIds:
    """`column IN (ids)`, the ids given at execution as the parameter `name` (a list)."""
    return OneOfIds(column, name)


@compiles(OneOfIds)
def _one_of_ids(element, compiler, **kw):
    return (f"{compiler.process(element.column, **kw)} IN "
            f"(SELECT value FROM json_each({compiler.process(element.ids, **kw)}))")


@compiles(OneOfIds, "postgresql")
def _one_of_ids_postgresql(element, compiler, **kw):
    return f"{compiler.process(element.column, **kw)} = ANY({compiler.process(element.ids, **kw)})"


def insert_values(table, names: Sequence[str]) -> Insert:
    """An insert into `table` with a named parameter for each of these columns."""
    return insert(table).values(
        {name: bindparam(name, type_=table.c[name].type) for name in names})


class Loaded:
    """A model's columns, to select as plain columns, and its object made from them.

    A query for ORM objects sets up its loading machinery at every execution (result
    handling, row processors, joined eager loads), which costs several times the
    statement for the one row an API request reads to know its caller. Selected as
    plain columns on the session's connection, the values make the object `of(…)`
    gives: persistent in the session, as that query would have loaded it, or the one
    the session already holds.
    """

    def __init__(self, model):
        mapper = inspect_model(model)
        self._mapper = mapper
        self._keys = tuple(prop.key for prop in mapper.column_attrs)
        self.columns = tuple(getattr(model, key) for key in self._keys)
        self._primary = tuple(self._keys.index(mapper.get_property_by_column(column).key)
                              for column in mapper.primary_key)

    def of(self, session: Session, values: Sequence, **related):
        """The object of these values (in the order of `columns`), or None when its key is
        NULL (an outer join that found none).

        An object new to the session is added, with `related` (objects of its many-to-one
        relationships, read by the same statement) as loaded. One the session holds
        already is given with what was not loaded (expired by a commit) set from these
        values, as a query would give it.
        """
        key = tuple(values[index] for index in self._primary)
        if None in key:
            return None
        identity = self._mapper.identity_key_from_primary_key(key)
        held = session.identity_map.get(identity)
        if held is not None:
            # What a commit expired is read again from these values, as a query would.
            state = inspect_model(held)
            unloaded = state.unloaded
            if unloaded:
                for name, value in (*zip(self._keys, values, strict=True), *related.items()):
                    if name in unloaded:
                        set_committed_value(held, name, value)
            return held
        found = self._mapper.class_manager.new_instance()
        found.__dict__.update(zip(self._keys, values, strict=True))
        make_transient_to_detached(found)
        for name, value in related.items():
            set_committed_value(found, name, value)
        session.add(found)
        return found


class Write(NamedTuple):
    """A statement that writes, and its parameters: one of the writes `write_all` makes."""

    statement: Executable
    params: dict


def write_all(session, writes: Sequence[Write]) -> None:
    """Make these writes in the session's transaction, in one statement on PostgreSQL.

    There each write becomes a data-modifying CTE of one statement: one round trip and
    one execution instead of one per write. Every CTE sees the rows as they were when
    the statement began, so no write may need what another of them writes (each may
    read what earlier statements wrote). Elsewhere they run one after the other. Each
    statement's parameters are named (no executemany); its prebuilt form is reused. The
    session is flushed first.
    """
    session.flush()  # what the session holds goes first (a throttle's hits), as autoflush would
    connection = session.connection()
    if connection.dialect.name != "postgresql" or len(writes) < 2:
        for statement, params in writes:
            connection.execute(statement, params)
        return
    connection.execute(_together(tuple(statement for statement, _params in writes)),
                       {f"w{index}_{key}": value
                        for index, (_statement, params) in enumerate(writes)
                        for key, value in params.items()})


@lru_cache(maxsize=128)
def _together(statements: tuple) -> Executable:
    """`SELECT 1` with these statements as CTEs, their named parameters prefixed w0_, w1_…"""
    def prefixed(statement, prefix: str):
        def rename(element):
            if isinstance(element, BindParameter) and not element.unique:
                return bindparam(prefix + element.key, element.value, type_=element.type,
                                 callable_=element.callable, required=element.required)
            return None
        return replacement_traverse(statement, {}, rename)

    return select(literal(1)).add_cte(*(
        prefixed(statement, f"w{index}_").cte(f"write_{index}")
        for index, statement in enumerate(statements)))


def str_enum(enum_class, name: str) -> Enum:
    """Store a str Enum by value as VARCHAR with a named CHECK constraint."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


# How long a writer waits for SQLite's write lock before giving up.
BUSY_TIMEOUT_MS = 10_000


# A pooled connection given back less than this many seconds ago is taken as alive.
PING_AFTER_IDLE_SECONDS = 10.0
_RETURNED = "pmsys_returned_at"


def ping_when_idle(engine: Engine, idle: float = PING_AFTER_IDLE_SECONDS) -> None:
    """Check a pooled server connection before use only when it has been idle a while.

    SQLAlchemy's pool_pre_ping asks the server on every checkout: one round trip
    more per request, on a connection that a request gave back a moment ago (and
    the pool's reset on return has just spoken to the server). Here a connection
    idle `idle` seconds or longer (or new) is pinged; a dead one is replaced before
    the request sees it. Should the server go away inside that window, the request
    that meets it fails and the pool drops every connection older than the failure.
    """
    dialect = engine.dialect

    @event.listens_for(engine, "connect")
    def _connected(_dbapi_connection, record):
        record.info[_RETURNED] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection, record):
        if record is not None and record.dbapi_connection is not None:
            record.info[_RETURNED] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _taken(dbapi_connection, record, _proxy):
        returned = record.info.get(_RETURNED)
        if returned is not None and time.monotonic() - returned < idle:
            return
        try:
            alive = dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if not dialect.is_disconnect(error, dbapi_connection, None):
                raise
            alive = False
        if not alive:
            raise exc.DisconnectionError("the pooled connection is gone; the pool reconnects")


def read_safe_requests_without_transaction(engine: Engine) -> None:
    """PostgreSQL: a safe request's statements run in autocommit, with no BEGIN or COMMIT.

    psycopg opens a transaction with a BEGIN of its own, a round trip before the
    first statement, and a COMMIT ends it: two of a GET's four to seven round trips.
    Under READ COMMITTED, the isolation pmsys runs at, every statement sees the rows
    committed when it starts, in a transaction or not, so a safe request (which
    never writes: tests/conftest.py's guard) reads exactly what it read before.
    The queued writes after it (a token's last use, an audited refusal), every other
    request and all work outside requests keep their transaction: each transaction
    sets the mode it needs as it begins, whatever the connection was used for before.
    """

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        dbapi_connection = connection.connection.dbapi_connection
        wanted = safe_request_reads()
        if dbapi_connection.autocommit != wanted:
            dbapi_connection.autocommit = wanted


# An execution option: on PostgreSQL, the statement's rows come in binary format.
BINARY_ROWS = "pmsys_binary_rows"


def binary_rows_when_asked(engine: Engine) -> None:
    """PostgreSQL: a statement executed with the execution option BINARY_ROWS has its rows
    sent in binary format.

    psycopg asks for text by default, and `bytea` then travels as hex, twice its size,
    encoded by the server and decoded here: a city's ticket report by community reads ~7 MB
    of packed durations (pmsys/tickets/rollup.py), ~15 ms more as text. The values loaded
    are the same Python objects either way (integers, text, bytes). Other engines, and
    statements without the option, are not touched.
    """
    from psycopg.pq import Format

    @event.listens_for(engine, "before_cursor_execute")
    def _binary(_connection, cursor, _statement, _parameters, context, _executemany):
        if context is not None and context.execution_options.get(BINARY_ROWS):
            cursor.format = Format.BINARY


def configure_sqlite(engine: Engine) -> None:
    """Make SQLite safe and quick for concurrent workers (docs/reliability.md#concurrent-writers).

    WAL lets readers run beside a writer, busy_timeout waits instead of failing,
    foreign keys are enforced. A transaction that may write starts IMMEDIATE, so
    two writers never deadlock on a lock upgrade; a safe request's starts
    deferred and never takes the write lock (pmsys/unit_of_work.py). WAL with
    synchronous=NORMAL keeps every committed transaction through a crash of the
    process (kill -9); only a power cut may lose the last ones, never consistency.
    pysqlite's own transaction handling is switched off so SAVEPOINTs work.
    """
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    database = engine.url.database
    writers = (WriterLock(database)
               if database not in (None, "", ":memory:") and not database.startswith("file:")
               else None)

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        begin = sqlite_begin()
        info = connection.connection.info
        if writers is not None and begin != "BEGIN":
            writers.acquire(info, wait=BUSY_TIMEOUT_MS / 1000 if sqlite_waits() else 0)
        try:
            if sqlite_waits():
                connection.exec_driver_sql(begin)
                return
            # Bookkeeping that may be skipped fails at once instead of waiting for the lock.
            connection.exec_driver_sql("PRAGMA busy_timeout=0")
            try:
                connection.exec_driver_sql(begin)
            finally:
                connection.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        except BaseException:
            if writers is not None:
                writers.release(info)
            raise

    if writers is None:
        return

    def _end(connection, how: str) -> None:
        # The transaction ends here, then the next writer may go. Should it fail, SQLAlchemy's
        # own commit or rollback, which follows, meets the error and reports it as usual.
        info = connection.connection.info
        if not writers.holds(info):
            return
        try:
            getattr(connection.connection.dbapi_connection, how)()
        except sqlite3.Error:
            pass
        finally:
            writers.release(info)

    event.listen(engine, "commit", lambda connection: _end(connection, "commit"))
    event.listen(engine, "rollback", lambda connection: _end(connection, "rollback"))

    @event.listens_for(engine.pool, "reset")
    def _on_reset(dbapi_connection, record, _state):
        if writers.holds(record.info):  # returned to the pool with its transaction open
            try:
                dbapi_connection.rollback()
            finally:
                writers.release(record.info)

    @event.listens_for(engine.pool, "close")
    def _on_close(_dbapi_connection, record):
        writers.close(record.info)

    @event.listens_for(engine.pool, "invalidate")
    def _on_invalidate(_dbapi_connection, record, _exception):
        writers.close(record.info)
