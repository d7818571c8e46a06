"""Forms for managing programs, courses, modules and lessons.

Translated content (a course's title in Spanish, ...) is edited on the same page as
the original: each form has one field per translatable attribute and locale, named
``<attribute>_<locale>`` (``title_es``). Pages show those of the three locales other
than the content's own language; a blank field means "fall back to the original".
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from lms.catalog.models import Modality
from lms.catalog.services import MAX_BODY
from lms.i18n import LANGUAGES
from lms.web.fields import IntegerField, LanguageField

CODE_PATTERN = r"^[A-Za-z0-9-]+$"
PREFIX_PATTERN = r"^[A-Z]{2,6}$"


def other_locales(language: str) -> list[str]:
    """The locales a translation can be given for: all but the content's own."""
    return [code for code in LANGUAGES if code != language]


def _translation_label(attribute_label, locale: str):
    return _l("%(field)s (%(language)s)", field=attribute_label, language=LANGUAGES[locale])


def add_translation_fields(form_class: type[FlaskForm],
                            attributes: dict[str, tuple[type, object, int]]) -> None:
    """Give ``form_class`` an optional ``<attribute>_<locale>`` field for every locale."""
    for locale in LANGUAGES:
        for name, (field_class, label, max_length) in attributes.items():
            setattr(form_class, f"{name}_{locale}", field_class(
                _translation_label(label, locale),
                validators=[Optional(), Length(max=max_length)],
                render_kw={"lang": locale}))


def translation_data(form: FlaskForm, attributes: tuple[str, ...],
                     locales: list[str]) -> dict[str, dict[str, str]]:
    """``{locale: {attribute: text}}`` from the form, stripped, for ``locales``."""
    return {locale: {name: (form[f"{name}_{locale}"].data or "").strip()
                     for name in attributes}
            for locale in locales}


def fill_translations(form: FlaskForm, obj, attributes: tuple[str, ...]) -> None:
    """Put ``obj``'s translation rows into the form's translation fields."""
    for row in obj.translations:
        if row.locale not in LANGUAGES:
            continue
        for name in attributes:
            form[f"{name}_{row.locale}"].data = getattr(row, name) or ""


_CODE_MESSAGE = _l("Use only letters, digits and hyphens.")


class ProgramForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Length(max=10_000)])
    certificate_prefix = StringField(
        _l("Certificate prefix"),
        validators=[DataRequired(), Regexp(PREFIX_PATTERN, message=_l(
            "Use 2 to 6 capital letters, without accents."))],
        description=_l("Begins the ID of every certificate issued under this program, "
                       "e.g. PRC."))
    language = LanguageField(_l("Language of the name and description"))


PROGRAM_TRANSLATED = ("name", "description")
add_translation_fields(ProgramForm, {
    "name": (StringField, _l("Name"), 200),
    "description": (TextAreaField, _l("Description"), 10_000),
})


class NewProgramForm(ProgramForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=20), Regexp(CODE_PATTERN, message=_CODE_MESSAGE)],
        description=_l("Short and permanent, e.g. PROCCER. Used in addresses."))


class CourseForm(FlaskForm):
    program_id = SelectField(_l("Program"), coerce=int, validators=[InputRequired()])
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=40), Regexp(CODE_PATTERN, message=_CODE_MESSAGE)],
        description=_l("Letters, digits and hyphens, e.g. PRC-TR-101. Used in addresses."))
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField(_l("Summary"), validators=[Length(max=10_000)])
    hours = IntegerField(
        _l("Hours"),
        validators=[InputRequired(message=_l("Enter the number of hours.")),
                    NumberRange(min=1, max=10_000, message=_l(
                        "Enter a whole number of hours, at least 1."))])
    modality = SelectField(_l("Modality"))
    language = LanguageField(_l("Language the course is written in"))

    def __init__(self, *args, programs=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.program_id.choices = [(p.id, p.in_locale("name")) for p in programs]
        # Titles are computed per request so that they follow the interface language.
        self.modality.choices = [(m.value, m.title) for m in Modality]


class CourseEditForm(CourseForm):
    pass


COURSE_TRANSLATED = ("title", "summary")
add_translation_fields(CourseEditForm, {
    "title": (StringField, _l("Title"), 200),
    "summary": (TextAreaField, _l("Summary"), 10_000),
})


_POSITION_HINT = _l("Order within its list; leave blank to put it last.")


class ModuleForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    position = IntegerField(
        _l("Position"), validators=[Optional(), NumberRange(min=1, max=10_000)],
        description=_POSITION_HINT)


MODULE_TRANSLATED = ("title",)
add_translation_fields(ModuleForm, {"title": (StringField, _l("Title"), 200)})


class LessonForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    position = IntegerField(
        _l("Position"), validators=[Optional(), NumberRange(min=1, max=10_000)],
        description=_POSITION_HINT)
    body = TextAreaField(
        _l("Text"), validators=[Length(max=MAX_BODY)],
        description=_l("Markdown: # heading, **bold**, *italic*, - list, [link](https://...), "
                       "tables. Scripts and embedded HTML are removed."))


LESSON_TRANSLATED = ("title", "body")
add_translation_fields(LessonForm, {
    "title": (StringField, _l("Title"), 200),
    "body": (TextAreaField, _l("Text"), MAX_BODY),
})
