"""tickets: the building and household a ticket is about, indexed for the lists too

A resident also sees what a building leader filed for their household, and a building
leader or grid worker the tickets of their buildings. Neither column was indexed, so
every such list (and its count) read every ticket: ~14 ms per page on SQLite at 10,000
tickets, growing with the city. Like the indexes of 0028, these hold
(column, reported_at, id).

Revision ID: 2f7b9d4e6a15
Revises: 8e4c2a6f1d39
Create Date: 2026-12-08 00:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '2f7b9d4e6a15'
down_revision = '8e4c2a6f1d39'
branch_labels = None
depends_on = None

COLUMNS = (('household', 'household_id'), ('building', 'building_id'))


def upgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        for name, column in COLUMNS:
            batch_op.create_index(f'ix_tickets_{name}_reported', [column, 'reported_at', 'id'],
                                  unique=False)


def downgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        for name, column in COLUMNS:
            batch_op.drop_index(f'ix_tickets_{name}_reported')
