"""The statements a block of code sends, for tests that count them or read their text."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine


def not_the_fixtures(statement: str) -> bool:
    """Leave out the savepoints the test fixture's session makes around each block."""
    return not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE"))


@contextmanager
def statements_sent(engine: Engine,
                    keep: Callable[[str], bool] = lambda _statement: True) -> Iterator[list[str]]:
    """The text of every statement `engine` sends while the block runs that `keep` keeps."""
    statements: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        if keep(statement):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", note)
