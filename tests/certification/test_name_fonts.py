"""Names are accepted only if the certificate fonts can print them."""

from __future__ import annotations

import pytest

from lms.kernel.glyphs import unprintable_characters
from tests.accounts.helpers import mailed_link_path, rows_written, user_by_email
from tests.conftest import login, page_text, submit
from tests.factories import make_user

PRINTABLE = [
    "Nguyễn Thị Minh Khai",          # Vietnamese
    "Łukasz Żółkiewski-Wróbel",      # Polish
    "Αλέξανδρος Παπαδόπουλος",       # Greek
    "Анна Сергеевна Кузнецова",      # Cyrillic
    "Çağrı Öztürk İşçi",             # Turkish
    "María José Pérez Núñez",        # Spanish accents
    "Zoë O’Brien-Dvořák",            # typographic apostrophe
]


def _profile(user, **changes) -> dict:
    data = {"full_name": user.full_name, "locale": user.locale, "country": user.country or "",
            "institution_id": "", "gender": ""}
    data.update(changes)
    return data


@pytest.mark.parametrize("name", PRINTABLE)
def test_latin_greek_and_cyrillic_names_are_printable(name):
    assert unprintable_characters(name) == []


@pytest.mark.parametrize(("name", "missing"), [
    ("王小明", ["王", "小", "明"]),
    ("Ana 😀 Ruiz", ["😀"]),
    ("דוד לוי", ["ד", "ו", "ל", "י"]),    # right-to-left scripts are not laid out
    ("محمد", ["م", "ح", "د"]),
])
def test_names_the_fonts_cannot_print_are_named_character_by_character(name, missing):
    assert unprintable_characters(name) == missing


@pytest.mark.parametrize("name", PRINTABLE)
def test_the_profile_accepts_printable_names(client, database, name):
    user = make_user(email="luis@example.org", full_name="Luis Gómez", country="MX")
    login(client, user)

    response = submit(client, "/profile", _profile(user, full_name=name))

    assert response.status_code == 302
    assert user_by_email(database, "luis@example.org").full_name == name


@pytest.mark.parametrize(("name", "shown"), [("王小明", "王 小 明"), ("Ana 😀 Ruiz", "😀")])
def test_the_profile_refuses_a_name_certificates_cannot_print(client, database, name, shown):
    user = make_user(email="luis@example.org", full_name="Luis Gómez", country="MX")
    login(client, user)
    before = rows_written(database)

    response = submit(client, "/profile", _profile(user, full_name=name))

    assert response.status_code == 422
    assert (f"Certificates cannot print these characters in a name: {shown}. "
            "Write your name in Latin, Greek or Cyrillic letters.") in page_text(response)
    assert user_by_email(database, "luis@example.org").full_name == "Luis Gómez"
    assert rows_written(database) == before


def test_registration_refuses_a_name_certificates_cannot_print(client, database):
    before = rows_written(database)

    response = submit(client, "/register", {
        "full_name": "李 Wei", "email": "wei@example.org", "password": "sunflower-harbour-42",
        "confirm": "sunflower-harbour-42", "locale": "en", "country": "CO"})

    assert response.status_code == 422
    assert "Certificates cannot print these characters in a name: 李." in page_text(response)
    assert rows_written(database) == before
    assert user_by_email(database, "wei@example.org") is None


def test_registration_accepts_a_vietnamese_name(client, database):
    response = submit(client, "/register", {
        "full_name": "Nguyễn Thị Minh Khai", "email": "khai@example.org",
        "password": "sunflower-harbour-42", "confirm": "sunflower-harbour-42",
        "locale": "en", "country": "CO"})

    assert response.status_code == 302
    submit(client, mailed_link_path())  # the account is created from the mailed link
    assert user_by_email(database, "khai@example.org").full_name == "Nguyễn Thị Minh Khai"
