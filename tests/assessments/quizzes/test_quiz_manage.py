"""The question bank, GIFT import and a quiz's question list, for course managers only."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from lms.assessments.quizzes.models import Question, QuestionOption, QuizQuestion
from lms.audit.models import AuditLog
from lms.extensions import db
from tests.assessments.factories import make_question
from tests.assessments.quizzes.helpers import QuizWorld, build_world, count
from tests.conftest import csrf_token, page_text, submit
from tests.conftest import sign_in_quickly as login


@pytest.fixture
def world(database) -> QuizWorld:
    return build_world()


def question_form(**overrides) -> dict:
    data = {"kind": "single", "name": "", "text": "Which agency certifies?", "points": "2",
            "feedback": "", "true_answer": "true", "numeric_answer": "", "tolerance": "",
            "option_text_1": "The certifying body", "option_correct_1": "y",
            "option_text_2": "The OAS", "option_feedback_2": "No: the OAS trains."}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# ---------------------------------------------------------------- permissions

@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_managers_see_the_bank(client, world, role):
    user = world.coordinator if role == "coordinator" else None
    if user is None:
        from tests.factories import make_user

        user = make_user(admin=True)
    login(client, user)
    response = client.get(f"/manage/courses/{world.course.id}/questions")
    assert response.status_code == 200
    assert "Question number 1?" in page_text(response)


@pytest.mark.parametrize("role", ["trainee", "instructor", "other_coordinator"])
def test_others_may_not_touch_the_bank(client, world, role):
    login(client, getattr(world, role))
    course, question = world.course.id, world.questions[0].id
    for url in (f"/manage/courses/{course}/questions", f"/manage/courses/{course}/questions/new",
                f"/manage/questions/{question}", f"/manage/courses/{course}/questions/import",
                f"/manage/assessments/{world.quiz.id}/questions"):
        assert client.get(url).status_code == 403, url
    token = csrf_token(client, "/profile")
    for url in (f"/manage/questions/{question}/delete", f"/manage/courses/{course}/questions/new",
                f"/manage/assessments/{world.quiz.id}/questions"):
        assert client.post(url, data={"csrf_token": token}).status_code == 403, url
    db.session.expire_all()
    assert db.session.get(Question, question) is not None


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(f"/manage/courses/{world.course.id}/questions")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


# ---------------------------------------------------------------- create, edit, delete

def test_create_a_single_choice_question_with_translation(client, world):
    login(client, world.coordinator)
    url = f"/manage/courses/{world.course.id}/questions/new"
    response = submit(client, url, question_form(text_es="¿Quién certifica?"))
    assert response.status_code == 302
    question = db.session.scalars(db.select(Question).where(
        Question.text == "Which agency certifies?")).one()
    assert question.points == Decimal("2")
    assert [(o.text, o.correct, o.feedback) for o in question.options] == [
        ("The certifying body", True, ""), ("The OAS", False, "No: the OAS trains.")]
    assert question.translation_for("es").text == "¿Quién certifica?"
    assert db.session.scalar(db.select(AuditLog).where(
        AuditLog.action == "question.create")) is not None


def test_a_single_choice_question_needs_exactly_one_correct_option(client, world):
    login(client, world.coordinator)
    before = count(Question)
    url = f"/manage/courses/{world.course.id}/questions/new"
    response = submit(client, url, question_form(option_correct_2="y"))
    assert response.status_code == 422
    assert "Mark exactly one option as correct." in page_text(response)
    assert count(Question) == before


def test_create_numeric_true_false_and_short_text(client, world):
    login(client, world.coordinator)
    url = f"/manage/courses/{world.course.id}/questions/new"
    assert submit(client, url, question_form(
        kind="numeric", text="Hours in a day?", numeric_answer="24", tolerance="0.5",
        option_text_1="", option_text_2="", option_correct_1=None)).status_code == 302
    assert submit(client, url, question_form(
        kind="true_false", text="Is it true?", true_answer="false")).status_code == 302
    assert submit(client, url, question_form(
        kind="short_text", text="Capital of Peru?", option_text_1="Lima",
        option_text_2="Ciudad de los Reyes", option_correct_1=None,
        accent_sensitive="y")).status_code == 302
    numeric = db.session.scalars(
        db.select(Question).where(Question.text == "Hours in a day?")).one()
    assert (numeric.numeric_answer, numeric.tolerance, numeric.options) == (
        Decimal("24"), Decimal("0.5"), [])
    true_false = db.session.scalars(db.select(Question).where(Question.text == "Is it true?")).one()
    assert [(o.text, o.correct) for o in true_false.options] == [("True", False), ("False", True)]
    short = db.session.scalars(db.select(Question).where(Question.text == "Capital of Peru?")).one()
    assert [o.correct for o in short.options] == [True, True]
    assert short.accent_sensitive is True


def test_numeric_question_needs_its_number(client, world):
    login(client, world.coordinator)
    response = submit(client, f"/manage/courses/{world.course.id}/questions/new",
                      question_form(kind="numeric", numeric_answer=""))
    assert response.status_code == 422
    assert "Give the right number." in page_text(response)


def test_edit_keeps_option_ids_and_delete_removes(client, world):
    login(client, world.coordinator)
    question = world.questions[0]
    option_ids = [o.id for o in question.options]
    url = f"/manage/questions/{question.id}"
    page = client.get(url)
    assert page.status_code == 200
    assert 'value="Right 1"' in page.get_data(as_text=True)
    response = submit(client, url, question_form(
        text="Edited?", option_text_1="Right again", option_text_2="Still wrong",
        option_text_3="Another wrong"))
    assert response.status_code == 302
    db.session.expire_all()
    question = db.session.get(Question, question.id)
    assert question.text == "Edited?"
    assert [o.id for o in question.options][:2] == option_ids
    assert [o.text for o in question.options] == ["Right again", "Still wrong", "Another wrong"]

    question_id = question.id
    response = submit(client, f"/manage/questions/{question_id}/delete", form_url=url)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Question, question_id) is None
    assert db.session.scalar(db.select(QuizQuestion).where(
        QuizQuestion.question_id == question_id)) is None


def test_bank_is_paginated(client, world):
    for n in range(30):
        make_question(world.course, text=f"Bulk question {n:02d}")
    login(client, world.coordinator)
    first = page_text(client.get(f"/manage/courses/{world.course.id}/questions"))
    second = page_text(client.get(f"/manage/courses/{world.course.id}/questions?page=2"))
    assert "Bulk question 21" in first and "Bulk question 22" not in first
    assert "Bulk question 29" in second


# ---------------------------------------------------------------- a quiz's questions

def test_choose_and_order_the_quiz_questions(client, world):
    extra = make_question(world.course, text="Extra question?")
    login(client, world.coordinator)
    q1, q2, q3 = world.questions
    url = f"/manage/assessments/{world.quiz.id}/questions"
    page = client.get(url)
    assert page.status_code == 200
    assert "Extra question?" in page_text(page)
    # Keep q3 first, then the new one, then q1; q2 is dropped.
    token = csrf_token(client, url)
    response = client.post(url, data={
        "csrf_token": token, "include": [str(q1.id), str(q3.id), str(extra.id)],
        f"position-{q1.id}": "3", f"position-{q3.id}": "1", f"position-{extra.id}": "2"})
    assert response.status_code == 302
    db.session.expire_all()
    rows = db.session.scalars(db.select(QuizQuestion).where(
        QuizQuestion.assessment_id == world.quiz.id).order_by(QuizQuestion.position)).all()
    assert [row.question_id for row in rows] == [q3.id, extra.id, q1.id]


def test_questions_of_another_course_cannot_be_added(client, world):
    from tests.factories import make_course

    foreign = make_question(make_course(world.course.program), text="Foreign?")
    login(client, world.coordinator)
    url = f"/manage/assessments/{world.quiz.id}/questions"
    token = csrf_token(client, url)
    response = client.post(url, data={"csrf_token": token, "include": [str(foreign.id)]})
    assert response.status_code == 422
    db.session.expire_all()
    assert count(QuizQuestion) == 3


# ---------------------------------------------------------------- GIFT import

GOOD_GIFT = """// imported from Moodle
::Q1:: Capital of France? {=Paris ~London ~Rome}

