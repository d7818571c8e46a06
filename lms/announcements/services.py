"""Every write of announcements: post, edit, delete; and the words of their mail.

Validate everything first, then change rows, audit, flush; never commit. Who may
post or edit is checked by the views on the object (models.can_post_to_*, can_edit).
Mail is not sent here: posting with ``mail`` announces ``announcement_posted`` and
notifications, on a floor above, write each reader's message in their language
(``message_for``) to those ``queries.recipients`` names.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from lms.announcements.models import (
    MAX_BODY,
    MAX_TITLE,
    Announcement,
    AnnouncementTranslation,
)
from lms.announcements.queries import shown
from lms.audit.services import record, state
from lms.catalog.models import Program
from lms.cohorts.models import Cohort
from lms.errors import DomainError, clean_text
from lms.extensions import db
from lms.i18n import LANGUAGES, apply_translations, check_translations, language_name
from lms.kernel import clock, events
from lms.web.urls import absolute_url

_TRANSLATED = {"title": MAX_TITLE, "body": MAX_BODY}
_ATTRIBUTES = ("language", "title", "body", "mail", "cohort_id", "program_id")

# {locale: {"title": ..., "body": ...}}: the same announcement in other languages.
Texts = Mapping[str, Mapping[str, str]]


def _checked(language: str | None, title: str | None, body: str | None,
             translations: Texts | None) -> tuple[str, str, str, dict[str, dict[str, str]]]:
    """The cleaned values, or a DomainError naming the field at fault."""
    if language not in LANGUAGES:
        raise DomainError(_("Choose the language the announcement is written in."),
                          field="language")
    title = clean_text(title, "title", MAX_TITLE)
    body = clean_text(body, "body", MAX_BODY)
    # A blank language is no translation; only those with some text are checked.
    given = {locale: {name: (text or "").strip() for name, text in values.items()}
             for locale, values in (translations or {}).items()}
    given = {locale: values for locale, values in given.items() if any(values.values())}
    check_translations(given, language, _TRANSLATED)
    for locale, values in given.items():
        for name in _TRANSLATED:
            if not values.get(name):
                raise DomainError(_("Give both a title and a text in %(language)s, or leave "
                                    "both empty.", language=LANGUAGES[locale]),
                                  field=f"{name}_{locale}")
    return language, title, body, given


def _state(announcement: Announcement) -> dict:
    return state(announcement, _ATTRIBUTES, ("title", "body"))


def post(actor, *, cohort: Cohort | None = None, program: Program | None = None,
         language: str | None, title: str | None, body: str | None,
         translations: Texts | None = None, mail: bool = False) -> Announcement:
    """Publish an announcement to one cohort or one whole program, now.

    With ``mail``, ``announcement_posted`` is announced once, after the flush."""
    if (cohort is None) == (program is None):
        raise DomainError(_("Address the announcement to one cohort or to one whole "
                            "program."))
    language, title, body, given = _checked(language, title, body, translations)
    announcement = Announcement(
        author_id=getattr(actor, "id", None), cohort=cohort, program=program,
        language=language, title=title, body=body, mail=bool(mail), published_at=clock.now())
    apply_translations(announcement, AnnouncementTranslation, given, tuple(_TRANSLATED))
    db.session.add(announcement)
    db.session.flush()
    record(actor, "announcement.posted", announcement, None, _state(announcement))
    if announcement.mail:
        events.announcement_posted.send(announcement, actor=actor)
    return announcement


def update(actor, announcement: Announcement, *, language: str | None, title: str | None,
           body: str | None, translations: Texts | None = None) -> Announcement:
    """Correct an announcement. Its audience stays, and it is not mailed again: the
    readers see the new text, marked as edited."""
    language, title, body, given = _checked(language, title, body, translations)
    before = _state(announcement)
    announcement.language, announcement.title, announcement.body = language, title, body
    # Every language is given again: one left blank now is removed.
    given = {**{locale: {"title": "", "body": ""} for locale in LANGUAGES
                if locale != language}, **given}
    apply_translations(announcement, AnnouncementTranslation, given, tuple(_TRANSLATED))
    # Now written in what was a translation: that row would only repeat the text.
    for row in [row for row in announcement.translations if row.locale == language]:
        announcement.translations.remove(row)
    after = _state(announcement)
    if after != before:
        announcement.edited_at = clock.now()
        db.session.flush()
        record(actor, "announcement.edited", announcement, before, after)
    return announcement


def delete(actor, announcement: Announcement) -> None:
    record(actor, "announcement.deleted", announcement, _state(announcement), None)
    db.session.delete(announcement)
    db.session.flush()


# ---------------------------------------------------------------- its mail

def audience_name(announcement: Announcement, locale: str) -> str:
    """To whom it was addressed, as a reader of ``locale`` names it."""
    if announcement.program is not None:
        return announcement.program.in_locale("name", locale)
    cohort = announcement.cohort
    return _("%(course)s, cohort %(code)s", course=cohort.course.in_locale("title", locale),
             code=cohort.code)


def page_url(announcement: Announcement) -> str:
    """The full address of the page that lists the announcement."""
    if announcement.cohort_id is not None:
        return absolute_url("announcements.cohort", cohort_id=announcement.cohort_id)
    return absolute_url("announcements.program", code=announcement.program.code)


def message_for(announcement: Announcement, locale: str) -> tuple[str, str, str]:
    """(subject, text, HTML) of the announcement's mail to a reader of ``locale``.

    In their language when the author wrote it in theirs, else in the author's with a
    line saying so. Needs a request context (for the addresses), as notifications
    provide. The text keeps the Markdown as written; the HTML is sanitised."""
    with force_locale(locale):
        view = shown(announcement, locale)
        audience = audience_name(announcement, locale)
        url = page_url(announcement)
        notice = (_("Not available in your language; shown in %(language)s.",
                    language=language_name(view.locale)) if view.fallback else "")
        subject = _("Announcement: %(title)s", title=view.title)
        author = announcement.author.full_name if announcement.author else ""
        text = _("%(title)s\n\nTo: %(audience)s\nFrom: %(author)s\n\n%(body)s\n\n"
                 "Read it on the site:\n%(url)s\n",
                 title=view.title, audience=audience, author=author,
                 body=_raw_body(announcement, view.locale), url=url)
        if notice:
            text = notice + "\n\n" + text
        html = render_template("announcements/mail.html", view=view, audience=audience,
                               author=author, url=url, notice=notice, locale=locale)
    return subject, text, html


def _raw_body(announcement: Announcement, locale: str) -> str:
    row = announcement.translation_for(locale)
    return row.body if row is not None and locale != announcement.language else announcement.body
