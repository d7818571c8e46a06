"""report people: the people sets the report counts distinct people from (issue 12)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 00:00:00.000000

Each cohort's people of each kind as a roaring bitmap, the enrolments and completions
by sex and institution per cohort, the people of each sex and institution, and the log
of changes they have not taken in yet (``lms.reports.people``). They start empty, with
no state row: the first report builds them from every enrolment.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'report_cohort_people',
        sa.Column('cohort_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('people', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('cohort_id', 'kind'))
    op.create_table(
        'report_cohort_tallies',
        sa.Column('cohort_id', sa.Integer(), nullable=False),
        sa.Column('group_key', sa.String(length=48), nullable=False),
        sa.Column('gender', sa.String(length=20), nullable=True),
        sa.Column('institution_id', sa.Integer(), nullable=True),
        sa.Column('enrolments', sa.Integer(), nullable=False),
        sa.Column('completions', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('cohort_id', 'group_key'))
    op.create_table(
        'report_group_people',
        sa.Column('group_key', sa.String(length=48), nullable=False),
        sa.Column('gender', sa.String(length=20), nullable=True),
        sa.Column('institution_id', sa.Integer(), nullable=True),
        sa.Column('people', sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint('group_key'))
    op.create_table(
        'report_people_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cohort_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('id'))
    op.create_table(
        'report_people_state',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('built_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'))


def downgrade() -> None:
    op.drop_table('report_people_state')
    op.drop_table('report_people_changes')
    op.drop_table('report_group_people')
    op.drop_table('report_cohort_tallies')
    op.drop_table('report_cohort_people')
