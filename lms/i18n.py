"""Languages, locale selection and helpers for translated content."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from functools import cache

from babel import Locale
from flask import has_request_context, request, session
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from lms.errors import DomainError

# Each language named in itself, as the switcher shows it.
LANGUAGES: dict[str, str] = {
    "en": "English",
    "es": "Español",
    "fr": "Français",
    "pt": "Português",
}
DEFAULT_LOCALE = "en"


def select_locale() -> str:
    """User preference, then session, then Accept-Language, then English."""
    if not has_request_context():
        return DEFAULT_LOCALE
    if current_user and current_user.is_authenticated and current_user.locale in LANGUAGES:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(list(LANGUAGES)) or DEFAULT_LOCALE


def current_locale() -> str:
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT_LOCALE


def normalise_language(code: str | None) -> str | None:
    """Map codes such as ``pt_br``, ``es-MX`` or ``FR`` to one of ours, else None."""
    if not code:
        return None
    base = code.strip().replace("-", "_").split("_")[0].lower()
    return base if base in LANGUAGES else None


@cache
def _territories(locale: str) -> tuple[tuple[str, str], ...]:
    names = Locale.parse(locale).territories
    # Two-letter alphabetic codes are countries; "ZZ", "EU", "UN", "EZ", "QO" are not.
    excluded = {"ZZ", "EU", "UN", "EZ", "QO", "XA", "XB"}
    pairs = [(code, name) for code, name in names.items()
             if len(code) == 2 and code.isalpha() and code not in excluded]
    return tuple(sorted(pairs, key=lambda pair: collation_key(pair[1])))


def collation_key(text: str) -> tuple[str, str]:
    """Sort key that reads "México" as "mexico" (no new dependency for a collation).

    Code points put "é" after every plain letter ("México" after "Myanmar") and
    capitals before small letters; the text itself breaks ties, so the order is total."""
    letters = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in letters if not unicodedata.combining(char))
    return plain.casefold(), text


def country_codes() -> frozenset[str]:
    return frozenset(code for code, _ in _territories(DEFAULT_LOCALE))


def country_choices(locale: str | None = None) -> list[tuple[str, str]]:
    """(code, name) pairs sorted by the name in the current language."""
    return list(_territories(locale or current_locale()))


def country_name(code: str | None, locale: str | None = None) -> str:
    if not code:
        return ""
    return Locale.parse(locale or current_locale()).territories.get(code.upper(), code)


def language_name(code: str | None) -> str:
    """A language's name in the current UI language (``es`` -> "Spanish" in English)."""
    if not code:
        return ""
    return Locale.parse(current_locale()).languages.get(code, code)


def decimal_formatter(locale: str | None = None):
    """A fast equivalent of Babel's ``format_decimal`` for one locale.

    Babel parses and applies its pattern on every call; a gradebook shows tens of
    thousands of numbers. This reads the locale's separators once and lets Python
    format, with the same result for Babel's default pattern ("#,##0.###").
    """
    from babel.numbers import get_decimal_symbol, get_group_symbol

    locale = locale or current_locale()
    decimal_sign, group_sign = get_decimal_symbol(locale), get_group_symbol(locale)

    def formatted(value) -> str:
        text = format(value, ",.3f").rstrip("0").rstrip(".")
        if text in ("-0", ""):
            text = "0"
        return text.replace(",", "\x00").replace(".", decimal_sign).replace("\x00", group_sign)

    return formatted


class Translatable:
    """Mixin for models with a ``translations`` collection of per-locale rows.

    The model keeps its own text in ``language``; a translation row may override
    any of the fields for one locale. Reading falls back to the model's own text.
    """

    language: str
    translations: list

    def in_locale(self, field: str, locale: str | None = None) -> str:
        locale = locale or current_locale()
        if locale != self.language:
            for row in self.translations:
                if row.locale == locale and getattr(row, field, None):
                    return getattr(row, field)
        return getattr(self, field)

    def translation_for(self, locale: str):
        return next((row for row in self.translations if row.locale == locale), None)


# {locale: {attribute: text}}; a blank text means "fall back to the original".
Translations = Mapping[str, Mapping[str, str]]


def check_translations(translations: Translations, language: str,
                       limits: Mapping[str, int]) -> None:
    """Refuse translations into the content's own or an unknown language, of fields that
    are not translated (``limits`` names those that are), or longer than their limit."""
    for locale, values in translations.items():
        if locale not in LANGUAGES or locale == language or set(values) - set(limits):
            raise DomainError(_("Translations are for the other languages only."))
        for name, text in values.items():
            if len((text or "").strip()) > limits[name]:
                raise DomainError(_("Use at most %(max)d characters.", max=limits[name]),
                                  field=f"{name}_{locale}")


def apply_translations(obj: Translatable, row_class: type, translations: Translations,
                       attributes: tuple[str, ...]) -> None:
    """Create, update or (when every text is blank) delete ``obj``'s row per locale."""
    for locale, values in translations.items():
        texts = {name: (values.get(name) or "").strip() for name in attributes}
        row = obj.translation_for(locale)
        if not any(texts.values()):
            if row is not None:
                obj.translations.remove(row)
            continue
        if row is None:
            row = row_class(locale=locale)
            obj.translations.append(row)
        for name, text in texts.items():
            setattr(row, name, text)
