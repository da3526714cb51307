"""tickets.hurry_count and hurried_at: the reporter's hurry-ups (催办)

Revision ID: c7a4f1d2e9b3
Revises: c4a7e2d91b05
Create Date: 2026-12-06 06:00:00

"""
from alembic import op
import sqlalchemy as sa

import pmsys.db


# revision identifiers, used by Alembic.
revision = 'c7a4f1d2e9b3'
down_revision = 'c4a7e2d91b05'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hurry_count', sa.Integer(), server_default=sa.text('0'),
                                      nullable=False))
        batch_op.add_column(sa.Column('hurried_at', pmsys.db.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('hurried_at')
        batch_op.drop_column('hurry_count')
