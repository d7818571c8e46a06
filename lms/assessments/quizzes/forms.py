"""Forms for the question bank and the GIFT import."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.assessments.quizzes.models import QuestionKind
from lms.assessments.quizzes.services import MAX_OPTIONS, OptionData, QuestionData
from lms.i18n import LANGUAGES
from lms.web.fields import DecimalField

QUESTION_TRANSLATED = ("text", "feedback")


class QuestionForm(FlaskForm):
    kind = SelectField(_l("Kind of question"))
    name = StringField(_l("Short name"), validators=[Optional(), Length(max=200)],
                       description=_l("Shown in the question bank only. "
                                      "Empty: the start of the question."))
    text = TextAreaField(_l("Question"), validators=[DataRequired(), Length(max=10_000)])
    points = DecimalField(
        _l("Points"), places=2,
        validators=[InputRequired(message=_l("Enter the points.")),
                    NumberRange(min=0.01, max=1000, message=_l(
                        "Points must be more than 0 and at most 1000."))])
    feedback = TextAreaField(_l("Feedback shown after the quiz"),
                             validators=[Optional(), Length(max=10_000)])
    true_answer = SelectField(_l("The right answer (true or false questions)"),
                              choices=[("true", _l("True")), ("false", _l("False"))])
    # places=None: show the stored number as it is; rounding it would change it on save.
    numeric_answer = DecimalField(_l("The right number (numeric questions)"), places=None,
                                  validators=[Optional()])
    tolerance = DecimalField(
        _l("Tolerance (numeric questions)"), places=None,
        validators=[Optional(), NumberRange(min=0, message=_l(
            "The tolerance cannot be negative."))],
        description=_l("Answers within this distance of the right number are accepted."))
    case_sensitive = BooleanField(_l("Short answers: upper and lower case must match"))
    accent_sensitive = BooleanField(_l("Short answers: accents must match"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Titles are built per request so that they follow the interface language.
        self.kind.choices = [(kind.value, kind.title) for kind in QuestionKind]

    def option_rows(self) -> list[tuple]:
        return [(self[f"option_text_{n}"], self[f"option_correct_{n}"],
                 self[f"option_feedback_{n}"]) for n in range(1, MAX_OPTIONS + 1)]

    def data_for_service(self, locales: list[str]) -> QuestionData:
        return QuestionData(
            kind=self.kind.data, text=self.text.data or "", points=self.points.data,
            name=self.name.data or "", feedback=self.feedback.data or "",
            case_sensitive=self.case_sensitive.data, accent_sensitive=self.accent_sensitive.data,
            numeric_answer=self.numeric_answer.data, tolerance=self.tolerance.data,
            true_is_correct=self.true_answer.data != "false",
            options=[OptionData(text.data or "", bool(correct.data), feedback.data or "")
                     for text, correct, feedback in self.option_rows()],
            translations={locale: {name: (self[f"{name}_{locale}"].data or "").strip()
                                   for name in QUESTION_TRANSLATED} for locale in locales})

    def fill_from(self, question) -> None:
        """Put the question's options and translations into the form (GET)."""
        for n, (text, correct, feedback) in enumerate(self.option_rows(), start=1):
            if n <= len(question.options):
                option = question.options[n - 1]
                text.data, correct.data, feedback.data = (option.text, option.correct,
                                                          option.feedback)
        if question.kind == QuestionKind.TRUE_FALSE:
            right = next((o for o in question.options if o.correct), None)
            self.true_answer.data = "false" if right is not None and right.text == "False" \
                else "true"
        for row in question.translations:
            if row.locale in LANGUAGES:
                for name in QUESTION_TRANSLATED:
                    self[f"{name}_{row.locale}"].data = getattr(row, name) or ""


for _n in range(1, MAX_OPTIONS + 1):
    setattr(QuestionForm, f"option_text_{_n}", StringField(
        _l("Option %(n)s", n=_n), validators=[Optional(), Length(max=1000)]))
    setattr(QuestionForm, f"option_correct_{_n}", BooleanField(
        _l("Option %(n)s is correct", n=_n)))
    setattr(QuestionForm, f"option_feedback_{_n}", StringField(
        _l("Feedback for option %(n)s", n=_n), validators=[Optional(), Length(max=2000)]))

for _locale, _language in LANGUAGES.items():
    setattr(QuestionForm, f"text_{_locale}", TextAreaField(
        _l("Question (%(language)s)", language=_language),
        validators=[Optional(), Length(max=10_000)], render_kw={"lang": _locale}))
    setattr(QuestionForm, f"feedback_{_locale}", TextAreaField(
        _l("Feedback (%(language)s)", language=_language),
        validators=[Optional(), Length(max=10_000)], render_kw={"lang": _locale}))


class GiftImportForm(FlaskForm):
    file = FileField(_l("GIFT file (.txt or .gift)"), validators=[
        FileAllowed(["txt", "gift"], _l("Choose a .txt or .gift file."))])
    text = TextAreaField(_l("Or paste the questions in GIFT format"),
                         validators=[Optional()])
