"""Service calls run the way one request runs them (pmsys/unit_of_work.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from pmsys import unit_of_work


@contextmanager
def as_request(session: Session) -> Iterator[Session]:
    """Commit what the test set up, then run the block as one unit of work.

    A request sees only committed rows; it commits once, or rolls back on a
    refusal and then writes the refusal's audit record in its own transaction.
    Inside the `db` fixture the commits release savepoints only.
    """
    session.commit()
    with unit_of_work.unit(session):
        yield session
