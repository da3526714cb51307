"""Migration 0005 turns each owners' committee organisation into an active committee.

Before 0005 a committee was only an organisation of kind owners_committee bound
to its community; the migration records one active committee (elected before
pmsys, so without term dates) per such community. Run on a database of its own
(a separate SQLite file, or a separate PostgreSQL schema) migrated step by step.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from pmsys import create_app
from pmsys.config import TestConfig
from pmsys.extensions import db as _db

SCHEMA = "migration_0005"
BEFORE = "ab785586b48a"  # 0004, fees


@pytest.fixture
def fresh(app, database_url, tmp_path_factory):
    """An app on an empty database of its own; yields it."""
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        with app.app_context(), _db.engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {SCHEMA}"))
        url = url.update_query_dict({"options": f"-csearch_path={SCHEMA}"})
    else:
        url = make_url("sqlite:///" + str(tmp_path_factory.mktemp("m5") / "m5.db"))
    fresh_app = create_app(TestConfig, overrides={
        "SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False),
        "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("m5-uploads")),
    })
    try:
        yield fresh_app
    finally:
        with fresh_app.app_context():
            _db.engine.dispose()
        if url.get_backend_name() == "postgresql":
            with app.app_context(), _db.engine.begin() as connection:
                connection.execute(text(f"DROP SCHEMA {SCHEMA} CASCADE"))


def run(sql: str, **params):
    with _db.engine.begin() as connection:
        return connection.execute(text(sql), params)


def test_an_owners_committee_org_becomes_an_active_committee(fresh):
    import flask_migrate

    with fresh.app_context():
        flask_migrate.upgrade(revision=BEFORE)
        run("INSERT INTO regions (id, code, name, kind) VALUES "
            "(1, 'M-C', 'City', 'city'), (2, 'M-D', 'District', 'district'), "
            "(3, 'M-S', 'Street', 'street')")
        run("UPDATE regions SET parent_id = 1 WHERE id = 2")
        run("UPDATE regions SET parent_id = 2 WHERE id = 3")
        run("INSERT INTO communities (id, code, name, street_id) VALUES "
            "(1, 'MA', 'With a committee', 3), (2, 'MB', 'Without', 3), "
            "(3, 'MC', 'Two committee orgs', 3)")
        run("INSERT INTO organizations (id, code, name, kind, community_id, duty) VALUES "
            "(1, 'MA-YWH', 'MA committee', 'owners_committee', 1, ''), "
            "(2, 'M-PM', 'A manager', 'property_company', NULL, ''), "
            "(3, 'M-LOOSE', 'Committee of no community', 'owners_committee', NULL, ''), "
            "(4, 'MC-OLD', 'MC old committee', 'owners_committee', 3, ''), "
            "(5, 'MC-NEW', 'MC new committee', 'owners_committee', 3, '')")
        run("INSERT INTO people (id, code, name) VALUES (1, 'M-P', 'An owner')")

        flask_migrate.upgrade()

        rows = run("SELECT community_id, kind, status, organization_id, term_start, term_end "
                   "FROM committees ORDER BY community_id").all()
        assert [tuple(row) for row in rows] == [
            (1, "owners", "active", 1, None, None),
            (3, "owners", "active", 5, None, None),  # one active per community: the latest
        ]
        # People recorded before 0005 are not developers.
        assert [tuple(row) for row in run("SELECT code, is_developer FROM people")] == [
            ("M-P", False)]
        _db.session.remove()
