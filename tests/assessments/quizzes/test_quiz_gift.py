"""Parsing Moodle GIFT text: every supported form, and each refusal with its line."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lms.assessments.quizzes.gift import parse


def only(text: str):
    questions, errors = parse(text)
    assert errors == []
    assert len(questions) == 1
    return questions[0]


def error_lines(text: str) -> list[tuple[int, str]]:
    questions, errors = parse(text)
    return [(error.line, error.message) for error in errors]


def test_single_choice_with_title_feedback_and_format_marker():
    q = only("::Capital::[markdown]What is the capital of France?"
             "{=Paris#Well done ~London#No, that is England ~Berlin}")
    assert q.kind == "single"
    assert q.name == "Capital"
    assert q.text == "What is the capital of France?"
    assert [(o.text, o.correct, o.feedback) for o in q.options] == [
        ("Paris", True, "Well done"), ("London", False, "No, that is England"),
        ("Berlin", False, "")]


@pytest.mark.parametrize("marker", ["[html]", "[plain]", "[markdown]", "[moodle]"])
def test_format_markers_are_stripped(marker):
    assert only(f"{marker} Pick one {{=a ~b}}").text == "Pick one"


def test_weighted_answers_make_a_multiple_choice_question():
    q = only("Which are prime? {~%50%2 ~%50%3 ~%-100%4}")
    assert q.kind == "multiple"
    assert [(o.text, o.correct) for o in q.options] == [("2", True), ("3", True), ("4", False)]


def test_several_right_answers_make_a_multiple_choice_question():
    assert only("Pick {=a =b ~c}").kind == "multiple"


@pytest.mark.parametrize(("body", "right"), [
    ("{T}", "True"), ("{F}", "False"), ("{TRUE}", "True"), ("{FALSE}", "False"),
    ("{true}", "True"),
])
def test_true_false(body, right):
    q = only(f"The sky is blue. {body}")
    assert q.kind == "true_false"
    assert [o.text for o in q.options if o.correct] == [right]
    assert len(q.options) == 2


def test_true_false_feedback_goes_to_the_wrong_then_the_right_option():
    q = only("Water boils at 90 °C at sea level. {F#No: 100 °C.#Right.}")
    feedback = {o.text: o.feedback for o in q.options}
    assert feedback == {"True": "No: 100 °C.", "False": "Right."}


def test_short_answer_accepts_every_listed_answer():
    q = only("Name the colour of the sky. {=blue =azul}")
    assert q.kind == "short_text"
    assert [(o.text, o.correct) for o in q.options] == [("blue", True), ("azul", True)]


def test_numeric_with_and_without_tolerance_and_range():
    q = only("Pi to two decimals? {#3.14:0.01}")
    assert (q.kind, q.numeric_answer, q.tolerance) == ("numeric", Decimal("3.14"),
                                                       Decimal("0.01"))
    q = only("Two plus two? {#4}")
    assert (q.numeric_answer, q.tolerance) == (Decimal("4"), Decimal("0"))
    q = only("Between one and five? {#1..5}")
    assert (q.numeric_answer, q.tolerance) == (Decimal("3"), Decimal("2"))


def test_escapes_are_restored_in_texts():
    q = only(r"Escapes \: \~ \= \# \{ \} kept {=a\=b ~c\#d}")
    assert q.text == "Escapes : ~ = # { } kept"
    assert [o.text for o in q.options] == ["a=b", "c#d"]


def test_comments_categories_blank_lines_and_general_feedback():
    text = "\n".join([
        "// a comment before",
        "$CATEGORY: $course$/Knowledge",
        "",
        "::One:: First {=a ~b ####Read chapter 2}",
        "",
        "",
        "// between",
        "Second question",
        "on two lines {T}",
    ])
    questions, errors = parse(text)
    assert errors == []
    assert [(q.line, q.name) for q in questions] == [
        (4, "One"), (8, "Second question on two lines")]
    assert questions[0].feedback == "Read chapter 2"
    assert questions[1].text == "Second question\non two lines"


def test_answers_may_span_lines():
    q = only("Pick one {\n=right\n~wrong\n}")
    assert [o.text for o in q.options] == ["right", "wrong"]


def test_every_error_is_reported_with_its_line():
    text = "\n".join([
        "Fine {=a ~b}",           # 1
        "",
        "Write an essay {}",      # 3
        "",
        "Match {=a -> 1 =b -> 2}",  # 5
        "",
        "The {=missing ~other} word",  # 7
        "",
        "No answers here",        # 9
        "",
        "Bad number {#three}",    # 11
        "",
        "No right one {~a ~b}",   # 13
        "",
        "Not closed {=a ~b",      # 15
        "",
        "::Untitled Text {=a}",   # 17
        "",
        "Several numbers {#=1:0 =2:0}",  # 19
        "",
        "{=no text}",             # 21
        "",
        "Stray text {x =a ~b}",   # 23
    ])
    errors = error_lines(text)
    assert [line for line, _message in errors] == [3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23]
    messages = dict(errors)
    assert "Essay" in messages[3]
    assert "Matching" in messages[5]
    assert "Missing-word" in messages[7]
    assert "braces" in messages[9]
    assert "three" in messages[11]
    assert "right" in messages[13]
    assert "not closed" in messages[15]
    assert "::" in messages[17]
    assert "several answers" in messages[19]
    assert "no text" in messages[21]
    assert "must start with" in messages[23]


def test_an_empty_text_is_an_error():
    assert error_lines("// only a comment\n\n") == [(1, "The file has no questions.")]


def test_more_answers_than_the_form_can_edit_are_refused():
    answers = " ".join(["=right"] + [f"~wrong{n}" for n in range(8)])
    assert error_lines(f"Too many {{{answers}}}") == [
        (1, "A question may have at most 8 answers.")]
