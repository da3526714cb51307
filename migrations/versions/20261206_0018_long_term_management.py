"""long-term management plans of communities (management_plans) and the reason a project was
accepted without a long-term management arrangement (projects.management_override)

Revision ID: f2a8b9c0d1e6
Revises: d3a6c9e15b24
Create Date: 2026-12-06 18:40:00

"""
from alembic import op
import sqlalchemy as sa

import pmsys.db


# revision identifiers, used by Alembic.
revision = 'f2a8b9c0d1e6'
down_revision = 'd3a6c9e15b24'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'management_plans',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('community_id', sa.Integer(), nullable=False),
        sa.Column('mode', sa.Enum('professional', 'self', 'community', 'original_unit',
                                  name='plan_mode', native_enum=False, create_constraint=True,
                                  length=32), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=True),
        sa.Column('recorded_on', sa.Date(), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=False),
        sa.Column('recorded_at', pmsys.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint('length(note) > 0', name=op.f('ck_management_plans_note_given')),
        sa.ForeignKeyConstraint(['community_id'], ['communities.id'],
                                name=op.f('fk_management_plans_community_id_communities')),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'],
                                name=op.f('fk_management_plans_recorded_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_management_plans')),
    )
    with op.batch_alter_table('management_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_management_plans_community_id'), ['community_id'])

    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('management_override', sa.Text(), nullable=True))
        batch_op.create_check_constraint(
            'override_on_acceptance', 'management_override IS NULL OR accepted_on IS NOT NULL')


def downgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_projects_override_on_acceptance'), type_='check')
        batch_op.drop_column('management_override')
    with op.batch_alter_table('management_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_management_plans_community_id'))
    op.drop_table('management_plans')
