"""ticket_summaries: a narrow row per ticket with what the ticket measures read, kept in step

Revision ID: c5e7f9a1b3d4
Revises: b4d6e8f0a2c3
Create Date: 2026-12-06 19:00:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.orm import Session

from pmsys.db import UTCDateTime
from pmsys.tickets import summary


# revision identifiers, used by Alembic.
revision = 'c5e7f9a1b3d4'
down_revision = 'b4d6e8f0a2c3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ticket_summaries',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('reported_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=False),
    sa.Column('filed_by_id', sa.Integer(), nullable=True),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('live', sa.Boolean(), nullable=False),
    sa.Column('resolved', sa.Boolean(), nullable=False),
    sa.Column('due_respond_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('response_us', sa.BigInteger(), nullable=True),
    sa.Column('responded_on_time', sa.Boolean(), nullable=False),
    sa.Column('resolution_us', sa.BigInteger(), nullable=True),
    sa.Column('resolved_on_time', sa.Boolean(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('reopened', sa.Boolean(), nullable=False),
    sa.Column('disputed', sa.Boolean(), nullable=False),
    sa.CheckConstraint('rating IS NULL OR (rating BETWEEN 1 AND 5)', name=op.f('ck_ticket_summaries_rating')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_summaries_ticket_id_tickets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_ticket_summaries_community_id_communities')),
    sa.ForeignKeyConstraint(['assignee_id'], ['organizations.id'], name=op.f('fk_ticket_summaries_assignee_id_organizations')),
    sa.ForeignKeyConstraint(['filed_by_id'], ['users.id'], name=op.f('fk_ticket_summaries_filed_by_id_users')),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_ticket_summaries_reporter_id_users')),
    sa.PrimaryKeyConstraint('ticket_id', name=op.f('pk_ticket_summaries'))
    )
    with op.batch_alter_table('ticket_summaries', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_summaries_reported_at', ['reported_at'], unique=False)
        batch_op.create_index('ix_ticket_summaries_community_reported', ['community_id', 'reported_at'], unique=False)
        batch_op.create_index('ix_ticket_summaries_assignee_reported', ['assignee_id', 'reported_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_summaries_filed_by_id'), ['filed_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_summaries_reporter_id'), ['reporter_id'], unique=False)
    # The rows of the tickets already filed, as the flushes would have kept them.
    summary.rebuild(Session(bind=op.get_bind()))


def downgrade():
    with op.batch_alter_table('ticket_summaries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_summaries_reporter_id'))
        batch_op.drop_index(batch_op.f('ix_ticket_summaries_filed_by_id'))
        batch_op.drop_index('ix_ticket_summaries_assignee_reported')
        batch_op.drop_index('ix_ticket_summaries_community_reported')
        batch_op.drop_index('ix_ticket_summaries_reported_at')
    op.drop_table('ticket_summaries')
