"""One transaction per request and per job run, and the small writes that must outlive it.

A request commits once, after its view has answered with a success (status
below 400), and rolls back otherwise; services only flush. Some writes must
stand whatever happens to the request's own transaction: the audit record of a
refusal (the refused change is rolled back, the record of the attempt is not)
and an API token's last use. Those are queued with `after_end()` and written in
a short transaction of their own once the request's transaction has ended.

On SQLite a transaction that only reads must not take the database's single
write lock, or the embedded default would serve one request at a time: safe
requests (GET, HEAD, OPTIONS) begin a deferred transaction, everything else
(and the queued writes) an immediate one, so two writers never deadlock on a
lock upgrade.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_AFTER_END = "pmsys_after_end"
_BEST_EFFORT = "pmsys_best_effort"
_REFUSALS = "pmsys_refusals"
# Set while the queued writes of a unit of work run, so that SQLite locks for writing.
_writing: ContextVar[bool] = ContextVar("pmsys_writing", default=False)
# Set while bookkeeping that may be skipped runs: on SQLite it never waits for the lock.
_no_wait: ContextVar[bool] = ContextVar("pmsys_no_wait", default=False)


def sqlite_begin() -> str:
    """The statement that opens a transaction on SQLite for the work at hand."""
    if not _writing.get() and has_request_context() and request.method in SAFE_METHODS:
        return "BEGIN"
    return "BEGIN IMMEDIATE"


def sqlite_waits() -> bool:
    """Whether opening a transaction on SQLite may wait for the write lock (busy_timeout)."""
    return not _no_wait.get()


def read_only_request() -> bool:
    """Whether the current work is a safe request, which must not write to the database."""
    return not _writing.get() and has_request_context() and request.method in SAFE_METHODS


def after_end(session: Session, write: Callable[[Session], object], *,
              best_effort: bool = False) -> None:
    """Run `write(session)` in a short transaction of its own once this unit of work ends.

    It runs whether the unit of work commits or rolls back: an audited refusal
    is kept even when the request itself changes nothing. A `best_effort`
    write is bookkeeping (a token's last use) that is skipped rather than wait
    for the database's lock; it is tried again by a later request.
    """
    session.info.setdefault(_BEST_EFFORT if best_effort else _AFTER_END, []).append(write)


def note_refusal(session: Session) -> None:
    """Remember that this unit of work has recorded a refusal (pmsys/audit.py)."""
    session.info[_REFUSALS] = session.info.get(_REFUSALS, 0) + 1


def refusals_noted(session: Session) -> int:
    """How many refusals this unit of work has recorded so far."""
    return session.info.get(_REFUSALS, 0)


def finish(session: Session, *, commit: bool) -> None:
    """End the unit of work: commit (or roll back), then write what was queued."""
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    except Exception:
        session.rollback()
        _write_queued(session)
        raise
    _write_queued(session)


def discard(session: Session) -> None:
    """Roll back what the unit of work changed so far, keeping the queued writes."""
    session.rollback()


def _write_queued(session: Session) -> None:
    session.info.pop(_REFUSALS, None)
    required = session.info.pop(_AFTER_END, None)
    optional = session.info.pop(_BEST_EFFORT, None)
    writing = _writing.set(True)
    try:
        if required:
            _write(session, required, "could not write the records queued for the end of a "
                                      "request")
        if optional:
            no_wait = _no_wait.set(True)
            try:
                _write(session, optional, None)
            finally:
                _no_wait.reset(no_wait)
    finally:
        _writing.reset(writing)


def _write(session: Session, writes, failure: str | None) -> None:
    try:
        for write in writes:
            write(session)
        session.commit()
    except Exception:
        # Losing a refusal record must not turn an answered request into a failure.
        if failure:
            log.exception(failure)
        session.rollback()


@contextmanager
def unit(session: Session) -> Iterator[Session]:
    """A unit of work outside a request (a job run, a command): commit once, or roll back."""
    try:
        yield session
    except BaseException:
        finish(session, commit=False)
        raise
    finish(session, commit=True)


def init_app(app: Flask, session_factory: Callable[[], Session],
             before_end: Callable[[Session, object], None] | None = None) -> None:
    """Commit each request once, after its view answered with a success.

    Register it after every other after-request hook: Flask runs them last
    registered first, so an error met while committing (a concurrent update)
    becomes the response the other hooks (security headers) then complete.
    `before_end(session, response)` runs first, inside the unit of work (it
    records refused requests).
    """

    @app.after_request
    def _end_request_transaction(response):
        if before_end is not None:
            before_end(session_factory(), response)
        try:
            finish(session_factory(), commit=response.status_code < 400)
        except Exception as error:  # noqa: BLE001 - answered by the registered handlers
            response = app.make_response(app.handle_user_exception(error))
        return response


class WriteInSafeRequest(RuntimeError):
    """A GET (HEAD, OPTIONS) request tried to change the database."""


_WRITES = ("INSERT", "UPDATE", "DELETE")


def refuse_writes_in_safe_requests(engine) -> None:
    """Make a safe request that writes fail loudly (the test suite's guard).

    Safe requests run in deferred SQLite transactions, where a write can fail
    under load; the tests turn any such write into an error so none slips in.
    """

    @event.listens_for(engine, "before_cursor_execute")
    def _guard(_conn, _cursor, statement, _params, _context, _executemany):
        if statement.lstrip()[:6].upper() in _WRITES and read_only_request():
            raise WriteInSafeRequest(f"{request.method} {request.path} writes: {statement[:80]}")
