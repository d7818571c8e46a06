"""Indexes the report's GROUP BYs need: completions by day, evaluation answers by value

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 00:00:00.000000

enrolments (status, completed_at): the targets and the completions trend read completed
enrolments by the day they were completed. evaluation_answers (item_id, value,
response_id): the reaction section counts answers per item and value from the index
alone.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_enrolments_status_completed_at', 'enrolments',
                    ['status', 'completed_at'])
    op.create_index('ix_evaluation_answers_item_value', 'evaluation_answers',
                    ['item_id', 'value', 'response_id'])


def downgrade() -> None:
    op.drop_index('ix_evaluation_answers_item_value', table_name='evaluation_answers')
    op.drop_index('ix_enrolments_status_completed_at', table_name='enrolments')
