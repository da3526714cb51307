"""organisation kinds `party_organization` and `parking_committee`, both bound to a community

Revision ID: 6c1d0e9a4b27
Revises: 5b2e8d4c7a10
Create Date: 2026-12-06 11:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6c1d0e9a4b27'
down_revision = '5b2e8d4c7a10'
branch_labels = None
depends_on = None

OLD = ('housing_bureau', 'street_office', 'community_office', 'utility', 'property_company',
       'self_management', 'original_unit', 'contractor', 'maintainer', 'authority',
       'owners_committee')
NEW = OLD + ('party_organization', 'parking_committee')


def _kinds(values):
    return sa.Enum(*values, name='org_kind', native_enum=False, create_constraint=True,
                   length=32)


def upgrade():
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        # Alembic drops the old type's CHECK constraint and adds the new one's.
        batch_op.alter_column('kind', existing_type=_kinds(OLD), type_=_kinds(NEW),
                              existing_nullable=False)


def downgrade():
    op.execute("DELETE FROM organizations WHERE kind IN ('party_organization', "
               "'parking_committee')")
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=_kinds(NEW), type_=_kinds(OLD),
                              existing_nullable=False)
