"""report_targets: people a program means to train and certify in a year

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 23:30:00.000000

One row per program, year and (optionally) country; no targets at first.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'report_targets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('program_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('country', sa.String(length=2), nullable=True),
        sa.Column('trained', sa.Integer(), nullable=False),
        sa.Column('certified', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True),
                  server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.CheckConstraint('trained >= 0 AND certified >= 0',
                           name=op.f('ck_report_targets_counts_not_negative')),
        sa.ForeignKeyConstraint(['program_id'], ['programs.id'],
                                name=op.f('fk_report_targets_program_id_programs'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_targets')),
        sa.UniqueConstraint('program_id', 'year', 'country',
                            name=op.f('uq_report_targets_program_id_year_country')),
    )
    with op.batch_alter_table('report_targets') as batch_op:
        batch_op.create_index(batch_op.f('ix_report_targets_program_id'), ['program_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('report_targets') as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_targets_program_id'))
    op.drop_table('report_targets')
