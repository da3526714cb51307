"""Fixtures by layer: `app` (once), `db` (rolled back per test), `client`, `login_as`.

The schema is built by the Alembic migrations, so every run also proves them.
Set PMSYS_TEST_DATABASE_URL to run on PostgreSQL; the default is SQLite. Under
pytest-xdist (`-n 2`, as `make test` runs it) each worker has a database of its
own: a SQLite file in its own temporary folder, or a PostgreSQL database named
after the given one and the worker, created here and dropped at the end.

A test starts from an empty database, or from a base marked on it (or its
module) with `@pytest.mark.database("<fixture>")`: a module's world built
once, or a clone of the demo region (tests/bases.py).
"""

from __future__ import annotations

import functools
import os
import re

import pytest
from flask.testing import FlaskClient
from flask_login.utils import _create_identifier
from sqlalchemy import text
from sqlalchemy.engine import make_url

from pmsys import clock, create_app
from pmsys.auth import passwords
from pmsys.config import TestConfig, normalise_database_url
from pmsys.extensions import db as _db
from tests.bases import Template, admin_sql, session_on

DEFAULT_PASSWORD = "correct horse battery staple"

# Production hashes passwords with scrypt at N=32768: about 0.1 s of CPU, on purpose. The
# suite hashes and checks thousands, so here `hash_password` asks for N=1024 instead: the
# same code and stored format at 1/32 of the work (a hash records its own parameters, so
# checking one costs what making it did). Set before any test module hashes a password;
# tests/unit/test_passwords.py checks the production hash with `real_password_hashing`.
TEST_HASH_METHOD = "scrypt:1024:8:1"
_production_generate_password_hash = passwords.generate_password_hash


def _test_generate_password_hash(password: str, method: str = "scrypt", salt_length: int = 16):
    if method == "scrypt":
        method = TEST_HASH_METHOD
    return _production_generate_password_hash(password, method=method, salt_length=salt_length)


passwords.generate_password_hash = _test_generate_password_hash


@pytest.fixture
def real_password_hashing(monkeypatch):
    """`hash_password` as in production, for the tests of the hash itself."""
    monkeypatch.setattr(passwords, "generate_password_hash", _production_generate_password_hash)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = os.environ.get("PMSYS_TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url:
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "pmsys-test.db")
    elif not worker:
        yield normalise_database_url(url)
    else:
        # This worker's own database beside the given one, dropped when the run ends.
        given = make_url(normalise_database_url(url))
        own = f"{given.database}_{worker}"
        admin_sql(given, f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)')
        admin_sql(given, f'CREATE DATABASE "{own}"')
        try:
            yield given.set(database=own).render_as_string(hide_password=False)
        finally:
            admin_sql(given, f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)')


class CommittingClient(FlaskClient):
    """A test client whose requests see what the test set up as committed.

    A request commits or rolls back its own transaction (pmsys/unit_of_work.py);
    what a test wrote before it must not be part of that, just as a real
    server only ever sees committed rows. Inside the `db` fixture a commit
    releases a savepoint, and the test's outer transaction still rolls back.
    """

    def open(self, *args, **kwargs):
        # Keep the test's loaded objects as they are (a test may hold a stale version on
        # purpose, to play a concurrent writer); only make the rows stand.
        session = _db.session()
        expire = session.expire_on_commit
        session.expire_on_commit = False
        try:
            session.commit()
        finally:
            session.expire_on_commit = expire
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    import flask_migrate

    app = create_app(
        TestConfig,
        overrides={
            "SQLALCHEMY_DATABASE_URI": database_url,
            "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("uploads")),
        },
    )
    app.test_client_class = CommittingClient
    with app.app_context():
        if _db.engine.dialect.name == "postgresql":
            with _db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        flask_migrate.upgrade()
        _db.engine.dispose()
    yield app
    # Close the pooled connections now: left to garbage collection at exit, psycopg
    # warns about each one, and filterwarnings=error turns that into a failed run.
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture
def db_base(request):
    """The Base named by the test's `database` mark, or None: the empty database."""
    mark = request.node.get_closest_marker("database")
    return request.getfixturevalue(mark.args[0]) if mark else None


@pytest.fixture
def db(app, db_base):
    """The database inside one outer transaction, rolled back after the test.

    `session.commit()` in the code under test releases a savepoint only. On a
    base, the test's transaction is a savepoint inside the base's own.
    """
    with app.app_context():
        if db_base is None:
            connection = _db.engine.connect()
            transaction = connection.begin()
        else:
            connection = db_base.connection
            transaction = db_base.begin()
        original = _db.session
        _db.session = session_on(connection)
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original
            transaction.rollback()
            if db_base is None:
                connection.close()


@pytest.fixture(autouse=True)
def _release_clock():
    yield
    clock.set_now(None)


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def login_as(app, client):
    """Log `user` in on `client` the way Flask-Login would, with strong protection."""

    def login(user):
        # The identifier hashes the client's address and User-Agent, so build it
        # from the test client's own environ or strong protection drops the login.
        with app.test_request_context(environ_base=client.environ_base):
            identifier = _create_identifier()
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
            session["_id"] = identifier
        return client

    return login


