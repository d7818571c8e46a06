"""enrolments.waitlisted_at: the waiting list of full self-enrolment cohorts

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-11 10:00:00.000000

A waiting trainee has the status "waitlisted" (the status column is free text,
no constraint to change) and the time they joined the list, which orders the
queue. Existing enrolments were never on a list: NULL. A downgrade drops the
column; run it only once no enrolment is "waitlisted" any more.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('enrolments') as batch_op:
        batch_op.add_column(sa.Column('waitlisted_at', sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('enrolments') as batch_op:
        batch_op.drop_column('waitlisted_at')
