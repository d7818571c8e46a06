"""Form fields used by several domains."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from lms.i18n import LANGUAGES, country_choices


class CountryField(SelectField):
    """ISO 3166 alpha-2 countries, named in the current language."""

    def __init__(self, label=None, validators=None, blank: bool = True, **kwargs):
        super().__init__(label, validators, **kwargs)
        self._blank = blank

    def iter_choices(self):
        self.choices = ([("", str(_l("Choose a country")))] if self._blank else []) + \
            country_choices()
        return super().iter_choices()

    def pre_validate(self, form):
        self.choices = ([("", "")] if self._blank else []) + country_choices()
        super().pre_validate(form)


class LanguageField(SelectField):
    """One of the four interface languages, each named in itself."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("choices", list(LANGUAGES.items()))
        super().__init__(label, validators, **kwargs)
