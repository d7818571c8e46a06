from decimal import Decimal

import pytest
from babel.numbers import format_decimal

from lms.i18n import decimal_formatter

VALUES = [Decimal("0"), Decimal("100"), Decimal("66.67"), Decimal("2.5"), Decimal("0.0005"),
          Decimal("12.3456"), Decimal("1234567.891"), Decimal("88.89"), 7, 1.25]


@pytest.mark.parametrize("locale", ["en", "es", "fr", "pt"])
def test_the_fast_formatter_writes_numbers_as_babel_does(locale):
    formatted = decimal_formatter(locale)
    assert [formatted(v) for v in VALUES] == [format_decimal(v, locale=locale) for v in VALUES]


def test_separators_follow_the_language():
    assert decimal_formatter("en")(Decimal("1234.5")) == "1,234.5"
    assert decimal_formatter("pt")(Decimal("1234.5")) == "1.234,5"