Primes? {~%50%2 ~%50%3 ~%-100%4}

The sun is a star. {T}

Colour of the sky? {=blue =azul}

Pi? {#3.14:0.01}
"""


def import_url(world) -> str:
    return f"/manage/courses/{world.course.id}/questions/import"


def test_import_pasted_gift_text(client, world):
    login(client, world.coordinator)
    before = count(Question)
    response = submit(client, import_url(world), {"text": GOOD_GIFT})
    assert response.status_code == 302
    assert count(Question) == before + 5
    kinds = db.session.scalars(db.select(Question.kind).where(
        Question.course_id == world.course.id).order_by(Question.id.desc()).limit(5)).all()
    assert sorted(kinds) == sorted(["single", "multiple", "true_false", "short_text", "numeric"])


def test_import_an_uploaded_gift_file(client, world):
    login(client, world.coordinator)
    before = count(Question)
    token = csrf_token(client, import_url(world))
    response = client.post(import_url(world), data={
        "csrf_token": token,
        "file": (io.BytesIO(GOOD_GIFT.encode("utf-8-sig")), "questions.gift")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    assert count(Question) == before + 5


def test_a_bad_file_imports_nothing_and_lists_every_error(client, world):
    login(client, world.coordinator)
    before = (count(Question), count(QuestionOption), count(AuditLog))
    text = GOOD_GIFT + "\nWrite an essay. {}\n\nMatch {=a -> b =c -> d}\n"
    response = submit(client, import_url(world), {"text": text})
    assert response.status_code == 422
    body = page_text(response)
    assert "Nothing was changed" in body
    assert "Line 12: Essay questions" in body
    assert "Line 14: Matching questions" in body
    db.session.expire_all()
    assert (count(Question), count(QuestionOption), count(AuditLog)) == before


@pytest.mark.parametrize("answers", ["{#1e999999:0}", "{#1:1e30}", "{#-1e12..1}",
                                     "{#99999999999999999999}", "{#1e999999999}"])
def test_numeric_answers_out_of_range_are_refused_naming_the_question(client, world, answers):
    login(client, world.coordinator)
    before = (count(Question), count(QuestionOption), count(AuditLog))
    text = f"::Distance:: How far is it? {answers}\n"
    response = submit(client, import_url(world), {"text": text})
    assert response.status_code == 422
    assert "Line 1: In “Distance”," in page_text(response)
    assert "is out of range" in page_text(response)
    db.session.expire_all()
    assert (count(Question), count(QuestionOption), count(AuditLog)) == before


@pytest.mark.parametrize("field", ["numeric_answer", "tolerance"])
@pytest.mark.parametrize("value", ["NaN", "Infinity", "1e999", "1e30"])
def test_the_question_form_refuses_numbers_that_are_not_finite_or_too_large(
        client, world, field, value):
    login(client, world.coordinator)
    before = (count(Question), count(AuditLog))
    form = question_form(kind="numeric", numeric_answer="3", tolerance="0",
                         option_text_1=None, option_correct_1=None, option_text_2=None,
                         option_feedback_2=None)
    form[field] = value
    response = submit(client, f"/manage/courses/{world.course.id}/questions/new", form)
    assert response.status_code == 422
    assert ("This number is too large." in page_text(response)
            or "Not a valid decimal value." in page_text(response))
    db.session.expire_all()
    assert (count(Question), count(AuditLog)) == before


def test_import_refuses_other_file_types_and_oversized_text(client, world, app):
    login(client, world.coordinator)
    token = csrf_token(client, import_url(world))
    response = client.post(import_url(world), data={
        "csrf_token": token, "file": (io.BytesIO(b"x {T}"), "questions.docx")},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose a .txt or .gift file." in page_text(response)
    limit = app.config["LMS_MAX_UPLOAD_BYTES"]
    app.config["LMS_MAX_UPLOAD_BYTES"] = 100
    try:
        response = submit(client, import_url(world), {"text": "Long? {T}\n\n" * 20})
    finally:
        app.config["LMS_MAX_UPLOAD_BYTES"] = limit
    assert response.status_code == 422
    assert "larger than" in page_text(response)


def test_import_needs_something(client, world):
    login(client, world.coordinator)
    response = submit(client, import_url(world), {"text": "  "})
    assert response.status_code == 422
    assert "Choose a file or paste the questions." in page_text(response)


@pytest.mark.parametrize("character", ["\x00", "\x1b", "\u0085"])
def test_an_uploaded_gift_file_with_control_characters_is_refused(client, world, character):
    login(client, world.coordinator)
    before = (count(Question), count(QuestionOption), count(AuditLog))
    token = csrf_token(client, import_url(world))
    text = f"::Sum:: What is 2{character}+2? {{=4 ~3}}\n"
    response = client.post(import_url(world), data={
        "csrf_token": token, "file": (io.BytesIO(text.encode()), "questions.gift")},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert "control characters" in page_text(response)
    db.session.expire_all()
    assert (count(Question), count(QuestionOption), count(AuditLog)) == before
