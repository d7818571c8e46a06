"""The es, fr and pt catalogs: complete, placeholders intact, compiled, current.

The strings are extracted from the sources here, the same way ``make i18n`` does,
so a string added to the code without updating the catalogs fails a test rather
than showing up in English on a Spanish page.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from lms.config import ROOT

LOCALES = ("es", "fr", "pt")
# The same keywords as EXTRACT_KEYWORDS in the Makefile.
EXTRA_KEYWORDS = ["_l", "lazy_gettext", "lazy_ngettext:1,2", "lazy_pgettext:1c,2"]

# A printf-style conversion, as Python's % operator reads it (Babel's own pattern).
_PLACEHOLDER = re.compile(r"""
    %
    (?:\((\w*)\))?            # optional name
    [-#0\ +]*(?:\*|\d+)?      # flags and width
    (?:\.(?:\*|\d+))?         # precision
    [hlL]?
    ([diouxXeEfFgGcrsa%])     # conversion
""", re.VERBOSE)


def po_path(locale: str) -> Path:
    return ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po"


def read_catalog(locale: str) -> Catalog:
    with po_path(locale).open("rb") as handle:
        return read_po(handle, locale=locale)


def label(message: Message) -> str:
    text = message.id if isinstance(message.id, str) else message.id[0]
    return f"{message.context}|{text}" if message.context else text


def forms(value: str | tuple | list) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def placeholders(text: str) -> Counter:
    """The conversions of ``text``: (name, type) pairs; ``%%`` is a literal, not one."""
    return Counter((name, kind) for name, kind in _PLACEHOLDER.findall(text) if kind != "%")


@cache
def source_messages() -> tuple[tuple[str | tuple[str, ...], str | None], ...]:
    """Every (msgid, context) marked in lms/ and templates/, extracted as pybabel does."""
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    keywords = dict(DEFAULT_KEYWORDS)
    keywords.update(parse_keywords(EXTRA_KEYWORDS))
    found = set()
    for _filename, _lineno, message, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords):
        found.add((message if isinstance(message, str) else tuple(message), context))
    return tuple(sorted(found, key=repr))


@pytest.fixture(params=LOCALES)
def locale(request) -> str:
    return request.param


@pytest.fixture
def catalog(locale) -> Catalog:
    assert po_path(locale).is_file(), f"{po_path(locale)} is missing: run `make i18n`"
    return read_catalog(locale)


def test_catalog_exists(locale):
    assert po_path(locale).is_file(), f"{po_path(locale)} is missing: run `make i18n`"


def test_every_message_is_translated_and_none_is_fuzzy(catalog, locale):
    assert not catalog.fuzzy, f"the {locale} catalog header is marked fuzzy"
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = forms(message.string)
        if message.fuzzy:
            problems.append(f"fuzzy: {label(message)}")
        elif not all(strings):
            problems.append(f"untranslated: {label(message)}")
        elif message.pluralizable and len(strings) != catalog.num_plurals:
            problems.append(f"{len(strings)} plural forms instead of {catalog.num_plurals}: "
                            f"{label(message)}")
    assert not problems, f"{len(problems)} in {locale}:\n" + "\n".join(problems[:40])


def test_translations_keep_exactly_the_placeholders(catalog, locale):
    problems = []
    for message in catalog:
        if not message.id:
            continue
        ids = forms(message.id)
        for index, translated in enumerate(forms(message.string)):
            if not translated:
                continue  # reported as untranslated by the test above
            found = placeholders(translated)
            if message.pluralizable:
                # The first form may follow the singular or the plural msgid (French
                # uses it for 0 and 1); every other form follows the plural msgid.
                allowed = [placeholders(ids[1])]
                if index == 0:
                    allowed.append(placeholders(ids[0]))
            else:
                allowed = [placeholders(ids[0])]
            if found not in allowed:
                problems.append(f"{label(message)!r} -> {translated!r}")
    assert not problems, f"placeholders changed in {locale}:\n" + "\n".join(problems[:40])


def _compiled_entries(catalog: Catalog) -> dict:
    """What ``pybabel compile`` writes for ``catalog``: translated, non-fuzzy messages."""
    entries = {}
    for message in catalog:
        if not message.id or not message.string or message.fuzzy:
            continue
        if message.pluralizable:
            ids = forms(message.id)
            value = tuple(text or ids[min(index, 1)]
                          for index, text in enumerate(forms(message.string)))
        else:
            value = message.string
        entries[(forms(message.id), message.context)] = value
    return entries


def _mo_entries(compiled: Catalog) -> dict:
    return {(forms(message.id), message.context): (
        tuple(message.string) if message.pluralizable else message.string)
        for message in compiled if message.id}


def test_compiled_catalog_is_current(catalog, locale):
    po = po_path(locale)
    mo = po.with_suffix(".mo")
    assert mo.is_file(), f"{mo} is missing: run `make translations`"
    assert mo.stat().st_mtime >= po.stat().st_mtime, f"{mo} is older than {po}"
    with mo.open("rb") as handle:
        compiled = read_mo(handle)
    expected, actual = _compiled_entries(catalog), _mo_entries(compiled)
    missing = sorted(str(key) for key in expected.keys() - actual.keys())
    extra = sorted(str(key) for key in actual.keys() - expected.keys())
    changed = sorted(str(key) for key in expected.keys() & actual.keys()
                     if expected[key] != actual[key])
    assert not (missing or extra or changed), (
        f"{mo} does not match {po}: missing {missing[:10]}, extra {extra[:10]}, "
        f"different {changed[:10]}")


def test_catalog_has_every_message_marked_in_the_sources(catalog, locale):
    # Keyed by the singular msgid: one entry serves gettext("x") and ngettext("x", ...).
    known = {(forms(message.id)[0], message.context) for message in catalog if message.id}
    absent = [f"{context}|{forms(msgid)[0]}" if context else forms(msgid)[0]
              for msgid, context in source_messages()
              if (forms(msgid)[0], context) not in known]
    assert not absent, (f"{len(absent)} strings are not in the {locale} catalog "
                        "(run `make i18n`, then translate):\n" + "\n".join(absent[:40]))


def test_extraction_finds_the_strings_of_python_and_templates():
    """Guards the test above: an extraction that found nothing would pass it."""
    ids = {forms(msgid)[0] for msgid, _context in source_messages()}
    assert "Training provider" in ids  # lazy_gettext in lms/accounts/models.py
    assert "Skip to content" in ids  # {{ _() }} in templates/base.html
