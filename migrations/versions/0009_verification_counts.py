"""verification_counts: how often each certificate was verified, by channel and day

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 23:00:00.000000

Counts only: no address or identity of whoever verified. Nothing was counted
before this revision, so the table starts empty.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'verification_counts',
        sa.Column('certificate_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('channel', sa.String(length=10), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'],
                                name=op.f('fk_verification_counts_certificate_id_certificates'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('certificate_id', 'day', 'channel',
                                name=op.f('pk_verification_counts')),
    )
    with op.batch_alter_table('verification_counts') as batch_op:
        batch_op.create_index('ix_verification_counts_day', ['day'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('verification_counts') as batch_op:
        batch_op.drop_index('ix_verification_counts_day')
    op.drop_table('verification_counts')
