"""evaluations: end-of-course and follow-up questionnaires, answers, receipts, follow-up mails

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-12 10:00:00.000000

New tables only. A response has no user when its questionnaire was anonymous; the
receipt records that an enrolment answered, not which response is theirs.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('evaluation_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('followup_months', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_evaluation_templates_program_id_programs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_templates')),
    sa.UniqueConstraint('program_id', 'kind', name=op.f('uq_evaluation_templates_program_id_kind'))
    )
    op.create_table('evaluation_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('retired', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['template_id'], ['evaluation_templates.id'], name=op.f('fk_evaluation_items_template_id_evaluation_templates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_items'))
    )
    with op.batch_alter_table('evaluation_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_items_template_id'), ['template_id'], unique=False)

    op.create_table('evaluation_item_translations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['evaluation_items.id'], name=op.f('fk_evaluation_item_translations_item_id_evaluation_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_item_translations')),
    sa.UniqueConstraint('item_id', 'locale', name=op.f('uq_evaluation_item_translations_item_id_locale'))
    )
    op.create_table('evaluation_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_evaluation_responses_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['template_id'], ['evaluation_templates.id'], name=op.f('fk_evaluation_responses_template_id_evaluation_templates'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_evaluation_responses_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_responses'))
    )
    with op.batch_alter_table('evaluation_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_responses_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_responses_template_id'), ['template_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_responses_user_id'), ['user_id'], unique=False)

    op.create_table('evaluation_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['evaluation_items.id'], name=op.f('fk_evaluation_answers_item_id_evaluation_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['response_id'], ['evaluation_responses.id'], name=op.f('fk_evaluation_answers_response_id_evaluation_responses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_answers')),
    sa.UniqueConstraint('response_id', 'item_id', name=op.f('uq_evaluation_answers_response_id_item_id'))
    )
    with op.batch_alter_table('evaluation_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_answers_item_id'), ['item_id'], unique=False)

    op.create_table('evaluation_followup_mails',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_evaluation_followup_mails_enrolment_id_enrolments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_followup_mails')),
    sa.UniqueConstraint('enrolment_id', name=op.f('uq_evaluation_followup_mails_enrolment_id'))
    )
    op.create_table('evaluation_receipts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_evaluation_receipts_enrolment_id_enrolments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_receipts')),
    sa.UniqueConstraint('enrolment_id', 'kind', name=op.f('uq_evaluation_receipts_enrolment_id_kind'))
    )


def downgrade() -> None:
    op.drop_table('evaluation_receipts')
    op.drop_table('evaluation_followup_mails')
    with op.batch_alter_table('evaluation_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_answers_item_id'))

    op.drop_table('evaluation_answers')
    with op.batch_alter_table('evaluation_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_responses_user_id'))
        batch_op.drop_index(batch_op.f('ix_evaluation_responses_template_id'))
        batch_op.drop_index(batch_op.f('ix_evaluation_responses_cohort_id'))

    op.drop_table('evaluation_responses')
    op.drop_table('evaluation_item_translations')
    with op.batch_alter_table('evaluation_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_items_template_id'))

    op.drop_table('evaluation_items')
    op.drop_table('evaluation_templates')
