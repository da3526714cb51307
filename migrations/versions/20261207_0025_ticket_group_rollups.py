"""ticket group rollups: per community and per assignee, each closed month's counts and durations

The ticket report by community and by organisation, for a reader who sees every ticket, reads
on PostgreSQL the rows of the whole months that stand (counts, and each median's durations,
ascending, packed as 8-byte integers) and the summary for the rest (pmsys/tickets/rollup.py);
the `ticket_rollups` job writes them. The monthly rollups written so far are dropped, so that
the job writes every closed month again with its groups: until it runs, every month is
measured from the summary.

Revision ID: 5c9e1f3a7d20
Revises: a41c7e2d9b10
Create Date: 2026-12-07 10:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c9e1f3a7d20'
down_revision = 'a41c7e2d9b10'
branch_labels = None
depends_on = None

COUNTS = ('filed', 'responded', 'responded_on_time', 'resolved', 'resolved_on_time', 'rated',
          'satisfied', 'reopens', 'disputes')


def upgrade():
    op.create_table(
        'ticket_rollup_groups',
        sa.Column('dim', sa.String(length=16), nullable=False),
        sa.Column('key', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.Column('response_us', sa.LargeBinary(), nullable=True),
        sa.Column('resolution_us', sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint('dim', 'key', 'month', name=op.f('pk_ticket_rollup_groups')),
    )
    for table in ('ticket_rollup_months', 'ticket_rollup_counts', 'ticket_rollup_buckets',
                  'ticket_rollup_coarse'):
        op.execute(f'DELETE FROM {table}')


def downgrade():
    op.drop_table('ticket_rollup_groups')
