"""signed_pdfs: timestamped certificate PDFs, stored when first made (issue 14)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 00:00:00.000000

With LMS_TSA_URL set, a certificate PDF's signature carries an RFC 3161 timestamp
and can no longer be made again byte for byte, so each language's signed file is
stored the first time it is produced and served as stored. Without a TSA nothing is
stored (the signed PDF is reproducible). Nothing existed before: the table starts
empty. The signing keys and certificates are files (see lms.certification.pki), not
rows.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'signed_pdfs',
        sa.Column('certificate_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'],
                                name=op.f('fk_signed_pdfs_certificate_id_certificates')),
        sa.PrimaryKeyConstraint('certificate_id', 'language', name=op.f('pk_signed_pdfs')),
    )


def downgrade() -> None:
    op.drop_table('signed_pdfs')
