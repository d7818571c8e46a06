"""cohort schedules: a cohort's time zone, its sessions, calendar feeds, registers of sessions

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-13 10:00:00.000000

cohorts.time_zone is NULL for existing cohorts: they use their country's zone until a
coordinator chooses one. calendar_feeds keep only the SHA-256 of each secret token.
attendance_sessions.scheduled_session_id links a register to the planned session it
is of; existing registers have none.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cohorts') as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=True))

    op.create_table(
        'cohort_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cohort_id', sa.Integer(), nullable=False),
        sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('topic', sa.String(length=200), nullable=False),
        sa.Column('place', sa.String(length=200), server_default='', nullable=False),
        sa.Column('online_url', sa.String(length=500), server_default='', nullable=False),
        sa.Column('instructor_id', sa.Integer(), nullable=True),
        sa.Column('interpretation_languages', sa.String(length=40), server_default='',
                  nullable=False),
        sa.Column('sequence', sa.Integer(), server_default='0', nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True),
                  server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True),
                  server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'],
                                name=op.f('fk_cohort_sessions_cohort_id_cohorts'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['instructor_id'], ['users.id'],
                                name=op.f('fk_cohort_sessions_instructor_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort_sessions')),
    )
    with op.batch_alter_table('cohort_sessions') as batch_op:
        batch_op.create_index(batch_op.f('ix_cohort_sessions_cohort_id'), ['cohort_id'],
                              unique=False)

    op.create_table(
        'calendar_feeds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('cohort_id', sa.Integer(), nullable=True),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True),
                  server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'],
                                name=op.f('fk_calendar_feeds_cohort_id_cohorts'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_calendar_feeds_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feeds')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_feeds_token_hash')),
    )
    with op.batch_alter_table('calendar_feeds') as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_feeds_cohort_id'), ['cohort_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_calendar_feeds_user_id'), ['user_id'],
                              unique=False)

    with op.batch_alter_table('attendance_sessions') as batch_op:
        batch_op.add_column(sa.Column('scheduled_session_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_attendance_sessions_scheduled_session_id_cohort_sessions'),
            'cohort_sessions', ['scheduled_session_id'], ['id'], ondelete='SET NULL')
        batch_op.create_unique_constraint(
            batch_op.f('uq_attendance_sessions_scheduled_session_id'),
            ['scheduled_session_id'])


def downgrade() -> None:
    with op.batch_alter_table('attendance_sessions') as batch_op:
        batch_op.drop_constraint(
            batch_op.f('uq_attendance_sessions_scheduled_session_id'), type_='unique')
        batch_op.drop_constraint(
            batch_op.f('fk_attendance_sessions_scheduled_session_id_cohort_sessions'),
            type_='foreignkey')
        batch_op.drop_column('scheduled_session_id')
    with op.batch_alter_table('calendar_feeds') as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_feeds_user_id'))
        batch_op.drop_index(batch_op.f('ix_calendar_feeds_cohort_id'))
    op.drop_table('calendar_feeds')
    with op.batch_alter_table('cohort_sessions') as batch_op:
        batch_op.drop_index(batch_op.f('ix_cohort_sessions_cohort_id'))
    op.drop_table('cohort_sessions')
    with op.batch_alter_table('cohorts') as batch_op:
        batch_op.drop_column('time_zone')
