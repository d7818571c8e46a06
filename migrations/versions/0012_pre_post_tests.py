"""assessments.test_role: a course's pre-test and post-test quizzes

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-12 10:00:00.000000

"pre", "post" or NULL (existing assessments: NULL); at most one of each per course,
held by a unique constraint on (course_id, test_role) (NULLs never clash).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('assessments') as batch_op:
        batch_op.add_column(sa.Column('test_role', sa.String(length=10), nullable=True))
        batch_op.create_unique_constraint(
            'uq_assessments_course_id_test_role', ['course_id', 'test_role'])


def downgrade() -> None:
    with op.batch_alter_table('assessments') as batch_op:
        batch_op.drop_constraint('uq_assessments_course_id_test_role', type_='unique')
        batch_op.drop_column('test_role')
