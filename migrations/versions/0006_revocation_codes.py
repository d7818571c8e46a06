"""revocation reasons as codes: certificates.revocation_code, the free text becomes a note

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 20:40:00.000000

A revocation reason is now a code (lms.certification.models.RevocationReason),
shown in each reader's language; ``revocation_reason`` keeps the officer's
optional note. Rows revoked before this revision are mapped by ``mapped``: the
automatic English sentence becomes ``course_result_changed`` with no note, any
other text becomes ``other`` with the text kept as its note. The downgrade puts
a text back: the note, or the code's English title when there is no note.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# Frozen here, so that this revision does the same thing whatever the models become.
COURSE_RESULT_CHANGED_TEXT = "The course result was changed."
ENGLISH_TITLES = {
    "course_result_changed": COURSE_RESULT_CHANGED_TEXT,
    "issued_in_error": "Issued in error.",
    "misconduct": "Misconduct, such as fraud in an assessment.",
    "requirements_not_met": "Requirements found not met after issuing.",
    "holder_request": "At the holder's request.",
    "other": "Other reason.",
}

certificates = sa.table("certificates", sa.column("id", sa.Integer),
                        sa.column("revoked_at", sa.DateTime(timezone=True)),
                        sa.column("revocation_code", sa.String(40)),
                        sa.column("revocation_reason", sa.Text))


def mapped(reason: str | None) -> tuple[str, str]:
    """(code, note) for the free-text reason of a certificate revoked before codes."""
    text = (reason or "").strip()
    if text == COURSE_RESULT_CHANGED_TEXT:
        return "course_result_changed", ""
    return "other", text


def unmapped(code: str | None, note: str | None) -> str:
    """The free-text reason the downgrade writes back."""
    return note or ENGLISH_TITLES.get(code or "", "")


def _revoked(connection, *columns):
    return connection.execute(sa.select(certificates.c.id, *columns)
                              .where(certificates.c.revoked_at.is_not(None))).all()


def upgrade():
    with op.batch_alter_table('certificates') as batch_op:
        batch_op.add_column(sa.Column('revocation_code', sa.String(length=40), nullable=True))
    connection = op.get_bind()
    for row_id, reason in _revoked(connection, certificates.c.revocation_reason):
        code, note = mapped(reason)
        connection.execute(certificates.update().where(certificates.c.id == row_id)
                           .values(revocation_code=code, revocation_reason=note))


def downgrade():
    connection = op.get_bind()
    for row_id, code, note in _revoked(connection, certificates.c.revocation_code,
                                       certificates.c.revocation_reason):
        connection.execute(certificates.update().where(certificates.c.id == row_id)
                           .values(revocation_reason=unmapped(code, note)))
    with op.batch_alter_table('certificates') as batch_op:
        batch_op.drop_column('revocation_code')
