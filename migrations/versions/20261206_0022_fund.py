"""the special maintenance fund (fund_entries, fund_shares, fund_signatures) and the amount a
use_maintenance_fund vote approves (votes.amount)

Revision ID: e7f1a2b3c4d5
Revises: c5e7f9a1b3d4
Create Date: 2026-12-06 18:30:00

"""
from alembic import op
import sqlalchemy as sa

import pmsys.db


# revision identifiers, used by Alembic.
revision = 'e7f1a2b3c4d5'
down_revision = 'c5e7f9a1b3d4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('fund_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.Enum('deposit', 'interest', 'spend', 'correction', name='fund_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('vote_id', sa.Integer(), nullable=True),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'posted', name='fund_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', pmsys.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('posted_at', pmsys.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(kind = 'spend') = (vote_id IS NOT NULL)", name=op.f('ck_fund_entries_spend_has_vote')),
    sa.CheckConstraint("(kind IN ('deposit', 'interest') AND amount > 0) OR (kind = 'spend' AND amount < 0) OR (kind = 'correction' AND amount <> 0)", name=op.f('ck_fund_entries_amount_sign')),
    sa.CheckConstraint("kind <> 'deposit' OR household_id IS NOT NULL", name=op.f('ck_fund_entries_deposit_has_household')),
    sa.CheckConstraint("kind <> 'spend' OR household_id IS NULL", name=op.f('ck_fund_entries_spend_is_shared')),
    sa.CheckConstraint("kind = 'spend' OR status = 'posted'", name=op.f('ck_fund_entries_only_spends_wait')),
    sa.CheckConstraint("status = 'pending' OR posted_at IS NOT NULL", name=op.f('ck_fund_entries_posted_at')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_fund_entries_community_id_communities')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_fund_entries_household_id_households')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_fund_entries_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['vote_id'], ['votes.id'], name=op.f('fk_fund_entries_vote_id_votes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_entries')),
    sa.UniqueConstraint('community_id', 'ref', name=op.f('uq_fund_entries_community_id_ref'))
    )
    with op.batch_alter_table('fund_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fund_entries_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fund_entries_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fund_entries_vote_id'), ['vote_id'], unique=False)

    op.create_table('fund_shares',
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['fund_entries.id'], name=op.f('fk_fund_shares_entry_id_fund_entries')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_fund_shares_household_id_households')),
    sa.PrimaryKeyConstraint('entry_id', 'household_id', name=op.f('pk_fund_shares'))
    )
    with op.batch_alter_table('fund_shares', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fund_shares_household_id'), ['household_id'], unique=False)

    op.create_table('fund_signatures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('side', sa.Enum('committee', 'street_office', name='fund_side', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('signed_at', pmsys.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['fund_entries.id'], name=op.f('fk_fund_signatures_entry_id_fund_entries')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_fund_signatures_organization_id_organizations')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_fund_signatures_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_signatures')),
    sa.UniqueConstraint('entry_id', 'side', name=op.f('uq_fund_signatures_entry_id_side'))
    )
    with op.batch_alter_table('fund_signatures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fund_signatures_entry_id'), ['entry_id'], unique=False)

    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_votes_amount_for_fund_use'),
            "amount IS NULL OR (matter = 'use_maintenance_fund' AND amount > 0)")



def downgrade():
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_votes_amount_for_fund_use'), type_='check')
        batch_op.drop_column('amount')

    with op.batch_alter_table('fund_signatures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fund_signatures_entry_id'))

    op.drop_table('fund_signatures')
    with op.batch_alter_table('fund_shares', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fund_shares_household_id'))

    op.drop_table('fund_shares')
    with op.batch_alter_table('fund_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fund_entries_vote_id'))
        batch_op.drop_index(batch_op.f('ix_fund_entries_household_id'))
        batch_op.drop_index(batch_op.f('ix_fund_entries_community_id'))

    op.drop_table('fund_entries')
