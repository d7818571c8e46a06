"""endorsements: the program owner's signed EndorsementCredentials of tracks (issue 14)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 00:00:00.000000

One row per endorsement of a track's achievement, with its VC-JWT and the key that
signed it. Withdrawn rows stay (withdrawn_at, withdrawn_by_id). Nothing existed
before, so the table starts empty.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'endorsements',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('track_id', sa.Integer(), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('credential', sa.Text(), nullable=False),
        sa.Column('kid', sa.String(length=64), nullable=False),
        sa.Column('endorsed_by_id', sa.Integer(), nullable=True),
        sa.Column('endorsed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['track_id'], ['tracks.id'],
                                name=op.f('fk_endorsements_track_id_tracks')),
        sa.ForeignKeyConstraint(['endorsed_by_id'], ['users.id'],
                                name=op.f('fk_endorsements_endorsed_by_id_users')),
        sa.ForeignKeyConstraint(['withdrawn_by_id'], ['users.id'],
                                name=op.f('fk_endorsements_withdrawn_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_endorsements')),
    )
    with op.batch_alter_table('endorsements') as batch_op:
        batch_op.create_index(batch_op.f('ix_endorsements_track_id'), ['track_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('endorsements') as batch_op:
        batch_op.drop_index(batch_op.f('ix_endorsements_track_id'))
    op.drop_table('endorsements')
