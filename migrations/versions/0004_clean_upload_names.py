"""clean stored upload names: no bidi, format or control characters

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 19:10:00.000000

Names stored before uploads were cleaned may hold a right-to-left override
(U+202E), which shows "report<U+202E>fdp.exe" to a grader as "reportexe.pdf".
New names are cleaned when they are stored (lms.assessments.uploads.display_name);
this drops the same characters from the names stored before. The characters
removed cannot be put back, so the downgrade changes nothing.
"""
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# The categories lms.assessments.uploads drops; kept here so that this revision
# does the same thing whatever that module becomes later.
INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})

submissions = sa.table("submissions", sa.column("id", sa.Integer),
                       sa.column("file_name", sa.String(255)))


def clean(name: str) -> str:
    kept = "".join(c for c in name if unicodedata.category(c) not in INVISIBLE)
    return " ".join(kept.split()).lstrip(".").strip()


def upgrade():
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(submissions.c.id, submissions.c.file_name)
        .where(submissions.c.file_name.is_not(None))).all()
    for row_id, name in rows:
        cleaned = clean(name)
        if cleaned != name:
            connection.execute(submissions.update().where(submissions.c.id == row_id)
                               .values(file_name=cleaned or "file"))


def downgrade():
    pass
