"""fee_collection_summaries: the collection of each community's bills per period, kept in step;
indexes the city-scale reports read by

Revision ID: c4a7e2d91b05
Revises: 8d2e61c0f4a3
Create Date: 2026-12-06 06:00:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.orm import Session

from pmsys.fees import summary


# revision identifiers, used by Alembic.
revision = 'c4a7e2d91b05'
down_revision = '8d2e61c0f4a3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('fee_collection_summaries',
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.String(length=32), nullable=False),
    sa.Column('paid_month', sa.String(length=7), nullable=False),
    sa.Column('bills', sa.Integer(), nullable=False),
    sa.Column('billed', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('waived', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('paid', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('paid_full', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_fee_collection_summaries_community_id_communities')),
    sa.PrimaryKeyConstraint('period', 'community_id', 'mode', 'paid_month', name=op.f('pk_fee_collection_summaries'))
    )
    with op.batch_alter_table('fee_collection_summaries', schema=None) as batch_op:
        batch_op.create_index('ix_fee_collection_summaries_community_id', ['community_id'], unique=False)
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index('ix_payments_paid_on', ['paid_on'], unique=False)
    # The rows of the bills already made, as the services would have kept them.
    summary.rebuild(Session(bind=op.get_bind()))


def downgrade():
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index('ix_payments_paid_on')
    with op.batch_alter_table('fee_collection_summaries', schema=None) as batch_op:
        batch_op.drop_index('ix_fee_collection_summaries_community_id')
    op.drop_table('fee_collection_summaries')
