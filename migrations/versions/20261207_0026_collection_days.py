"""fee_collection_days: what each day's payments paid on a community's bills of a period

The collection report as of a day within a past month takes off what the rest of that month's
payments did; it read them from the bills (seconds at city scale) and now reads these rows,
kept in step with the collection summary by pmsys/fees/summary.py. Filled here from the bills
already paid.

Revision ID: 7d3b5e9f1a24
Revises: 5c9e1f3a7d20
Create Date: 2026-12-07 14:00:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.orm import Session

from pmsys.fees import summary


# revision identifiers, used by Alembic.
revision = '7d3b5e9f1a24'
down_revision = '5c9e1f3a7d20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('fee_collection_days',
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.String(length=32), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('paid', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('paid_full', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_fee_collection_days_community_id_communities')),
    sa.PrimaryKeyConstraint('period', 'community_id', 'mode', 'paid_on', name=op.f('pk_fee_collection_days'))
    )
    with op.batch_alter_table('fee_collection_days', schema=None) as batch_op:
        batch_op.create_index('ix_fee_collection_days_community_id', ['community_id'], unique=False)
        batch_op.create_index('ix_fee_collection_days_paid_on', ['paid_on'], unique=False)
    # The rows of the payments already made, as the services would have kept them.
    summary.rebuild_days(Session(bind=op.get_bind()))


def downgrade():
    with op.batch_alter_table('fee_collection_days', schema=None) as batch_op:
        batch_op.drop_index('ix_fee_collection_days_paid_on')
        batch_op.drop_index('ix_fee_collection_days_community_id')
    op.drop_table('fee_collection_days')
