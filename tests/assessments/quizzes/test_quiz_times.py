"""Quiz pages give times to the minute: opening, closing, attempts started and submitted."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

import pytest

from lms.assessments.quizzes.models import Attempt, AttemptStatus
from lms.kernel import clock
from tests.assessments.quizzes.helpers import build_world
from tests.conftest import page_text
from tests.conftest import sign_in_quickly as login

OPENS = datetime(2030, 3, 1, 8, 15, 27, tzinfo=clock.UTC)
STARTED = datetime(2030, 3, 4, 9, 5, 41, tzinfo=clock.UTC)
SUBMITTED = datetime(2030, 3, 4, 9, 40, 12, tzinfo=clock.UTC)
CLOSES = datetime(2030, 3, 20, 14, 30, 45, tzinfo=clock.UTC)

# (locale, opens, started, submitted, closes) as a reader of that language writes them.
EXPECTED = [
    ("en", r"Mar 1, 2030 8:15\sAM", r"Mar 4, 2030 9:05\sAM", r"Mar 4, 2030 9:40\sAM",
     r"Mar 20, 2030 2:30\sPM"),
    ("es", r"1 mar 2030 8:15", r"4 mar 2030 9:05", r"4 mar 2030 9:40", r"20 mar 2030 14:30"),
]


@pytest.mark.parametrize(("locale", "opens", "started", "submitted", "closes"), EXPECTED)
def test_quiz_times_are_shown_to_the_minute(client, database, frozen_clock, locale, opens,
                                            started, submitted, closes):
    frozen_clock.set(datetime(2030, 3, 5, 12, 0))
    world = build_world(opens_at=OPENS, due_at=CLOSES)
    world.trainee.locale = locale
    attempt = Attempt(assessment=world.quiz, enrolment=world.enrolment, number=1,
                      status=AttemptStatus.SUBMITTED, started_at=STARTED,
                      submitted_at=SUBMITTED, question_order=[], score=Decimal(2),
                      max_score=Decimal(3), percent=Decimal("66.67"))
    database.session.add(attempt)
    login(client, world.trainee)

    intro = page_text(client.get(world.quiz_url()))
    review = page_text(client.get(world.attempt_url(attempt, "/review")))

    for pattern in (opens, started, closes):
        assert re.search(pattern, intro), (pattern, intro)
    assert re.search(submitted, review), (submitted, review)
    for seconds in (":27", ":41", ":45"):
        assert not re.search(rf"\d{seconds}\b", intro), seconds
    assert not re.search(r"\d:12\b", review)
