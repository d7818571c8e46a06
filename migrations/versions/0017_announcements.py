"""announcements: news to a cohort or a whole program, and their other languages

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-15 10:00:00.000000

New tables only. An announcement goes to one cohort or to one program (a check
constraint holds it); its author may be deleted (SET NULL), its audience takes it
with it (CASCADE).
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('announcements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('cohort_id', sa.Integer(), nullable=True),
    sa.Column('program_id', sa.Integer(), nullable=True),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('mail', sa.Boolean(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('(cohort_id IS NULL) <> (program_id IS NULL)', name=op.f('ck_announcements_one_audience')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_announcements_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_announcements_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_announcements_program_id_programs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcements'))
    )
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_announcements_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_announcements_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_announcements_program_id'), ['program_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_announcements_published_at'), ['published_at'], unique=False)

    op.create_table('announcement_translations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('announcement_id', sa.Integer(), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['announcement_id'], ['announcements.id'], name=op.f('fk_announcement_translations_announcement_id_announcements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcement_translations')),
    sa.UniqueConstraint('announcement_id', 'locale', name=op.f('uq_announcement_translations_announcement_id_locale'))
    )


def downgrade() -> None:
    op.drop_table('announcement_translations')
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_announcements_published_at'))
        batch_op.drop_index(batch_op.f('ix_announcements_program_id'))
        batch_op.drop_index(batch_op.f('ix_announcements_cohort_id'))
        batch_op.drop_index(batch_op.f('ix_announcements_author_id'))

    op.drop_table('announcements')
