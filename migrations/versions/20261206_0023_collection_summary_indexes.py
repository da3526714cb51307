"""fee_collection_summaries: indexes for the bills rows and for the rows of later months

The collection reports read the bills rows (paid_month = '') and the rows of payments
of later months apart (pmsys/fees/summary.py as_of): on PostgreSQL the bills rows come
from a partial index holding every column they need.

Revision ID: e6b3589fc495
Revises: e7f1a2b3c4d5
Create Date: 2026-12-06 22:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e6b3589fc495'
down_revision = 'e7f1a2b3c4d5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('fee_collection_summaries', schema=None) as batch_op:
        batch_op.create_index('ix_fee_collection_summaries_bills', ['period'], unique=False,
                              postgresql_include=['community_id', 'mode', 'bills', 'billed',
                                                  'paid', 'paid_full'],
                              postgresql_where=sa.text("paid_month = ''"),
                              sqlite_where=sa.text("paid_month = ''"))
        batch_op.create_index('ix_fee_collection_summaries_paid_month',
                              ['paid_month', 'period'], unique=False)


def downgrade():
    with op.batch_alter_table('fee_collection_summaries', schema=None) as batch_op:
        batch_op.drop_index('ix_fee_collection_summaries_paid_month')
        batch_op.drop_index('ix_fee_collection_summaries_bills')
