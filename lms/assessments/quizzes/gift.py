"""A parser for Moodle's GIFT question format (the subset our question bank can hold).

Supported, one question per paragraph (questions are separated by a blank line)::

    // a comment line                       (ignored)
    $CATEGORY: some/category                (ignored)
    ::Title:: [markdown] Question text {=right ~wrong#feedback}      -> single choice
    Question {~%50%a ~%50%b ~%-100%c}       -> multiple choice (weights > 0 are right)
    Question {T}  {F}  {TRUE}  {FALSE}      -> true or false
    Question {=answer =other answer}        -> short answer (every = is accepted)
    Question {#3.14:0.01}  {#3.14}  {#1..5} -> numeric (answer:tolerance, or a range)

``\\:`` ``\\~`` ``\\=`` ``\\#`` ``\\{`` ``\\}`` ``\\\\`` are escapes; ``\\n`` is a new line;
``####text`` inside the braces is the question's general feedback; ``[markdown]``,
``[html]``, ``[plain]`` and ``[moodle]`` format markers are dropped.

Refused with a per-question error: essays ``{}``, matching (``->``), missing-word
questions (text after the closing brace) and numeric questions with several answers.
The parser never touches the database: ``parse`` returns the questions and the
errors, and the caller imports nothing unless the error list is empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from flask_babel import format_decimal
from flask_babel import gettext as _

MAX_NAME = 200
MAX_TEXT = 10_000
# As many as the question form can edit (lms.assessments.quizzes.services.MAX_OPTIONS).
MAX_OPTIONS = 8
# Numeric answers and tolerances are stored as Numeric(18, 6): below 10^12. A tenth of
# that leaves room for rounding and is far beyond any sensible quiz answer.
MAX_NUMBER = Decimal("1e11")

_ESCAPABLE = ":~=#{}\\"
# Escaped characters are swapped for private-use code points while parsing, so
# that no split can see them, and swapped back in the final texts.
_PROTECT = {ch: chr(0xE000 + i) for i, ch in enumerate(_ESCAPABLE)}
_RESTORE = str.maketrans({code: ch for ch, code in _PROTECT.items()})
_FORMAT = re.compile(r"^\s*\[(markdown|html|plain|moodle)\]\s*", re.IGNORECASE)
_WEIGHT = re.compile(r"^\s*%(-?\d+(?:\.\d+)?)%")
_TRUE_FALSE = re.compile(r"^(T|F|TRUE|FALSE)$", re.IGNORECASE)


@dataclass
class ParsedOption:
    text: str
    correct: bool
    feedback: str = ""


@dataclass
class ParsedQuestion:
    line: int
    kind: str
    name: str
    text: str
    feedback: str = ""
    options: list[ParsedOption] = field(default_factory=list)
    numeric_answer: Decimal | None = None
    tolerance: Decimal | None = None


@dataclass(frozen=True)
class GiftError:
    line: int
    message: str


class _Refused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _protect(text: str) -> str:
    out = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt in _PROTECT:
                out.append(_PROTECT[nxt])
                i += 2
                continue
            if nxt == "n":
                out.append("\n")
                i += 2
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def _restore(text: str) -> str:
    return text.translate(_RESTORE)


def _clean(text: str) -> str:
    """Drop a format marker, restore escapes, trim."""
    return _restore(_FORMAT.sub("", text, count=1)).strip()


def _blocks(text: str) -> list[tuple[int, str]]:
    """(first line number, text) of each question: paragraphs without comment lines."""
    blocks: list[tuple[int, str]] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("//") or stripped.upper().startswith("$CATEGORY:"):
            continue
        if not stripped:
            if current:
                blocks.append((start, "\n".join(current)))
                current = []
            continue
        if not current:
            start = number
        current.append(line)
    if current:
        blocks.append((start, "\n".join(current)))
    return blocks


def _number(value: str, question: str) -> Decimal:
    text = _restore(value).strip()
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise _Refused(_("“%(value)s” is not a number (use a dot for decimals).",
                         value=text))
    if number.copy_abs() >= MAX_NUMBER:  # abs() would overflow on 1e999999999
        raise _Refused(_("In “%(question)s”, %(value)s is out of range: numbers must lie "
                         "between -%(max)s and %(max)s.", question=question,
                         value=text[:40], max=format_decimal(MAX_NUMBER)))
    return number


def _numeric(body: str, question: ParsedQuestion) -> None:
    spec = body[1:].split("#", 1)[0].strip()
    if spec.startswith("=") or "=" in spec or "~" in spec:
        raise _Refused(_("Numeric questions with several answers are not supported; "
                         "give one answer and its tolerance, like {#3.14:0.01}."))
    if not spec:
        raise _Refused(_("The numeric answer is missing after #."))
    if ".." in spec:
        low, high = (_number(part, question.name) for part in spec.split("..", 1))
        if low > high:
            low, high = high, low
        question.numeric_answer = (low + high) / 2
        question.tolerance = (high - low) / 2
    elif ":" in spec:
        answer, tolerance = spec.split(":", 1)
        question.numeric_answer = _number(answer, question.name)
        question.tolerance = abs(_number(tolerance, question.name))
    else:
        question.numeric_answer = _number(spec, question.name)
        question.tolerance = Decimal(0)
    question.kind = "numeric"


def _true_false(body: str, question: ParsedQuestion) -> None:
    value, *feedbacks = body.split("#")
    is_true = value.strip().upper() in ("T", "TRUE")
    # GIFT: the first feedback is shown for a wrong answer, the second for a right one.
    wrong_feedback = _clean(feedbacks[0]) if feedbacks else ""
    right_feedback = _clean(feedbacks[1]) if len(feedbacks) > 1 else ""
    question.kind = "true_false"
    question.options = [
        ParsedOption("True", is_true, right_feedback if is_true else wrong_feedback),
        ParsedOption("False", not is_true, wrong_feedback if is_true else right_feedback),
    ]


def _choices(body: str, question: ParsedQuestion) -> None:
    parts = re.split(r"([=~])", body)
    if parts[0].strip():
        raise _Refused(_("Each answer must start with = (a right answer) or ~ (a wrong one)."))
    options: list[ParsedOption] = []
    markers: list[str] = []
    weighted = False
    for marker, content in zip(parts[1::2], parts[2::2], strict=True):
        weight = None
        match = _WEIGHT.match(content)
        if match:
            weight = Decimal(match.group(1))
            content = content[match.end():]
            weighted = True
        answer, _sep, feedback = content.partition("#")
        text = _clean(answer)
        if not text:
            raise _Refused(_("An answer is empty."))
        correct = (weight > 0) if weight is not None else marker == "="
        options.append(ParsedOption(text, correct, _clean(feedback)))
        markers.append(marker)
    if not options:
        raise _Refused(_("There are no answers between the braces."))
    if len(options) > MAX_OPTIONS:
        raise _Refused(_("A question may have at most %(max)s answers.", max=MAX_OPTIONS))
    if "~" not in markers:
        if not all(option.correct for option in options):
            raise _Refused(_("Short answers must all be right answers (=)."))
        question.kind = "short_text"
    else:
        right = sum(option.correct for option in options)
        if right == 0:
            raise _Refused(_("No answer is marked right (= or a positive weight)."))
        if len(options) < 2:
            raise _Refused(_("A choice question needs at least two answers."))
        question.kind = "multiple" if weighted or right > 1 else "single"
    question.options = options


def _parse_block(line: int, raw: str) -> ParsedQuestion:
    text = _protect(raw).strip()
    name = ""
    if text.startswith("::"):
        end = text.find("::", 2)
        if end == -1:
            raise _Refused(_("The title is not closed with ::."))
        name = _restore(text[2:end]).strip()
        text = text[end + 2:]
    text = _FORMAT.sub("", text, count=1)
    opening = text.find("{")
    if opening == -1:
        raise _Refused(_("The answers are missing: put them between braces { }."))
    closing = text.find("}", opening)
    if closing == -1:
        raise _Refused(_("The answers are not closed with }."))
    if "{" in text[opening + 1:closing] or "{" in text[closing + 1:]:
        raise _Refused(_("A question may have only one set of answers in braces "
                         "(write \\{ for a brace in the text)."))
    after = text[closing + 1:].strip()
    question_text = _clean(text[:opening])
    body = text[opening + 1:closing].strip()
    if after:
        raise _Refused(_("Missing-word questions (text after the answers) are not supported."))
    if not body:
        raise _Refused(_("Essay questions ({}) are not supported: they are graded by a person."))
    if "->" in body:
        raise _Refused(_("Matching questions (->) are not supported."))
    if not question_text:
        raise _Refused(_("The question has no text."))
    if len(question_text) > MAX_TEXT:
        raise _Refused(_("The question text is longer than %(max)s characters.", max=MAX_TEXT))
    if len(name) > MAX_NAME:
        raise _Refused(_("The title is longer than %(max)s characters.", max=MAX_NAME))
    body, _sep, general = body.partition("####")
    question = ParsedQuestion(line=line, kind="", name=name or _default_name(question_text),
                              text=question_text, feedback=_clean(general))
    body = body.strip()
    if body.startswith("#"):
        _numeric(body, question)
    elif _TRUE_FALSE.match(body.split("#", 1)[0].strip()):
        _true_false(body, question)
    else:
        _choices(body, question)
    return question


def _default_name(text: str) -> str:
    first_line = " ".join(text.split())
    return first_line if len(first_line) <= 60 else first_line[:59].rstrip() + "…"


def parse(text: str) -> tuple[list[ParsedQuestion], list[GiftError]]:
    """Every question of ``text`` and every error (line and reason), in file order."""
    questions: list[ParsedQuestion] = []
    errors: list[GiftError] = []
    for line, block in _blocks(text.lstrip("\ufeff")):
        try:
            questions.append(_parse_block(line, block))
        except _Refused as refused:
            errors.append(GiftError(line, refused.message))
    if not questions and not errors:
        errors.append(GiftError(1, _("The file has no questions.")))
    return questions, errors
