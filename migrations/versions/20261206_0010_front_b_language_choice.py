"""users.locale holds only a language chosen on the account page

Until now the language switch in the page header wrote users.locale, so one
click on "English" made every later login English. From this revision the
switch lasts for the browser session and only the account page stores a
language; a stored value was never chosen there, so it is cleared and the
language follows the browser again (docs/style.md#words). No schema change.

Revision ID: d8136b7bf914
Revises: c7a4f1d2e9b3
Create Date: 2026-12-06 05:35:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd8136b7bf914'
down_revision = 'c7a4f1d2e9b3'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE users SET locale = NULL WHERE locale IS NOT NULL")


def downgrade():
    # The switched languages are gone; NULL (follow the browser) is what they meant least
    # harmfully, so nothing is restored.
    pass
