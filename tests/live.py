"""A database of its own for tests whose threads commit for real (concurrency tests).

The `db` fixture keeps a test inside one rolled-back transaction, where threads
could not see each other's work. These helpers give a module an app on a
separate database — a separate SQLite file, or a separate PostgreSQL schema —
built by the same migrations and dropped afterwards (the audit trail written
there can never be deleted), and run work in threads started together, each
on its own session that commits, as web workers do.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from pmsys import clock, create_app
from pmsys.config import TestConfig
from pmsys.extensions import db as _db


@contextmanager
def live_database(app, database_url: str, tmp_path_factory, schema: str,
                  build: Callable[[], dict]) -> Iterator[tuple]:
    """Yield (live app, ids): a migrated database of its own holding what `build` made.

    `build` runs inside the live app's context, commits its world and returns the
    ids the tests need (plain values: the rows' session is gone afterwards).
    """
    import flask_migrate

    url = make_url(database_url)
    postgres = url.get_backend_name() == "postgresql"
    if postgres:
        with app.app_context(), _db.engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        url = url.update_query_dict({"options": f"-csearch_path={schema}"})
    else:
        url = make_url("sqlite:///" + str(tmp_path_factory.mktemp("live") / f"{schema}.db"))
    live_app = create_app(TestConfig, overrides={
        "SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False),
        "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("live-uploads")),
    })
    try:
        with live_app.app_context():
            flask_migrate.upgrade()
            ids = build()
            _db.session.remove()
        yield live_app, ids
    finally:
        clock.set_now(None)
        with live_app.app_context():
            _db.engine.dispose()
        if postgres:
            with app.app_context(), _db.engine.begin() as connection:
                connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))


def _closing_iterables(app):
    """`app`, whose answers are closed however the client leaves.

    Werkzeug's server closes an answer only after it has drained the socket; when
    a browser resets the connection (a page closed while its logo is still being
    sent), that read raises first and the answer's open static file is left to the
    garbage collector, which warns (an error under filterwarnings=error). Here the
    answer is closed when it ends, and when its generator is collected.
    """
    def served(environ, start_response):
        answer = app(environ, start_response)
        try:
            yield from answer
        finally:
            close = getattr(answer, "close", None)
            if close is not None:
                close()
    return served


@contextmanager
def serving(live_app) -> Iterator[str]:
    """Serve `live_app` on a free port of 127.0.0.1 in a thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, _closing_iterables(live_app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def at_once(live_app, count: int, work: Callable[[Session, int], object]) -> list:
    """Run `work(session, index)` in `count` threads started together, each committing.

    Every thread has the live app's context (the services speak through gettext).
    """
    with live_app.app_context():
        engine = _db.engine
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list = []

    def run(index: int) -> None:
        try:
            with live_app.app_context(), Session(engine) as session:
                barrier.wait()
                results[index] = work(session, index)
                session.commit()
        except Exception as error:  # reported below, with its thread
            errors.append((index, repr(error)))

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results
