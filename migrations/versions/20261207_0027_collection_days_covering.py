"""fee_collection_days: the index on the day paid holds every column the reports read

A collection report as of a day within a past month reads the day rows after (or up to)
that day, some 50,000 at city scale, twice (the figures and the trend). On PostgreSQL
the index on paid_on now includes the other columns, so those rows come from the index
alone instead of one heap page each. SQLite has no included columns: its index is the same.

Revision ID: 0b6d2e8c4f17
Revises: 7d3b5e9f1a24
Create Date: 2026-12-07 16:45:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0b6d2e8c4f17'
down_revision = '7d3b5e9f1a24'
branch_labels = None
depends_on = None

INCLUDED = ['period', 'community_id', 'mode', 'paid', 'paid_full']


def upgrade():
    with op.batch_alter_table('fee_collection_days', schema=None) as batch_op:
        batch_op.drop_index('ix_fee_collection_days_paid_on')
        batch_op.create_index('ix_fee_collection_days_paid_on', ['paid_on'], unique=False,
                              postgresql_include=INCLUDED)


def downgrade():
    with op.batch_alter_table('fee_collection_days', schema=None) as batch_op:
        batch_op.drop_index('ix_fee_collection_days_paid_on')
        batch_op.create_index('ix_fee_collection_days_paid_on', ['paid_on'], unique=False)
