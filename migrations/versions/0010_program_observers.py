"""program_observers: who may see a program's aggregated figures (the observer role)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 23:00:00.000000

OAS monitoring staff and donors follow a program's reports, never a name; the
table has the shape of program_coordinators. Nobody is an observer at first.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'program_observers',
        sa.Column('program_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['program_id'], ['programs.id'],
                                name=op.f('fk_program_observers_program_id_programs'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_program_observers_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('program_id', 'user_id', name=op.f('pk_program_observers')),
    )
    with op.batch_alter_table('program_observers') as batch_op:
        batch_op.create_index(batch_op.f('ix_program_observers_user_id'), ['user_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('program_observers') as batch_op:
        batch_op.drop_index(batch_op.f('ix_program_observers_user_id'))
    op.drop_table('program_observers')
