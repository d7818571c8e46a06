"""The error services raise when input breaks a rule: its message is already translated."""

from __future__ import annotations

import unicodedata

from flask_babel import gettext as _

from lms.kernel import glyphs


class DomainError(Exception):
    """A rule of the domain refused the change; nothing was written.

    ``message`` is shown to the user as it is (translate it with ``_()`` when raising).
    ``field`` names the form field at fault, when there is one.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def clean_text(value: str | None, field: str, max_length: int, *,
               required: bool = True) -> str:
    """``value`` stripped; refused when longer than ``max_length``, or blank if ``required``."""
    text = (value or "").strip()
    if required and not text:
        raise DomainError(_("This field is required."), field=field)
    if len(text) > max_length:
        raise DomainError(_("Use at most %(max)d characters.", max=max_length), field=field)
    return text


# Characters a printed name never needs: markup and template braces.
_NAME_FORBIDDEN = frozenset("<>{}")
# Joiners some scripts need inside words; every other control or format character is refused.
_NAME_ALLOWED_FORMAT = frozenset("\u200c\u200d")


def has_markup_or_hidden(text: str) -> bool:
    """Whether ``text`` holds a character no name may: markup, or a control, format
    (bidi override, zero-width space, ...) or other invisible character."""
    return any(ch in _NAME_FORBIDDEN or (unicodedata.category(ch).startswith("C")
                                         and ch not in _NAME_ALLOWED_FORMAT) for ch in text)


def clean_name(value: str | None, field: str, max_length: int) -> str:
    """An institution's name, held to the rules of a person's name
    (lms.accounts.services.validate_full_name): printable on a certificate, no
    markup, no control, format or bidi-override characters. Spaces are collapsed."""
    text = unicodedata.normalize("NFC", " ".join((value or "").split()))
    if not text:
        raise DomainError(_("This field is required."), field=field)
    if len(text) > max_length:
        raise DomainError(_("Use at most %(max)d characters.", max=max_length), field=field)
    if has_markup_or_hidden(text):
        raise DomainError(_("A name cannot contain the characters < > { } or invisible "
                            "control characters."), field=field)
    if not any(ch.isalpha() for ch in text):
        raise DomainError(_("A name must contain letters."), field=field)
    unprintable = glyphs.unprintable_characters(text)
    if unprintable:
        raise DomainError(_("Certificates cannot print these characters in a name: "
                            "%(chars)s.", chars=" ".join(unprintable)), field=field)
    return text
