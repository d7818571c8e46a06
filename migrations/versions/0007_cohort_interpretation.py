"""cohorts.interpretation_languages: languages interpreted besides the language of instruction

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-10 10:00:00.000000

Comma-separated language codes ("en,pt"), "" for none; existing cohorts get "".
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cohorts') as batch_op:
        batch_op.add_column(sa.Column('interpretation_languages', sa.String(length=40),
                                      server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('cohorts') as batch_op:
        batch_op.drop_column('interpretation_languages')
