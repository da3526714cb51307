"""parking spaces on parking assets (assets.spaces, assets.space_numbers); a revenue entry
may name its parking asset (revenue_entries.asset_id)

Revision ID: b4d6e8f0a2c3
Revises: a9c3d5e7f1b2
Create Date: 2026-12-06 19:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b4d6e8f0a2c3'
down_revision = 'a9c3d5e7f1b2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('spaces', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('space_numbers', sa.Text(), server_default='',
                                      nullable=False))
        batch_op.create_check_constraint(
            'parking_spaces', "spaces IS NULL OR (spaces > 0 AND category = 'parking')")

    with op.batch_alter_table('revenue_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('asset_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_revenue_entries_asset_id'), ['asset_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_revenue_entries_asset_id_assets'), 'assets',
                                    ['asset_id'], ['id'])
        batch_op.create_check_constraint(
            'asset_for_parking',
            "asset_id IS NULL OR direction = 'spending' OR category = 'parking'")


def downgrade():
    with op.batch_alter_table('revenue_entries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_revenue_entries_asset_for_parking'),
                                 type_='check')
        batch_op.drop_constraint(batch_op.f('fk_revenue_entries_asset_id_assets'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_revenue_entries_asset_id'))
        batch_op.drop_column('asset_id')

    with op.batch_alter_table('assets', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_assets_parking_spaces'), type_='check')
        batch_op.drop_column('space_numbers')
        batch_op.drop_column('spaces')
