"""`BINARY_ROWS`: on PostgreSQL a statement asking for it gets its rows in binary format, the
same values as in text (pmsys/db.py); elsewhere the option changes nothing."""

from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import (
    BigInteger,
    DateTime,
    Integer,
    LargeBinary,
    Numeric,
    String,
    event,
    literal,
    select,
)

from pmsys import clock
from pmsys.db import BINARY_ROWS

_VALUES = select(
    literal(7, Integer).label("small"),
    literal(2**40, BigInteger).label("big"),
    literal("示范小区", String).label("text"),
    literal(b"\x00\x01\xff" * 1000, LargeBinary).label("bytes"),
    literal(Decimal("62.50"), Numeric(12, 2)).label("amount"),
    literal(datetime(2026, 12, 7, 8, 30, tzinfo=clock.UTC), DateTime(timezone=True)).label("at"),
)


def _read(db, binary: bool) -> tuple[tuple, list[int]]:
    """The row, and the format codes the server sent its columns in (PostgreSQL)."""
    formats: list[int] = []
    engine = db.session.get_bind()

    def sent(_conn, cursor, *_args):
        result = getattr(cursor, "pgresult", None)
        if result is not None:
            formats.extend(result.fformat(i) for i in range(result.nfields))

    event.listen(engine, "after_cursor_execute", sent)
    try:
        statement = _VALUES.execution_options(**{BINARY_ROWS: True}) if binary else _VALUES
        row = tuple(db.session.execute(statement).one())
    finally:
        event.remove(engine, "after_cursor_execute", sent)
    return row, formats


def test_the_rows_are_the_same_values_either_way(db):
    in_text, _formats = _read(db, binary=False)
    in_binary, _formats = _read(db, binary=True)
    assert in_binary == in_text
    assert in_binary[3] == b"\x00\x01\xff" * 1000 and type(in_binary[3]) is bytes
    assert in_binary[4] == Decimal("62.50")


def test_on_postgresql_only_a_statement_that_asks_gets_binary_rows(db):
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("the row format is PostgreSQL's")
    _row, text_formats = _read(db, binary=False)
    _row, binary_formats = _read(db, binary=True)
    assert text_formats == [0] * 6
    assert binary_formats == [1] * 6
    # The cursor of the next statement is the usual one again.
    _row, after = _read(db, binary=False)
    assert after == [0] * 6
