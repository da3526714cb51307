"""organisations' API keys, webhooks and the webhook delivery outbox

Revision ID: 5b2e8d4c7a10
Revises: 3f7a9c21d5e8
Create Date: 2026-12-06 09:10:00

"""
from alembic import op
import sqlalchemy as sa

import pmsys.db


# revision identifiers, used by Alembic.
revision = '5b2e8d4c7a10'
down_revision = '3f7a9c21d5e8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'api_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_id', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', pmsys.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', pmsys.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_api_keys_created_by_id_users')),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                                name=op.f('fk_api_keys_organization_id_organizations')),
        sa.ForeignKeyConstraint(['token_id'], ['api_tokens.id'], ondelete='SET NULL',
                                name=op.f('fk_api_keys_token_id_api_tokens')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_api_keys_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
        sa.UniqueConstraint('token_id', name=op.f('uq_api_keys_token_id')),
        sa.UniqueConstraint('user_id', name=op.f('uq_api_keys_user_id')),
    )
    op.create_index(op.f('ix_api_keys_organization_id'), 'api_keys', ['organization_id'])
    op.create_table(
        'webhooks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('url', sa.String(length=2000), nullable=False),
        sa.Column('events', sa.String(length=400), nullable=False),
        sa.Column('secret', sa.String(length=128), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', pmsys.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('deleted_at', pmsys.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_webhooks_created_by_id_users')),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                                name=op.f('fk_webhooks_organization_id_organizations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhooks')),
    )
    op.create_index(op.f('ix_webhooks_organization_id'), 'webhooks', ['organization_id'])
    op.create_table(
        'webhook_deliveries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('webhook_id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.String(length=36), nullable=False),
        sa.Column('event', sa.String(length=40), nullable=False),
        sa.Column('occurred_at', pmsys.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('queued_at', pmsys.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('state', sa.Enum('pending', 'delivered', 'failed', name='delivery_state',
                                   native_enum=False, create_constraint=True, length=32),
                  nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', pmsys.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('last_attempt_at', pmsys.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('last_status', sa.Integer(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('delivered_at', pmsys.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['webhook_id'], ['webhooks.id'],
                                name=op.f('fk_webhook_deliveries_webhook_id_webhooks')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_deliveries')),
        sa.UniqueConstraint('webhook_id', 'event_id',
                            name=op.f('uq_webhook_deliveries_webhook_id_event_id')),
    )
    op.create_index('ix_webhook_deliveries_due', 'webhook_deliveries',
                    ['state', 'webhook_id', 'id'])


def downgrade():
    op.drop_index('ix_webhook_deliveries_due', table_name='webhook_deliveries')
    op.drop_table('webhook_deliveries')
    op.drop_index(op.f('ix_webhooks_organization_id'), table_name='webhooks')
    op.drop_table('webhooks')
    op.drop_index(op.f('ix_api_keys_organization_id'), table_name='api_keys')
    op.drop_table('api_keys')
