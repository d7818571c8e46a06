"""Form fields used by several domains."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import wtforms
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import StopValidation

from lms.i18n import LANGUAGES, country_choices
from lms.web.input import MAX_INT

# Dates the app stores: anything outside is a typing slip (0001 for 2001) or an attack.
FIRST_DATE = date(1900, 1, 1)
LAST_DATE = date(2100, 12, 31)
# No number a form takes comes near this; every Numeric column holds it.
MAX_DECIMAL = Decimal("1e11")
# WTForms' own sentences, translated by its catalogs (self.gettext), as its fields say them.
_NOT_AN_INTEGER = "Not a valid integer value."
_NOT_A_DECIMAL = "Not a valid decimal value."
_NOT_A_DATETIME = "Not a valid datetime value."


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


class _StopOnProcessError:
    """A field whose parsing error stands alone: its validators (DataRequired would
    replace it with "This field is required") do not run on a value that did not parse."""

    def pre_validate(self, form) -> None:
        super().pre_validate(form)
        if self.process_errors:
            raise StopValidation()


def _text(valuelist) -> str:
    return valuelist[0].strip() if valuelist and isinstance(valuelist[0], str) else ""


class IntegerField(_StopOnProcessError, wtforms.IntegerField):
    """A whole number a database integer holds; blank is None (for ``Optional``)."""

    def process_formdata(self, valuelist) -> None:
        self.data = None
        text = _text(valuelist)
        if not text:
            return
        try:
            number = int(text)
        except ValueError:
            raise ValueError(self.gettext(_NOT_AN_INTEGER)) from None
        if not -MAX_INT <= number <= MAX_INT:
            raise ValueError(_("This number is too large."))
        self.data = number


class DecimalField(_StopOnProcessError, wtforms.DecimalField):
    """A finite number of sane size (no NaN, no Infinity, no 1e999); blank is None."""

    def process_formdata(self, valuelist) -> None:
        self.data = None
        text = _text(valuelist)
        if not text:
            return
        try:
            number = Decimal(text)
        except (InvalidOperation, ValueError):
            raise ValueError(self.gettext(_NOT_A_DECIMAL)) from None
        if not number.is_finite():  # NaN, Infinity
            raise ValueError(self.gettext(_NOT_A_DECIMAL))
        if number.copy_abs() >= MAX_DECIMAL:  # abs() would overflow on 1e999999999
            raise ValueError(_("This number is too large."))
        self.data = number


class DateField(_StopOnProcessError, wtforms.DateField):
    """A date (YYYY-MM-DD) between 1900-01-01 and 2100-12-31; blank is None."""

    def process_formdata(self, valuelist) -> None:
        self.data = None
        text = " ".join(v for v in valuelist or [] if isinstance(v, str)).strip()
        if not text:
            return
        try:
            value = datetime.strptime(text, "%Y-%m-%d").date()
        except ValueError:
            raise ValueError(_("Not a valid date: write it as YYYY-MM-DD, such as "
                               "2026-03-31.")) from None
        if not FIRST_DATE <= value <= LAST_DATE:
            raise ValueError(_("Enter a date between %(first)s and %(last)s.",
                               first=format_date(FIRST_DATE), last=format_date(LAST_DATE)))
        self.data = value

    def _value(self) -> str:
        # ISO, four-digit years, whatever strftime does with small years.
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.isoformat() if isinstance(self.data, date) else ""


class DateTimeLocalField(_StopOnProcessError, wtforms.DateTimeLocalField):
    """A date and time (as a browser's datetime-local sends it) between 1900 and 2100."""

    def process_formdata(self, valuelist) -> None:
        if not _text(valuelist):
            self.data = None
            return
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(self.gettext(_NOT_A_DATETIME)) from None
        if self.data is not None and not FIRST_DATE <= self.data.date() <= LAST_DATE:
            self.data = None
            raise ValueError(_("Enter a date between %(first)s and %(last)s.",
                               first=format_date(FIRST_DATE), last=format_date(LAST_DATE)))
