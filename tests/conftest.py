"""Fixtures by layer: `app` (once), `db` (rolled back per test), `client`, `login_as`.

The schema is built by the Alembic migrations, so every run also proves them.
Set PMSYS_TEST_DATABASE_URL to run on PostgreSQL; the default is SQLite.
"""

from __future__ import annotations

import os
import re

import pytest
from flask.testing import FlaskClient
from flask_login.utils import _create_identifier
from sqlalchemy import text
from sqlalchemy.orm import scoped_session, sessionmaker

from pmsys import clock, create_app
from pmsys.config import TestConfig, normalise_database_url
from pmsys.extensions import db as _db

DEFAULT_PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("PMSYS_TEST_DATABASE_URL")
    if url:
        return normalise_database_url(url)
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "pmsys-test.db")


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
def db(app):
    """The database inside one outer transaction, rolled back after the test.

    `session.commit()` in the code under test releases a savepoint only.
    """
    with app.app_context():
        connection = _db.engine.connect()
        transaction = connection.begin()
        original = _db.session
        # A plain session bound to the connection: Flask-SQLAlchemy's own Session
        # would pick the engine instead and escape the outer transaction.
        _db.session = scoped_session(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
        )
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original
            transaction.rollback()
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
