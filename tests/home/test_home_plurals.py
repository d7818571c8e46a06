"""The trainee's home counts lessons with the reader's plural forms."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lms.kernel import clock
from tests.conftest import page_text
from tests.conftest import sign_in_quickly as login
from tests.factories import enrol, make_cohort, make_course, make_user


@pytest.mark.parametrize(("locale", "lessons", "progress"), [
    ("en", 1, "(0 of 1 lesson)"),
    ("en", 2, "(0 of 2 lessons)"),
    ("es", 1, "(0 de 1 lección)"),
    ("es", 2, "(0 de 2 lecciones)"),
])
def test_the_lessons_of_a_course_in_progress_are_counted(client, database, locale, lessons,
                                                         progress):
    trainee = make_user(locale=locale)
    course = make_course(lessons=lessons)
    enrol(make_cohort(course, starts=clock.today(clock.UTC) - timedelta(days=3)), trainee)
    login(client, trainee)

    text = page_text(client.get("/"))

    assert progress in text
