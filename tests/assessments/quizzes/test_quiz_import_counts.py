"""The import message counts questions with the reader's plural forms."""

from __future__ import annotations

import pytest

from tests.assessments.quizzes.helpers import build_world
from tests.conftest import page_text, submit
from tests.conftest import sign_in_quickly as login

ONE = "The sun is a star. {T}\n"
TWO = ONE + "\nThe moon is a star. {F}\n"


@pytest.mark.parametrize(("locale", "gift", "message"), [
    ("en", ONE, "1 question imported."),
    ("en", TWO, "2 questions imported."),
    ("es", ONE, "1 pregunta importada."),
    ("es", TWO, "2 preguntas importadas."),
])
def test_the_import_message_says_how_many_questions(client, database, locale, gift, message):
    world = build_world()
    world.coordinator.locale = locale
    login(client, world.coordinator)
    url = f"/manage/courses/{world.course.id}/questions/import"

    response = submit(client, url, {"text": gift})

    assert response.status_code == 302
    assert message in page_text(client.get(response.headers["Location"]))
