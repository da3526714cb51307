"""ticket rollups: closed months' counts and median buckets, marks of changed months

The ticket report by month or by category, for a reader who sees every ticket, reads the
rollups of the whole months that stand and the summary for the rest (pmsys/tickets/rollup.py);
the `ticket_rollups` job writes them. The summary gets an index on its month. No rollup is
written here: until the job runs, every month is measured from the summary.

Revision ID: a41c7e2d9b10
Revises: e6b3589fc495
Create Date: 2026-12-07 01:00:00

"""
from alembic import op
import sqlalchemy as sa

from pmsys.db import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'a41c7e2d9b10'
down_revision = 'e6b3589fc495'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'ticket_rollup_months',
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('computed_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('due_until', UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('month', name=op.f('pk_ticket_rollup_months')),
    )
    op.create_table(
        'ticket_rollup_counts',
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('dim', sa.String(length=16), nullable=False),
        sa.Column('key', sa.String(length=32), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False)
          for name in ('filed', 'responded', 'responded_on_time', 'resolved',
                       'resolved_on_time', 'rated', 'satisfied', 'reopens', 'disputes')),
        sa.Column('first_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('last_at', UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('month', 'dim', 'key', name=op.f('pk_ticket_rollup_counts')),
    )
    op.create_table(
        'ticket_rollup_buckets',
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('dim', sa.String(length=16), nullable=False),
        sa.Column('key', sa.String(length=32), nullable=False),
        sa.Column('median', sa.String(length=16), nullable=False),
        sa.Column('bucket', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.Column('low_us', sa.BigInteger(), nullable=False),
        sa.Column('high_us', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('month', 'dim', 'key', 'median', 'bucket',
                                name=op.f('pk_ticket_rollup_buckets')),
    )
    op.create_table(
        'ticket_rollup_coarse',
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('dim', sa.String(length=16), nullable=False),
        sa.Column('key', sa.String(length=32), nullable=False),
        sa.Column('median', sa.String(length=16), nullable=False),
        sa.Column('coarse', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('month', 'dim', 'key', 'median', 'coarse',
                                name=op.f('pk_ticket_rollup_coarse')),
    )
    op.create_table(
        'ticket_rollup_marks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_rollup_marks')),
    )
    with op.batch_alter_table('ticket_rollup_marks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_rollup_marks_month'), ['month'], unique=False)
    with op.batch_alter_table('ticket_summaries', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_summaries_month', ['month'], unique=False)


def downgrade():
    with op.batch_alter_table('ticket_summaries', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_summaries_month')
    with op.batch_alter_table('ticket_rollup_marks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_rollup_marks_month'))
    op.drop_table('ticket_rollup_marks')
    op.drop_table('ticket_rollup_coarse')
    op.drop_table('ticket_rollup_buckets')
    op.drop_table('ticket_rollup_counts')
    op.drop_table('ticket_rollup_months')
