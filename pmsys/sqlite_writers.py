"""SQLite's writers queue on an OS lock, so the next one starts the moment the last one ends.

SQLite lets one transaction write at a time. A writer that finds the lock taken
waits in SQLite's busy handler, which sleeps and tries again: after 1, 2, 5, 10 …
up to 100 ms between tries. Two gunicorn workers filing tickets side by side
would spend most of their time asleep, the lock free. So before a transaction
that may write begins (BEGIN IMMEDIATE), its connection takes an exclusive
`flock` on a file beside the database, and gives it up as that transaction
ends (commit or rollback, or the pool's reset of an abandoned connection); a
writer waiting for the flock tries again every half millisecond, up to the
busy timeout.

SQLite's own lock stays the guarantee: the flock only orders those who will
ask for it. A process that dies loses its flock with it. Bookkeeping that may
be skipped (pmsys/unit_of_work.py) does not wait: it fails at once, as SQLite
would with a busy timeout of 0. Without `fcntl` (not POSIX) writers wait in the
busy handler as before.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time

from sqlalchemy.exc import OperationalError

try:
    import fcntl
except ImportError:  # pragma: no cover - not on the POSIX systems pmsys runs on
    fcntl = None

_FILE = "pmsys_writer_lock_file"
_HELD = "pmsys_writer_lock_held"
# How many connections of this thread hold the lock: a thread that holds it already and
# opens a second writing connection must not wait for itself; that connection waits in
# SQLite's busy handler (and fails after the busy timeout), as without the queue.
_thread = threading.local()
# How often a waiting writer tries again: SQLite's busy handler sleeps up to 100 ms.
POLL_SECONDS = 0.0005


class WriterLock:
    """The flock of one database file's writers, held per pooled connection."""

    def __init__(self, database: str):
        self.path = f"{database}-writers.lock"

    def _file(self, info: dict):
        opened = info.get(_FILE)
        # A connection carried across a fork would share its lock with the parent.
        if opened is None or opened[0] != os.getpid():
            opened = (os.getpid(), open(self.path, "a+b"))  # noqa: SIM115 - kept open
            info[_FILE] = opened
        return opened[1]

    def acquire(self, info: dict, *, wait: float) -> None:
        """Take the lock for this connection's next transaction, waiting up to `wait` seconds.

        Past that (at once with 0) it fails as SQLite's BEGIN would: "database is locked".
        """
        if fcntl is None or info.get(_HELD):
            return
        held = getattr(_thread, "held", 0)
        if held and wait:
            return
        descriptor = self._file(info).fileno()
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise OperationalError("BEGIN IMMEDIATE", None,
                                           sqlite3.OperationalError("database is locked")) from None
                time.sleep(POLL_SECONDS)
        info[_HELD] = True
        _thread.held = held + 1

    @staticmethod
    def holds(info: dict) -> bool:
        """Whether this connection holds the lock."""
        return bool(info.get(_HELD))

    def release(self, info: dict) -> None:
        """Give the lock up, if this connection holds it."""
        if info.pop(_HELD, False):
            _thread.held = getattr(_thread, "held", 1) - 1
            fcntl.flock(info[_FILE][1].fileno(), fcntl.LOCK_UN)

    def close(self, info: dict) -> None:
        """Give the lock up and close its file (the connection is closed)."""
        self.release(info)
        opened = info.pop(_FILE, None)
        if opened is not None:
            opened[1].close()
