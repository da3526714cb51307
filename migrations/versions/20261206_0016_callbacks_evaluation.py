"""follow-up calls on tickets (ticket_callbacks); the evaluation's inspection deductions
(org_deductions) and published bulletins (evaluation_bulletins)

Revision ID: d3a6c9e15b24
Revises: b1e4a7c93f02
Create Date: 2026-12-06 16:00:00

"""
from alembic import op
import sqlalchemy as sa

import pmsys.db


# revision identifiers, used by Alembic.
revision = 'd3a6c9e15b24'
down_revision = 'b1e4a7c93f02'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'ticket_callbacks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('at', pmsys.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('caller_id', sa.Integer(), nullable=False),
        sa.Column('caller_org_id', sa.Integer(), nullable=False),
        sa.Column('reached', sa.Boolean(), nullable=False),
        sa.Column('satisfied', sa.Boolean(), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
        sa.CheckConstraint('reached OR satisfied IS NULL',
                           name=op.f('ck_ticket_callbacks_satisfied_needs_reached')),
        sa.CheckConstraint('NOT reached OR satisfied IS NOT NULL',
                           name=op.f('ck_ticket_callbacks_reached_says_satisfied')),
        sa.ForeignKeyConstraint(['caller_id'], ['users.id'],
                                name=op.f('fk_ticket_callbacks_caller_id_users')),
        sa.ForeignKeyConstraint(['caller_org_id'], ['organizations.id'],
                                name=op.f('fk_ticket_callbacks_caller_org_id_organizations')),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'],
                                name=op.f('fk_ticket_callbacks_ticket_id_tickets')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_callbacks')),
    )
    op.create_index(op.f('ix_ticket_callbacks_ticket_id'), 'ticket_callbacks', ['ticket_id'])
    op.create_table(
        'org_deductions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('on', sa.Date(), nullable=False),
        sa.Column('points', sa.Numeric(precision=5, scale=1), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('entered_by_org_id', sa.Integer(), nullable=False),
        sa.Column('entered_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', pmsys.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('photo_name', sa.String(length=80), nullable=True),
        sa.Column('photo_type', sa.String(length=40), nullable=True),
        sa.CheckConstraint('points > 0 AND points <= 100', name=op.f('ck_org_deductions_points')),
        sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'],
                                name=op.f('fk_org_deductions_entered_by_id_users')),
        sa.ForeignKeyConstraint(['entered_by_org_id'], ['organizations.id'],
                                name=op.f('fk_org_deductions_entered_by_org_id_organizations')),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                                name=op.f('fk_org_deductions_organization_id_organizations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_org_deductions')),
        sa.UniqueConstraint('photo_name', name=op.f('uq_org_deductions_photo_name')),
    )
    op.create_index(op.f('ix_org_deductions_organization_id'), 'org_deductions',
                    ['organization_id'])
    op.create_index(op.f('ix_org_deductions_on'), 'org_deductions', ['on'])
    op.create_table(
        'evaluation_bulletins',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=10), nullable=False),
        sa.Column('published_at', pmsys.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('published_by_id', sa.Integer(), nullable=False),
        sa.Column('scores', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['published_by_id'], ['users.id'],
                                name=op.f('fk_evaluation_bulletins_published_by_id_users')),
        sa.ForeignKeyConstraint(['region_id'], ['regions.id'],
                                name=op.f('fk_evaluation_bulletins_region_id_regions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_bulletins')),
        sa.UniqueConstraint('region_id', 'period',
                            name=op.f('uq_evaluation_bulletins_region_id_period')),
    )
    op.create_index(op.f('ix_evaluation_bulletins_region_id'), 'evaluation_bulletins',
                    ['region_id'])


def downgrade():
    op.drop_index(op.f('ix_evaluation_bulletins_region_id'), table_name='evaluation_bulletins')
    op.drop_table('evaluation_bulletins')
    op.drop_index(op.f('ix_org_deductions_on'), table_name='org_deductions')
    op.drop_index(op.f('ix_org_deductions_organization_id'), table_name='org_deductions')
    op.drop_table('org_deductions')
    op.drop_index(op.f('ix_ticket_callbacks_ticket_id'), table_name='ticket_callbacks')
    op.drop_table('ticket_callbacks')