CSRF_META = re.compile(r'name="csrf-token" content="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    """Fetch a page and return the CSRF token it carries for this client's session."""
    response = client.get(path)
    match = CSRF_META.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {path} ({response.status_code})"
    return match.group(1)


@pytest.fixture
def csrf(client):
    """`csrf()` returns a CSRF token valid for `client`'s current session."""
    return lambda path="/login": csrf_token(client, path)


@pytest.fixture
def api_token(client):
    """Return a function that logs a user in through the API and returns auth headers."""

    def get(user, password: str = DEFAULT_PASSWORD) -> dict:
        response = client.post(
            "/api/v1/auth/token", json={"username": user.username, "password": password}
        )
        assert response.status_code == 201, response.get_json()
        return {"Authorization": "Bearer " + response.get_json()["token"]}

    return get


# --- the demo region, built once per session and cloned per module --------------------

def _run_demo_command(app):
    """`flask pmsys demo` on an empty database; its result (exit code, output)."""
    return app.test_cli_runner().invoke(args=["pmsys", "demo"])


def _import_demo_bundle(app):
    """The demo region's bundle imported into an empty database; the import's summary."""
    from pmsys.demo.places import build_bundle
    from pmsys.imports.services import import_bundle

    with app.app_context():
        summary = import_bundle(_db.session, build_bundle(), actor="demo")
        _db.session.commit()
    return summary


@pytest.fixture(scope="session")
def _demo_templates(database_url, tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    templates = {
        "region": Template("demo", database_url, folder, _run_demo_command),
        "bundle": Template("bundle", database_url, folder, _import_demo_bundle),
    }
    yield templates
    for template in templates.values():
        template.drop()


@pytest.fixture(scope="module")
def demo_region(_demo_templates):
    """A copy of what `flask pmsys demo` loads into an empty database.

    `.result` is that command's run (exit code and output). Mark a test
    `@pytest.mark.database("demo_region")` to start from it.
    """
    with _demo_templates["region"].clone() as base:
        yield base


@pytest.fixture(scope="module")
def demo_bundle(_demo_templates):
    """A copy of an empty database into which the demo bundle was imported.

    `.result` is that import's summary. Mark a test
    `@pytest.mark.database("demo_bundle")` to start from it.
    """
    with _demo_templates["bundle"].clone() as base:
        yield base


DEMO_BASES = {"demo_region", "demo_bundle"}


# --- hooks --------------------------------------------------------------------------

def pytest_configure(config):
    config.addinivalue_line(
        "markers", "database(fixture): start the test's database from that fixture's Base")
    config.addinivalue_line(
        "markers", "concurrency: commits from simultaneous threads; counted per engine")
    config.addinivalue_line(
        "markers", "browser: a walk in a real browser (tests/browser/conftest.py)")
    config.addinivalue_line(
        "markers", "crash: kills a gunicorn running the app with SIGKILL (promise 15)")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """Under `-n N` (--dist load), send each module's tests to one worker, the demo's first.

    A module's tests stay together, in order, so its module-scoped world is built
    once; the modules that start from the demo region share one worker, which
    builds the demo once while the other workers run the rest.
    """
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ModulesDemoFirst(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return "demo" if _starts_from_the_demo(config.rootpath / module) else module

        def _assign_work_unit(self, node) -> None:
            if "demo" in self.workqueue:
                self.workqueue.move_to_end("demo", last=False)
            super()._assign_work_unit(node)

    return ModulesDemoFirst(config, log)


@functools.cache
def _starts_from_the_demo(module) -> bool:
    try:
        source = module.read_text(encoding="utf-8")
    except OSError:
        return False
    return any(f'database("{name}")' in source for name in DEMO_BASES)


def _engine_name() -> str:
    url = os.environ.get("PMSYS_TEST_DATABASE_URL")
    return make_url(normalise_database_url(url)).get_backend_name() if url else "sqlite"


def _concurrency_tally(config) -> dict[str, int]:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    tally = dict.fromkeys(("passed", "failed", "skipped", "error"), 0)
    for outcome in tally:
        for report in reporter.stats.get(outcome, []) if reporter else []:
            if "concurrency" in getattr(report, "keywords", {}):
                tally[outcome] += 1
    return tally


def pytest_sessionfinish(session, exitstatus):
    """On PostgreSQL the concurrency tests must run: one skipped fails the run."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    tally = _concurrency_tally(session.config)
    if _engine_name() == "postgresql" and tally["skipped"] and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    tally = _concurrency_tally(config)
    if not any(tally.values()):
        return
    ran = tally["passed"] + tally["failed"]
    terminalreporter.write_line(
        f"concurrency tests on {_engine_name()}: {ran} ran ({tally['passed']} passed, "
        f"{tally['failed']} failed), {tally['skipped']} skipped, {tally['error']} errors")
