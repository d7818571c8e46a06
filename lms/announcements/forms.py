"""The announcement form: written in one language, optionally given in the others
(``title_<locale>``, ``body_<locale>``, as the catalog's forms do)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import Length

from lms.announcements.models import MAX_BODY, MAX_TITLE, Announcement
from lms.catalog.forms import add_translation_fields, fill_translations, translation_data
from lms.i18n import LANGUAGES
from lms.web.fields import LanguageField

TRANSLATED = ("title", "body")


class AnnouncementForm(FlaskForm):
    # Required-ness is the service's to judge (one translated message, nothing written);
    # the lengths here only spare the server a huge text.
    language = LanguageField(_l("Written in"))
    title = StringField(_l("Title"), validators=[Length(max=MAX_TITLE)])
    body = TextAreaField(_l("Text"), validators=[Length(max=MAX_BODY)],
                         description=_l("Markdown: **bold**, *italics*, lists, links."))


add_translation_fields(AnnouncementForm, {
    "title": (StringField, _l("Title"), MAX_TITLE),
    "body": (TextAreaField, _l("Text"), MAX_BODY),
})


class PostForm(AnnouncementForm):
    mail = BooleanField(_l("Also send it by mail to each reader, in their language"))


def texts_of(form: AnnouncementForm) -> dict[str, dict[str, str]]:
    """Every locale's translation fields: one filled in for the language written in is
    refused by the service, not silently dropped."""
    return translation_data(form, TRANSLATED, list(LANGUAGES))


def shown_locales(form: AnnouncementForm) -> list[str]:
    """The translation fieldsets the page shows: the other languages, and any that
    holds text (the author changed the language after filling it in)."""
    return [code for code in LANGUAGES if code != form.language.data
            or any(form[f"{name}_{code}"].data for name in TRANSLATED)]


def fill(form: AnnouncementForm, announcement: Announcement) -> None:
    form.language.data = announcement.language
    form.title.data = announcement.title
    form.body.data = announcement.body
    fill_translations(form, announcement, TRANSLATED)
