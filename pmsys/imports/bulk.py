"""Reading and writing many rows at once, outside the ORM (a city's people, places, register).

`objects_among` and `rows_among` read the rows whose column is one of many
values, in chunks (`among`: one array parameter on PostgreSQL). `reserve_ids`
hands out primary keys before the rows exist, so rows that point at each other
are written table by table with their keys known; `insert_rows` writes them
(COPY on PostgreSQL, one executemany elsewhere) and `update_rows` changes columns
by id. Values go through the columns' types as the ORM would send them (enums,
UTC times, JSON), and a column left out gets its default. Everything runs in the
session's transaction, so a failure still writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import chain

from sqlalchemy import ColumnElement, Table, any_, bindparam, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

BATCH = 10_000  # rows per executemany where there is no COPY
# Values per IN (…) list: well under every engine's parameter limit. PostgreSQL takes
# a chunk as one array parameter, so its chunks can be long.
CHUNK = 500
ARRAY_CHUNK = 20_000


def chunk_size(session: Session) -> int:
    """How many values one `among` condition of this session's database should hold."""
    return ARRAY_CHUNK if session.get_bind().dialect.name == "postgresql" else CHUNK


def among(session: Session, column, values: list) -> ColumnElement[bool]:
    """`column IN values`, as one array parameter on PostgreSQL.

    psycopg rewrites every placeholder of a statement in Python, and a long IN
    list has one per value; `= ANY(array)` has one, whatever the length.
    """
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


def _chunks(session: Session, values: Iterable) -> Iterable[list]:
    ordered, size = sorted(set(values)), chunk_size(session)
    for start in range(0, len(ordered), size):
        yield ordered[start:start + size]


def objects_among(session: Session, statement, column, values: Iterable) -> list:
    """The objects (first column) of `statement` where `column` is one of `values`."""
    return [row for chunk in _chunks(session, values)
            for row in session.scalars(statement.where(among(session, column, chunk)))]


def rows_among(session: Session, statement, column, values: Iterable):
    """Yield the rows of `statement` where `column` is one of `values`, a chunk at a time.

    Plain rows read on the session's connection, past the ORM (and its autoflush).
    """
    connection = session.connection()
    for chunk in _chunks(session, values):
        yield from connection.execute(statement.where(among(session, column, chunk)))


def reserve_ids(session: Session, table: Table, count: int) -> list[int]:
    """`count` new primary keys of `table`, ascending, that no other row has or will get.

    PostgreSQL draws them from the table's sequence; SQLite continues after the
    largest id, which is safe because its write lock is held from the transaction's
    start (db.configure_sqlite begins every transaction IMMEDIATE).
    """
    if count <= 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        # The sequence is looked up once (an InitPlan), not once per row; the ids come
        # in slices, so no result ever holds hundreds of thousands of rows at once.
        statement = text(
            "SELECT nextval((SELECT pg_get_serial_sequence(:table, 'id')::regclass))"
            " AS id FROM generate_series(1, :count) ORDER BY 1"
        )
        ids: list[int] = []
        for start in range(0, count, ARRAY_CHUNK):
            ids += session.scalars(
                statement, {"table": table.name, "count": min(ARRAY_CHUNK, count - start)}
            )
        return ids
    last = session.scalar(select(func.max(table.c.id))) or 0
    return list(range(last + 1, last + 1 + count))


def _defaults(table: Table, given: Sequence[str]) -> dict[str, object]:
    """The Python-side defaults of the columns not in `given`, as the ORM would fill them."""
    values = {}
    for column in table.columns:
        default = column.default
        if column.name in given or default is None:
            continue
        if not (default.is_scalar or default.is_callable):
            raise ValueError(f"give {table.name}.{column.name}: its default is SQL")
        values[column.name] = default.arg(None) if default.is_callable else default.arg
    return values


def insert_rows(session: Session, table: Table, columns: Sequence[str],
                rows: Iterable[Sequence]) -> int:
    """Insert `rows` (tuples in the order of `columns`) into `table`; return how many."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return 0
    rows = chain([first], rows)
    extra = _defaults(table, columns)
    names = [*columns, *extra]
    tail = tuple(extra.values())
    session.flush()  # the rows may point at objects the session has not written yet
    connection = session.connection()
    dialect = connection.dialect
    count = 0
    if dialect.name == "postgresql":
        processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                      for name in names]
        quote = dialect.identifier_preparer.quote
        statement = (f"COPY {quote(table.name)} ({', '.join(quote(name) for name in names)})"
                     " FROM STDIN")
        cursor = connection.connection.driver_connection.cursor()
        try:
            with cursor.copy(statement) as copy:
                for row in rows:
                    values = (*row, *tail)
                    copy.write_row([
                        value if process is None or value is None else process(value)
                        for process, value in zip(processors, values, strict=True)
                    ])
                    count += 1
        finally:
            cursor.close()
        return count
    batch: list[dict] = []
    statement = insert(table)
    for row in rows:
        batch.append(dict(zip(names, (*row, *tail), strict=True)))
        if len(batch) >= BATCH:
            connection.execute(statement, batch)
            count += len(batch)
            batch = []
    if batch:
        connection.execute(statement, batch)
        count += len(batch)
    return count


def update_rows(session: Session, table: Table, changes: Iterable[tuple[int, dict]]) -> None:
    """Set columns of rows by id: `changes` holds (id, {column: value}) pairs."""
    by_columns: dict[tuple[str, ...], list[dict]] = {}
    for row_id, values in changes:
        names = tuple(sorted(values))
        by_columns.setdefault(names, []).append(
            {"row_id": row_id, **{f"new_{name}": values[name] for name in names}}
        )
    session.flush()
    connection = session.connection()
    for names, params in by_columns.items():
        statement = (
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values({name: bindparam(f"new_{name}", type_=table.c[name].type) for name in names})
        )
        for start in range(0, len(params), BATCH):
            connection.execute(statement, params[start:start + BATCH])


def expire(session: Session, model: type, ids: Iterable[int]) -> None:
    """Expire the session's `model` objects with these ids, so they read what was written."""
    wanted = set(ids)
    if not wanted:
        return
    for key, instance in list(session.identity_map.items()):
        if key[0] is model and key[1][0] in wanted:
            session.expire(instance)
