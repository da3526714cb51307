"""tickets: index who filed them (lists count "mine or my organisation's" by index)

Revision ID: 5c1f0a9e2b77
Revises: afe007fb271a
Create Date: 2026-12-06 02:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5c1f0a9e2b77'
down_revision = 'afe007fb271a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tickets_filed_by_id'), ['filed_by_id'], unique=False)


def downgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tickets_filed_by_id'))
