"""Bitstring status lists (issue 14): each certificate's position in its issuer's list

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 00:00:00.000000

certificates.status_index: the certificate's position in its issuer's W3C Bitstring
Status Lists (lms.certification.status_list), unique per issuer. Certificates issued
before have none and keep the 1EdTech revocation list their credential names.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('certificates') as batch_op:
        batch_op.add_column(sa.Column('status_index', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint('uq_certificates_status_index',
                                          ['issuer_id', 'status_index'])


def downgrade() -> None:
    with op.batch_alter_table('certificates') as batch_op:
        batch_op.drop_constraint('uq_certificates_status_index', type_='unique')
        batch_op.drop_column('status_index')
