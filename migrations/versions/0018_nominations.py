"""nominations: cohorts by nomination, national focal points, nominations

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-16 10:00:00.000000

A cohort may be filled by nomination (PICAP): seats per country and a window.
Existing cohorts are not (by_nomination false, the rest NULL). focal_points has the
shape of program_observers with a country; nobody is a focal point at first. A
nomination names its cohort, nominee, country and status; replaces_id links a
substitute to the nomination it replaced.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cohorts') as batch_op:
        batch_op.add_column(sa.Column('by_nomination', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('seats_per_country', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('nominations_open_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('nominations_close_on', sa.Date(), nullable=True))

    op.create_table(
        'focal_points',
        sa.Column('program_id', sa.Integer(), nullable=False),
        sa.Column('country', sa.String(length=2), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['program_id'], ['programs.id'],
                                name=op.f('fk_focal_points_program_id_programs'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_focal_points_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('program_id', 'country', 'user_id',
                                name=op.f('pk_focal_points')),
    )
    with op.batch_alter_table('focal_points') as batch_op:
        batch_op.create_index(batch_op.f('ix_focal_points_user_id'), ['user_id'], unique=False)

    op.create_table(
        'nominations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cohort_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('country', sa.String(length=2), nullable=False),
        sa.Column('nominated_by_id', sa.Integer(), nullable=True),
        sa.Column('nominated_at', sa.DateTime(timezone=True),
                  server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('reason', sa.String(length=500), server_default='', nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('replaces_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'],
                                name=op.f('fk_nominations_cohort_id_cohorts'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_nominations_user_id_users'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['nominated_by_id'], ['users.id'],
                                name=op.f('fk_nominations_nominated_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                                name=op.f('fk_nominations_decided_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['replaces_id'], ['nominations.id'],
                                name=op.f('fk_nominations_replaces_id_nominations'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_nominations')),
    )
    with op.batch_alter_table('nominations') as batch_op:
        batch_op.create_index('ix_nominations_cohort_id_country', ['cohort_id', 'country'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_nominations_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('nominations') as batch_op:
        batch_op.drop_index(batch_op.f('ix_nominations_user_id'))
        batch_op.drop_index('ix_nominations_cohort_id_country')
    op.drop_table('nominations')
    with op.batch_alter_table('focal_points') as batch_op:
        batch_op.drop_index(batch_op.f('ix_focal_points_user_id'))
    op.drop_table('focal_points')
    with op.batch_alter_table('cohorts') as batch_op:
        batch_op.drop_column('nominations_close_on')
        batch_op.drop_column('nominations_open_on')
        batch_op.drop_column('seats_per_country')
        batch_op.drop_column('by_nomination')
