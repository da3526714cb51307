"""The migrations build exactly the models' schema, and the database enforces its rules."""

from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from pmsys.db import Base
from tests.factories import HouseholdFactory, UserFactory


def test_migrations_match_models(db):
    context = MigrationContext.configure(db.session.connection(), opts={"compare_type": True})
    assert compare_metadata(context, Base.metadata) == []


def test_on_postgresql_the_migrations_build_the_covering_indexes(db):
    """The columns an index includes (postgresql_include) are not compared by Alembic: the
    reports read from such an index alone (pmsys/fees/summary.py as_of), so each is checked."""
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("only PostgreSQL indexes include columns")
    covering = {index.name: index.dialect_options["postgresql"]["include"]
                for table in Base.metadata.tables.values() for index in table.indexes
                if index.dialect_options["postgresql"]["include"]}
    assert {"ix_fee_collection_summaries_bills", "ix_fee_collection_days_paid_on"} <= set(covering)
    built = dict(db.session.execute(
        text("SELECT indexname, indexdef FROM pg_indexes WHERE indexname = ANY(:names)"),
        {"names": list(covering)}).all())
    for name, columns in covering.items():
        assert f"INCLUDE ({', '.join(columns)})" in built[name], built.get(name)


def test_audit_records_cannot_be_updated_or_deleted_in_sql(db):
    """Promise 16 (docs/reliability.md#audit)."""
    from pmsys import audit

    audit.record(db.session, None, "test", "thing", "1")
    db.session.flush()
    with pytest.raises(DBAPIError):
        with db.session.begin_nested():
            db.session.execute(text("UPDATE audit_records SET action = 'x'"))
    with pytest.raises(DBAPIError):
        with db.session.begin_nested():
            db.session.execute(text("DELETE FROM audit_records"))


def test_household_area_must_be_positive(db):
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            HouseholdFactory(area=Decimal("0"))


def test_staff_user_needs_an_organisation(db):
    from pmsys.models.auth import Role

    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            UserFactory(role=Role.manager, organization=None)
