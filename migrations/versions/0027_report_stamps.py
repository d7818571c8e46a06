"""report stamps: a random stamp beside each cohort's people sets (issue 12)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 12:00:00.000000

Each rebuild of a cohort's people sets writes a new random stamp in
``report_cohort_stamps``, and each store of the people of each sex and institution a
new one in ``report_people_state.stamp``: a server process keeps the sets it has read
and reads again only those whose stamp changed. The sets' state row is removed: the
first report after the upgrade rebuilds the sets, with their stamps, from every
enrolment, as after 0025 and 0026.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'report_cohort_stamps',
        sa.Column('cohort_id', sa.Integer(), nullable=False),
        sa.Column('stamp', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('cohort_id'))
    with op.batch_alter_table('report_people_state') as batch:
        batch.add_column(sa.Column('stamp', sa.BigInteger(), nullable=True))
    op.execute("DELETE FROM report_people_state")


def downgrade() -> None:
    with op.batch_alter_table('report_people_state') as batch:
        batch.drop_column('stamp')
    op.drop_table('report_cohort_stamps')
