"""The scoring rules, one kind at a time (pure functions, no database)."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest

from lms.assessments.quizzes import scoring
from lms.assessments.quizzes.scoring import (
    normalise_text,
    parse_number,
    percent_of,
    score_multiple,
    score_numeric,
    score_question,
    score_short_text,
    score_single,
)

D = Decimal


def question(kind, points=1, options=(), **fields):
    opts = [SimpleNamespace(id=i, text=text, correct=correct)
            for i, (text, correct) in enumerate(options, start=1)]
    defaults = {"case_sensitive": False, "accent_sensitive": False,
                "numeric_answer": None, "tolerance": None}
    defaults.update(fields)
    return SimpleNamespace(kind=kind, points=D(points), options=opts, **defaults)


# ---------------------------------------------------------------- single, true/false

def test_single_choice_full_points_for_the_right_option_only():
    assert score_single(D(2), [1], [1]) == D("2.00")
    assert score_single(D(2), [1], [2]) == 0
    assert score_single(D(2), [1], []) == 0


def test_single_choice_with_two_options_chosen_scores_nothing():
    assert score_single(D(2), [1], [1, 2]) == 0


def test_true_false_through_the_dispatcher():
    q = question("true_false", 1, [("True", False), ("False", True)])
    assert score_question(q, {"options": [2]}) == D("1.00")
    assert score_question(q, {"options": [1]}) == 0
    assert score_question(q, {}) == 0


# ---------------------------------------------------------------- multiple, partial credit

@pytest.mark.parametrize(("chosen", "expected"), [
    ([1, 2], "3.00"),     # both correct options: full points
    ([1], "1.50"),        # one of two correct: half
    ([1, 3], "0.00"),     # one right, one wrong: cancel out
    ([1, 2, 3], "1.50"),  # two right, one wrong
    ([3, 4], "0.00"),     # only wrong ones: floor at 0, never negative
    ([], "0.00"),
])
def test_multiple_choice_partial_credit(chosen, expected):
    assert score_multiple(D(3), [1, 2], chosen, [1, 2, 3, 4]) == D(expected)


def test_multiple_choice_thirds_add_up_to_the_full_points():
    assert score_multiple(D(1), [1, 2, 3], [1, 2, 3], [1, 2, 3, 4]) == D("1.00")
    assert score_multiple(D(1), [1, 2, 3], [1], [1, 2, 3, 4]) == D("0.33")
    assert score_multiple(D(1), [1, 2, 3], [1, 2], [1, 2, 3, 4]) == D("0.67")


def test_multiple_choice_ignores_ids_of_other_questions():
    assert score_multiple(D(2), [1, 2], [1, 2, 99], [1, 2, 3]) == D("2.00")


def test_multiple_through_the_dispatcher():
    q = question("multiple", 4, [("a", True), ("b", True), ("c", False), ("d", False)])
    assert score_question(q, {"options": [1, 3, 4]}) == 0
    assert score_question(q, {"options": ["1"]}) == D("2.00")
    assert score_question(q, {"options": "junk"}) == 0


# ---------------------------------------------------------------- short text

def test_short_text_ignores_case_accents_and_spaces_by_default():
    accepted = ["Policía Nacional", "PN"]
    assert score_short_text(D(1), accepted, "  policia   nacional ") == D("1.00")
    assert score_short_text(D(1), accepted, "pn") == D("1.00")
    assert score_short_text(D(1), accepted, "policía") == 0
    assert score_short_text(D(1), accepted, "") == 0


def test_short_text_case_sensitive():
    assert score_short_text(D(1), ["PN"], "pn", case_sensitive=True) == 0
    assert score_short_text(D(1), ["PN"], "PN", case_sensitive=True) == D("1.00")
    # Accents are still ignored when only case matters.
    assert score_short_text(D(1), ["Policía"], "Policia", case_sensitive=True) == D("1.00")


def test_short_text_accent_sensitive():
    assert score_short_text(D(1), ["Policía"], "policia", accent_sensitive=True) == 0
    assert score_short_text(D(1), ["Policía"], "POLICÍA", accent_sensitive=True) == D("1.00")


def test_normalise_text_folds_compatibility_forms_and_composed_accents():
    # "é" composed and decomposed compare equal even when accents matter.
    assert normalise_text("e\u0301", accent_sensitive=True) == normalise_text(
        "\u00e9", accent_sensitive=True)
    assert normalise_text("Ça\tva") == "ca va"


def test_short_text_through_the_dispatcher_uses_only_correct_options():
    q = question("short_text", 2, [("azul", True), ("rojo", False)])
    assert score_question(q, {"text": "AZUL"}) == D("2.00")
    assert score_question(q, {"text": "rojo"}) == 0
    assert score_question(q, {"text": 5}) == 0


# ---------------------------------------------------------------- numeric

@pytest.mark.parametrize(("text", "expected"), [
    ("3.14", D("3.14")), ("3,14", D("3.14")), (" -2 ", D("-2")), ("1 000,5", D("1000.5")),
    ("1e3", D("1000")), (".5", D("0.5")), ("", None), ("abc", None), ("1.000,5", None),
    ("1,2,3", None), ("nan", None), ("inf", None), (None, None),
    ("1e999999999", None), ("-1e101", None), ("1e-101", None), ("0e-999999999", D(0)),
    ("6.02e23", D("6.02e23")),
])
def test_parse_number(text, expected):
    assert parse_number(text) == expected


def test_numeric_within_tolerance_inclusive():
    assert score_numeric(D(1), D("3.14"), D("0.01"), "3.15") == D("1.00")
    assert score_numeric(D(1), D("3.14"), D("0.01"), "3,13") == D("1.00")
    assert score_numeric(D(1), D("3.14"), D("0.01"), "3.16") == 0


def test_numeric_without_tolerance_needs_the_exact_value():
    assert score_numeric(D(1), D("4"), None, "4.0") == D("1.00")
    assert score_numeric(D(1), D("4"), None, "4.01") == 0
    assert score_numeric(D(1), D("4"), None, "four") == 0
    assert score_numeric(D(1), None, None, "4") == 0


def test_a_huge_answer_scores_nothing_instead_of_overflowing():
    assert score_numeric(D(1), D("3.14"), D("0.01"), "1e999999999") == 0
    assert score_numeric(D(1), D("3.14"), D("0.01"), "-1e999999999") == 0


def test_numeric_through_the_dispatcher():
    q = question("numeric", 5, numeric_answer=D("9.81"), tolerance=D("0.05"))
    assert score_question(q, {"value": "9,8"}) == D("5.00")
    assert score_question(q, {"value": "10"}) == 0
    assert score_question(q, {}) == 0


# ---------------------------------------------------------------- totals

def test_percent_of():
    assert percent_of(D("1.5"), D("3")) == D("50.00")
    assert percent_of(D("2"), D("3")) == D("66.67")
    assert percent_of(D("0"), D("0")) == D("0.00")


def test_unknown_kind_scores_nothing():
    assert score_question(question("essay"), {"text": "x"}) == 0
    assert scoring.CHOICE_KINDS == ("single", "multiple", "true_false")
