"""Scoring quiz answers: pure functions, no database, no request.

A response is the dict stored in ``Answer.response``:

- choice questions (single, multiple, true/false): ``{"options": [option ids]}``
- short text: ``{"text": "..."}``
- numeric: ``{"value": "3,14"}`` (the number as the trainee typed it)

Rules:

- **Single choice / true or false**: full points when exactly one option is chosen
  and it is a correct one; otherwise 0.
- **Multiple choice (partial credit)**: each correct option chosen earns
  ``points / number of correct options``; each wrong option chosen takes away the
  same amount; the result never goes below 0 (nor above the question's points).
- **Short text**: full points when the answer matches any accepted answer (the
  options marked correct). Whitespace is collapsed; the comparison ignores case
  unless ``case_sensitive`` and ignores accents (Unicode NFKD, combining marks
  dropped) unless ``accent_sensitive``.
- **Numeric**: full points when ``|answer - numeric_answer| <= tolerance``; a comma
  is accepted as the decimal separator.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

ZERO = Decimal("0")
CENT = Decimal("0.01")
# Trainees' numbers lie within 1e-100..1e100 in size (any real answer does).
MAX_EXPONENT = 100

SINGLE = "single"
MULTIPLE = "multiple"
TRUE_FALSE = "true_false"
SHORT_TEXT = "short_text"
NUMERIC = "numeric"
CHOICE_KINDS = (SINGLE, MULTIPLE, TRUE_FALSE)

_SPACES = re.compile(r"\s+")


def _points(value: Any) -> Decimal:
    return Decimal(str(value)) if value is not None else ZERO


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def score_single(points: Decimal, correct_ids: Iterable[int], chosen_ids: Iterable[int]) -> Decimal:
    """Full points if exactly one option is chosen and it is correct; else 0."""
    chosen = set(chosen_ids)
    if len(chosen) == 1 and chosen <= set(correct_ids):
        return _round(_points(points))
    return ZERO


def score_multiple(points: Decimal, correct_ids: Iterable[int], chosen_ids: Iterable[int],
                   option_ids: Iterable[int] | None = None) -> Decimal:
    """Partial credit: +points/n per correct option chosen, -points/n per wrong one, floor 0.

    ``n`` is the number of correct options. ``option_ids`` (all the question's
    options) lets ids that belong to no option be ignored rather than counted wrong.
    """
    correct = set(correct_ids)
    chosen = set(chosen_ids)
    if option_ids is not None:
        chosen &= set(option_ids)
    if not correct:
        return ZERO
    right = len(chosen & correct)
    wrong = len(chosen - correct)
    total = _points(points)
    # Computed exactly, rounded once: 3 x (1/3) gives the full point, not 0.99.
    earned = total * (right - wrong) / len(correct)
    return _round(min(max(earned, ZERO), total))


def normalise_text(value: str, *, case_sensitive: bool = False,
                   accent_sensitive: bool = False) -> str:
    """The form short answers are compared in: trimmed, spaces collapsed, and folded."""
    text = _SPACES.sub(" ", value or "").strip()
    if not accent_sensitive:
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    text = unicodedata.normalize("NFC", text)
    if not case_sensitive:
        text = text.casefold()
    return text


def score_short_text(points: Decimal, accepted: Iterable[str], answer: str, *,
                     case_sensitive: bool = False, accent_sensitive: bool = False) -> Decimal:
    """Full points when ``answer`` matches any accepted answer once both are normalised."""
    given = normalise_text(answer, case_sensitive=case_sensitive,
                           accent_sensitive=accent_sensitive)
    if not given:
        return ZERO
    for candidate in accepted:
        if given == normalise_text(candidate, case_sensitive=case_sensitive,
                                   accent_sensitive=accent_sensitive):
            return _round(_points(points))
    return ZERO


def parse_number(value: str | None) -> Decimal | None:
    """The number typed by a trainee, with a dot or a comma as decimal separator.

    Spaces (thousands groups such as ``1 000``) are ignored; anything else that
    is not a finite number gives None.
    """
    if value is None:
        return None
    text = _SPACES.sub("", str(value)).replace("\u00a0", "")
    if not text:
        return None
    if "," in text:
        if "." in text or text.count(",") > 1:
            return None  # "1.000,5" or "1,000,5": ambiguous, refuse rather than guess
        text = text.replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", text):
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    # 1e999999999 is finite, but subtracting the expected answer from it overflows.
    if not number.is_finite() or (number and abs(number.adjusted()) > MAX_EXPONENT):
        return None
    return number


def score_numeric(points: Decimal, expected: Decimal | None, tolerance: Decimal | None,
                  answer: str | None) -> Decimal:
    """Full points when the answer is within ``tolerance`` of ``expected``."""
    if expected is None:
        return ZERO
    given = parse_number(answer)
    if given is None:
        return ZERO
    allowed = abs(Decimal(str(tolerance))) if tolerance is not None else ZERO
    if abs(given - Decimal(str(expected))) <= allowed:
        return _round(_points(points))
    return ZERO


def chosen_option_ids(response: dict | None) -> list[int]:
    """The option ids of a choice response; anything that is not an integer is dropped."""
    raw = (response or {}).get("options") or []
    if not isinstance(raw, list):
        return []
    ids = []
    for item in raw:
        try:
            ids.append(int(item))
        except (TypeError, ValueError):
            continue
    return ids


def score_question(question: Any, response: dict | None) -> Decimal:
    """Points for ``response`` to ``question`` (a Question or anything shaped like one).

    Reads ``kind``, ``points``, ``options`` (``id``, ``text``, ``correct``),
    ``case_sensitive``, ``accent_sensitive``, ``numeric_answer`` and ``tolerance``.
    """
    response = response or {}
    points = _points(question.points)
    kind = str(question.kind)
    if kind in CHOICE_KINDS:
        correct = [option.id for option in question.options if option.correct]
        chosen = chosen_option_ids(response)
        if kind == MULTIPLE:
            return score_multiple(points, correct, chosen,
                                  [option.id for option in question.options])
        return score_single(points, correct, chosen)
    if kind == SHORT_TEXT:
        text = response.get("text")
        return score_short_text(
            points, [option.text for option in question.options if option.correct],
            text if isinstance(text, str) else "",
            case_sensitive=bool(question.case_sensitive),
            accent_sensitive=bool(question.accent_sensitive))
    if kind == NUMERIC:
        value = response.get("value")
        return score_numeric(points, question.numeric_answer, question.tolerance,
                             value if isinstance(value, str) else None)
    return ZERO


def percent_of(score: Decimal, max_score: Decimal) -> Decimal:
    """``score`` as a percentage of ``max_score`` (0 when nothing could be scored)."""
    if max_score <= 0:
        return ZERO.quantize(CENT)
    return _round(min(score / max_score * 100, Decimal(100)))
