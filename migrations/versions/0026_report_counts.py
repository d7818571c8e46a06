"""report counts: each cohort's additive counts for the learning and reaction sections (issue 12)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 07:00:00.000000

Each tally also keeps the training hours its completions delivered, and an index holds
the columns the report sums in the order it groups them; an index on the people's
countries lets the report's filter find the countries of certificate holders without
reading every person.
``report_cohort_counts`` holds, per cohort, the observations per checklist item, the
pre-test and post-test pairs, the Likert answers and the evaluation response counts
(``lms.reports.facts``), rebuilt with the people sets. The sets' state row is removed:
the first report after the upgrade rebuilds the sets and the facts together, from
every enrolment, as after 0025.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'report_cohort_counts',
        sa.Column('cohort_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('key1', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('key2', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('n1', sa.BigInteger(), nullable=False),
        sa.Column('n2', sa.BigInteger(), nullable=False),
        sa.Column('n3', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('cohort_id', 'kind', 'key1', 'key2'))
    op.create_index('ix_report_cohort_counts_sums', 'report_cohort_counts',
                    ['kind', 'key1', 'key2', 'cohort_id', 'n1', 'n2', 'n3'])
    with op.batch_alter_table('report_cohort_tallies') as batch:
        batch.add_column(sa.Column('hours', sa.Integer(), server_default='0', nullable=False))
    op.create_index('ix_report_cohort_tallies_sums', 'report_cohort_tallies',
                    ['gender', 'institution_id', 'cohort_id', 'enrolments', 'hours'])
    op.create_index('ix_users_country', 'users', ['country', 'id'])
    op.execute("DELETE FROM report_people_state")


def downgrade() -> None:
    op.drop_index('ix_users_country', table_name='users')
    op.drop_index('ix_report_cohort_tallies_sums', table_name='report_cohort_tallies')
    with op.batch_alter_table('report_cohort_tallies') as batch:
        batch.drop_column('hours')
    op.drop_index('ix_report_cohort_counts_sums', table_name='report_cohort_counts')
    op.drop_table('report_cohort_counts')
