"""A person's own time zone (issue 13)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 00:00:00.000000

users.time_zone: the IANA zone a person reads the agenda in; NULL (every existing
account) means the zone of their country, as before.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('time_zone')
