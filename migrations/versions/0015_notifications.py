"""notifications: in-app notices, each person's channel per kind, HTML mail in the outbox

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 00:00:00.000000

New tables start empty: nobody has a notification, and everyone has the default
channel (mail and in-app) for every kind. The outbox gains the HTML alternative and
extra headers (List-Unsubscribe) of a message; messages already in it have neither
and go out as plain text, as before.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'notifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True),
                  server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('link', sa.String(length=500), nullable=False),
        sa.Column('subject', sa.Text(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('_sentinel', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_notifications_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    )
    with op.batch_alter_table('notifications') as batch_op:
        batch_op.create_index('ix_notifications_user_created', ['user_id', 'created_at'],
                              unique=False)
    op.create_table(
        'notification_preferences',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('channel', sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_notification_preferences_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'kind', name=op.f('pk_notification_preferences')),
    )
    with op.batch_alter_table('mail_outbox') as batch_op:
        batch_op.add_column(sa.Column('html', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('headers', sa.JSON(), nullable=True))
        # Insert sentinel (SQLAlchemy): many rows in one INSERT on SQLite too.
        batch_op.add_column(sa.Column('_sentinel', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('mail_outbox') as batch_op:
        batch_op.drop_column('_sentinel')
        batch_op.drop_column('headers')
        batch_op.drop_column('html')
    op.drop_table('notification_preferences')
    with op.batch_alter_table('notifications') as batch_op:
        batch_op.drop_index('ix_notifications_user_created')
    op.drop_table('notifications')
