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

A view that reads much before it writes (filing a ticket: the place, the
routing facts, the deadline setting) is marked `@reads_first`: its request
reads in a deferred transaction, and its service calls `start_writing()` where
the reads end. On SQLite that ends the reading transaction (it wrote nothing)
and the writes go in an immediate one of their own, so the write lock is held
for the writes only, not for the whole request; what was read stays loaded. A
reading transaction is never upgraded to a writing one: under load that fails
whenever another writer commits first. When its writes are all made, the view
calls `writes_done()` before it reads and writes its answer: on SQLite the
writes are committed there, and the rest of the request reads again. On
PostgreSQL the request stays one transaction. Writes a view decides on while it
reads (a rate limit's count) are queued with `when_writing()` and made once the
writes begin.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session, scoped_session

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_AFTER_END = "pmsys_after_end"
_BEST_EFFORT = "pmsys_best_effort"
_REFUSALS = "pmsys_refusals"
# Set while the queued writes of a unit of work run, so that SQLite locks for writing.
_writing: ContextVar[bool] = ContextVar("pmsys_writing", default=False)
# Set while bookkeeping that may be skipped runs: on SQLite it never waits for the lock.
_no_wait: ContextVar[bool] = ContextVar("pmsys_no_wait", default=False)


_READS_FIRST = "pmsys_reads_first"
_WRITES_BEGUN = "pmsys_writes_begun"
_WRITES_DONE = "pmsys_writes_done"
_WHEN_WRITING = "pmsys_when_writing"


def reads_first(view: Callable) -> Callable:
    """Mark a view whose request reads before it writes; its service calls start_writing()."""
    setattr(view, _READS_FIRST, True)
    return view


def _reading() -> bool:
    """Whether the current request only reads now: a safe one, or a marked view's reads
    (before start_writing() or after writes_done())."""
    if not has_request_context():
        return False
    if request.method in SAFE_METHODS or g.get(_WRITES_DONE):
        return True
    if g.get(_WRITES_BEGUN):
        return False
    return getattr(current_app.view_functions.get(request.endpoint), _READS_FIRST, False)


def _in_read_phase() -> bool:
    """Whether a `@reads_first` request has not called start_writing() yet."""
    return _reading() and request.method not in SAFE_METHODS and not g.get(_WRITES_DONE)


def sqlite_begin() -> str:
    """The statement that opens a transaction on SQLite for the work at hand."""
    if not _writing.get() and _reading():
        return "BEGIN"
    return "BEGIN IMMEDIATE"


def safe_request_reads() -> bool:
    """Whether the work at hand is a safe request's own reads (not its queued writes)."""
    return has_request_context() and request.method in SAFE_METHODS and not _writing.get()


def sqlite_waits() -> bool:
    """Whether opening a transaction on SQLite may wait for the write lock (busy_timeout)."""
    return not _no_wait.get()


def read_only_request() -> bool:
    """Whether the current work must not write to the database: a safe request, or the
    reads of a `@reads_first` view before start_writing()."""
    return not _writing.get() and _reading()


def start_writing(session: Session) -> None:
    """The reads of a `@reads_first` request end here; its writes follow.

    On SQLite the reading transaction ends (the loaded objects stay as they were
    read) and the next statement begins an immediate one. Elsewhere, and outside
    such a request, nothing changes. The writes queued with when_writing() are made.
    """
    if not _in_read_phase():
        return
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("a @reads_first request changed objects before start_writing()")
    setattr(g, _WRITES_BEGUN, True)
    _commit_on_sqlite(session)
    for write in session.info.pop(_WHEN_WRITING, ()):
        write(session)


def writes_done(session: Session) -> None:
    """The writes of a `@reads_first` request end here, before its answer is read and written.

    On SQLite they are committed now (the loaded objects stay as they are), so the
    write lock is not held while the view writes its answer. On either engine the
    rest of the request only reads: a write after this fails the tests' guard. On
    PostgreSQL the request still commits once, at its end. Before start_writing(),
    and outside such a request, nothing changes.
    """
    # Only start_writing() sets _WRITES_BEGUN, and only in a @reads_first request.
    if not has_request_context() or not g.get(_WRITES_BEGUN) or g.get(_WRITES_DONE):
        return
    _commit_on_sqlite(session)
    setattr(g, _WRITES_DONE, True)


def _commit_on_sqlite(session: Session) -> None:
    """Commit the session's transaction on SQLite, keeping what it loaded; elsewhere nothing."""
    current = session() if isinstance(session, scoped_session) else session
    if current.in_transaction() and current.get_bind().dialect.name == "sqlite":
        expire, current.expire_on_commit = current.expire_on_commit, False
        try:
            current.commit()
        finally:
            current.expire_on_commit = expire


def when_writing(session: Session, write: Callable[[Session], object]) -> None:
    """Make `write(session)` now, or, in the reads of a `@reads_first` request, once
    start_writing() is called (never, if the request ends before it)."""
    if _in_read_phase():
        session.info.setdefault(_WHEN_WRITING, []).append(write)
    else:
        write(session)


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
    session.info.pop(_WHEN_WRITING, None)
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

    @app.teardown_request
    def _forget_phase(_exc):
        # An app context shared by several requests (tests, CLI) keeps g between them.
        g.pop(_WRITES_BEGUN, None)
        g.pop(_WRITES_DONE, None)


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
