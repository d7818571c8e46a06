"""Pages viewed in Spanish, French or Portuguese show no English interface text.

Every English message of the catalogs that is translated differently is looked
for in the visible text of the main pages, as each role sees them.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.conftest import login, page_text
from tests.web.conftest import World

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")

PAGES = {
    "anonymous": ["/", "/login", "/register", "/reset", "/courses", "/courses/{code}",
                  "/verify", "/verify/{certificate}"],
    "trainee": ["/", "/dashboard", "/profile", "/courses/{code}", "/cohorts/{cohort}",
                "/cohorts/{cohort}/lessons/{lesson}", "/tracks", "/tracks/{track}",
                "/certificates"],
    "instructor": ["/", "/cohorts/{cohort}/competencies",
                   "/cohorts/{cohort}/competencies/{enrolment}", "/supervision"],
    "coordinator": ["/", "/teaching", "/cohorts/{cohort}/roster", "/manage/courses",
                    "/manage/programs", "/manage/programs/{program}", "/manage/courses/new",
                    "/manage/courses/{course}", "/manage/modules/{module}",
                    "/manage/lessons/{lesson}", "/manage/courses/{course}/cohorts/new",
                    "/manage/cohorts/{cohort}", "/manage/import", "/manage/frameworks",
                    "/manage/frameworks/{framework}", "/manage/competencies/{competency}",
                    "/manage/assessments/{observation}/competencies", "/manage/tracks",
                    "/manage/tracks/{track}", "/manage/tracks/{track}/roster"],
    "officer": ["/", "/certify", "/certify/tracks/{track}", "/certify/certificates",
                "/certify/certificates/{certificate}"],
}


@cache
def english_phrases(locale: str) -> tuple[str, ...]:
    """English texts (the parts between placeholders) whose translation differs."""
    path = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    phrases = set()
    for message in catalog:
        if not message.id or message.pluralizable:
            continue
        if not message.string or message.string == message.id:
            continue
        for part in PLACEHOLDER.split(message.id):
            part = part.strip(" .:,")
            # Short words ("Email", "Total") exist in several languages alike.
            if len(part) >= 14 and " " in part:
                phrases.add(part)
    return tuple(sorted(phrases))


@cache
def _as_words(phrase: str) -> re.Pattern:
    # Whole words only: French "Signature valide" is not English "Signature valid".
    return re.compile(r"(?<!\w)" + re.escape(phrase) + r"(?!\w)")


@pytest.mark.parametrize("locale", ["es", "fr", "pt"])
@pytest.mark.parametrize("role", sorted(PAGES))
def test_pages_show_no_english_in_other_languages(client, database, world: World, role,
                                                   locale):
    if role != "anonymous":
        user = world.users[role]
        user.locale = locale
        database.session.flush()
        login(client, user)
    headers = {"Accept-Language": locale}
    leftovers = []
    for template in PAGES[role]:
        url = template.format(**world.ids)
        response = client.get(url, headers=headers)
        assert response.status_code == 200, url
        text = page_text(response)
        assert f'<html lang="{locale}">' in response.get_data(as_text=True)
        leftovers += [f"{url}: {phrase!r}" for phrase in english_phrases(locale)
                      if phrase in text and _as_words(phrase).search(text)]
    assert not leftovers, "English left over:\n" + "\n".join(leftovers)
