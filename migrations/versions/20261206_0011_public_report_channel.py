"""ticket channel `public`: name-and-phone reports from a building's QR page, without a login

Revision ID: 3f7a9c21d5e8
Revises: d8136b7bf914
Create Date: 2026-12-06 05:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3f7a9c21d5e8'
down_revision = 'd8136b7bf914'
branch_labels = None
depends_on = None

OLD = ('web', 'hotline', 'api', 'open311')
NEW = OLD + ('public',)


def _channels(values):
    return sa.Enum(*values, name='ticket_channel', native_enum=False, create_constraint=True,
                   length=32)


def upgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        # Alembic drops the old type's CHECK constraint and adds the new one's.
        batch_op.alter_column('channel', existing_type=_channels(OLD), type_=_channels(NEW),
                              existing_nullable=False)


def downgrade():
    op.execute("UPDATE tickets SET channel = 'web' WHERE channel = 'public'")
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.alter_column('channel', existing_type=_channels(NEW), type_=_channels(OLD),
                              existing_nullable=False)
