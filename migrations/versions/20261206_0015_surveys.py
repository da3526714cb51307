"""satisfaction surveys, their communities and answers; where a project's accepted
satisfaction rate came from

Revision ID: b1e4a7c93f02
Revises: 6c1d0e9a4b27
Create Date: 2026-12-06 16:00:00

"""
from alembic import op
import sqlalchemy as sa

import pmsys.db


# revision identifiers, used by Alembic.
revision = 'b1e4a7c93f02'
down_revision = '6c1d0e9a4b27'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'surveys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('community_id', sa.Integer(), nullable=True),
        sa.Column('project_id', sa.Integer(), nullable=True),
        sa.Column('organization_id', sa.Integer(), nullable=True),
        sa.Column('opens_on', sa.Date(), nullable=False),
        sa.Column('closes_on', sa.Date(), nullable=False),
        sa.Column('questions', sa.JSON(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_by_org_id', sa.Integer(), nullable=True),
        sa.Column('created_at', pmsys.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(CASE WHEN community_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN project_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN organization_id IS NULL THEN 0 ELSE 1 END) = 1",
            name=op.f('ck_surveys_one_scope')),
        sa.CheckConstraint('closes_on >= opens_on', name=op.f('ck_surveys_closes_after_opens')),
        sa.ForeignKeyConstraint(['community_id'], ['communities.id'],
                                name=op.f('fk_surveys_community_id_communities')),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id'],
                                name=op.f('fk_surveys_project_id_projects')),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                                name=op.f('fk_surveys_organization_id_organizations')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_surveys_created_by_id_users')),
        sa.ForeignKeyConstraint(['created_by_org_id'], ['organizations.id'],
                                name=op.f('fk_surveys_created_by_org_id_organizations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_surveys')),
        sa.UniqueConstraint('code', name=op.f('uq_surveys_code')),
    )
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_surveys_community_id'), ['community_id'])
        batch_op.create_index(batch_op.f('ix_surveys_project_id'), ['project_id'])
        batch_op.create_index(batch_op.f('ix_surveys_organization_id'), ['organization_id'])

    op.create_table(
        'survey_communities',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('survey_id', sa.Integer(), nullable=False),
        sa.Column('community_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'],
                                name=op.f('fk_survey_communities_survey_id_surveys')),
        sa.ForeignKeyConstraint(['community_id'], ['communities.id'],
                                name=op.f('fk_survey_communities_community_id_communities')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_communities')),
        sa.UniqueConstraint('survey_id', 'community_id',
                            name=op.f('uq_survey_communities_survey_id_community_id')),
    )
    with op.batch_alter_table('survey_communities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_communities_survey_id'), ['survey_id'])
        batch_op.create_index(batch_op.f('ix_survey_communities_community_id'), ['community_id'])

    op.create_table(
        'survey_responses',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('survey_id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.Enum('web', 'qr', 'paper', 'phone', name='survey_channel',
                                     native_enum=False, create_constraint=True, length=32),
                  nullable=False),
        sa.Column('answers', sa.JSON(), nullable=False),
        sa.Column('answered_at', pmsys.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('replaced', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'],
                                name=op.f('fk_survey_responses_survey_id_surveys')),
        sa.ForeignKeyConstraint(['household_id'], ['households.id'],
                                name=op.f('fk_survey_responses_household_id_households')),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'],
                                name=op.f('fk_survey_responses_recorded_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_responses')),
        sa.UniqueConstraint('survey_id', 'household_id',
                            name=op.f('uq_survey_responses_survey_id_household_id')),
    )
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_responses_survey_id'), ['survey_id'])
        batch_op.create_index(batch_op.f('ix_survey_responses_household_id'), ['household_id'])

    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('satisfaction_source', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('satisfaction_survey', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('participation_rate', sa.Numeric(precision=5, scale=4),
                                      nullable=True))
        batch_op.add_column(sa.Column('satisfaction_reason', sa.Text(), nullable=True))
        batch_op.create_check_constraint(
            'participation_rate',
            'participation_rate IS NULL OR (participation_rate >= 0 AND participation_rate <= 1)')
        batch_op.create_check_constraint(
            'satisfaction_source',
            "satisfaction_source IS NULL OR satisfaction_source IN ('survey', 'typed')")


def downgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_projects_satisfaction_source'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_projects_participation_rate'), type_='check')
        batch_op.drop_column('satisfaction_reason')
        batch_op.drop_column('participation_rate')
        batch_op.drop_column('satisfaction_survey')
        batch_op.drop_column('satisfaction_source')
    op.drop_table('survey_responses')
    op.drop_table('survey_communities')
    op.drop_table('surveys')
