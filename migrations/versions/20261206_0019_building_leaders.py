"""building leaders (楼栋长) and grid workers (网格员): roles `building_leader` and `grid_worker`,
their buildings (building_assignments), follow-up visits (ticket_visits), ticket channel `proxy`

Revision ID: a9c3d5e7f1b2
Revises: f2a8b9c0d1e6
Create Date: 2026-12-06 18:50:00

"""
from alembic import op
import sqlalchemy as sa

import pmsys.db


# revision identifiers, used by Alembic.
revision = 'a9c3d5e7f1b2'
down_revision = 'f2a8b9c0d1e6'
branch_labels = None
depends_on = None

OLD_ROLES = ('resident', 'committee_member', 'manager', 'operator', 'street_officer',
             'bureau_admin', 'sysadmin')
NEW_ROLES = OLD_ROLES + ('building_leader', 'grid_worker')
OLD_CHANNELS = ('web', 'hotline', 'api', 'open311', 'public')
NEW_CHANNELS = OLD_CHANNELS + ('proxy',)
OLD_STAFF = "role IN ('resident', 'sysadmin') OR organization_id IS NOT NULL"
NEW_STAFF = "role IN ('resident', 'sysadmin', 'building_leader') OR organization_id IS NOT NULL"
LEADER_PERSON = "role <> 'building_leader' OR person_id IS NOT NULL"


def _enum(values, name):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        # Alembic drops the old type's CHECK constraint and adds the new one's.
        batch_op.alter_column('role', existing_type=_enum(OLD_ROLES, 'role'),
                              type_=_enum(NEW_ROLES, 'role'), existing_nullable=False)
        batch_op.drop_constraint(op.f('ck_users_staff_have_org'), type_='check')
        batch_op.create_check_constraint(op.f('ck_users_staff_have_org'), NEW_STAFF)
        batch_op.create_check_constraint(op.f('ck_users_leader_person'), LEADER_PERSON)
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.alter_column('channel', existing_type=_enum(OLD_CHANNELS, 'ticket_channel'),
                              type_=_enum(NEW_CHANNELS, 'ticket_channel'),
                              existing_nullable=False)
    op.create_table(
        'building_assignments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('building_id', sa.Integer(), nullable=False),
        sa.Column('start', sa.Date(), nullable=False),
        sa.Column('end', sa.Date(), nullable=True),
        sa.Column('assigned_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', pmsys.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint('"end" IS NULL OR "end" >= start',
                           name=op.f('ck_building_assignments_end_after_start')),
        sa.ForeignKeyConstraint(['assigned_by_id'], ['users.id'],
                                name=op.f('fk_building_assignments_assigned_by_id_users')),
        sa.ForeignKeyConstraint(['building_id'], ['buildings.id'],
                                name=op.f('fk_building_assignments_building_id_buildings')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_building_assignments_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_building_assignments')),
    )
    op.create_index(op.f('ix_building_assignments_user_id'), 'building_assignments',
                    ['user_id'])
    op.create_index(op.f('ix_building_assignments_building_id'), 'building_assignments',
                    ['building_id'])
    op.create_index('ix_building_assignments_building_user', 'building_assignments',
                    ['building_id', 'user_id'])
    op.create_table(
        'ticket_visits',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('visited_on', sa.Date(), nullable=False),
        sa.Column('outcome', _enum(('resolved', 'not_resolved', 'not_home'), 'visit_outcome'),
                  nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('visitor_id', sa.Integer(), nullable=False),
        sa.Column('created_at', pmsys.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'],
                                name=op.f('fk_ticket_visits_ticket_id_tickets')),
        sa.ForeignKeyConstraint(['visitor_id'], ['users.id'],
                                name=op.f('fk_ticket_visits_visitor_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_visits')),
    )
    op.create_index(op.f('ix_ticket_visits_ticket_id'), 'ticket_visits', ['ticket_id'])


def downgrade():
    op.drop_index(op.f('ix_ticket_visits_ticket_id'), table_name='ticket_visits')
    op.drop_table('ticket_visits')
    op.drop_index('ix_building_assignments_building_user', table_name='building_assignments')
    op.drop_index(op.f('ix_building_assignments_building_id'), table_name='building_assignments')
    op.drop_index(op.f('ix_building_assignments_user_id'), table_name='building_assignments')
    op.drop_table('building_assignments')
    op.execute("UPDATE tickets SET channel = 'hotline' WHERE channel = 'proxy'")
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.alter_column('channel', existing_type=_enum(NEW_CHANNELS, 'ticket_channel'),
                              type_=_enum(OLD_CHANNELS, 'ticket_channel'),
                              existing_nullable=False)
    op.execute("UPDATE users SET active = false, role = 'resident' "
               "WHERE role = 'building_leader'")
    op.execute("UPDATE users SET active = false, role = 'street_officer' "
               "WHERE role = 'grid_worker'")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_leader_person'), type_='check')
        batch_op.drop_constraint(op.f('ck_users_staff_have_org'), type_='check')
        batch_op.create_check_constraint(op.f('ck_users_staff_have_org'), OLD_STAFF)
        batch_op.alter_column('role', existing_type=_enum(NEW_ROLES, 'role'),
                              type_=_enum(OLD_ROLES, 'role'), existing_nullable=False)
