"""One rule for people's and institutions' names, whichever way they enter the system
(the profile form, registration, the CSV import, ``lms create-user``, a certificate
correction): what the certificate cannot print, markup and control characters are refused."""

from __future__ import annotations

import pytest

from lms.accounts.models import Institution, User
from lms.errors import DomainError, clean_name


def _create_user(app, name: str, *args: str):
    return app.test_cli_runner().invoke(args=[
        "create-user", "--email", "cli.names@example.org", "--name", name,
        "--password", "a good long password", "--country", "MX", *args])


def _count(database, model) -> int:
    database.session.expire_all()
    return database.session.scalar(database.select(database.func.count()).select_from(model))


@pytest.mark.parametrize("body", ["<b>Comisión</b>", "Comisión\u202e", "Comisión 😀",
                                  "委员会", "Comisión\x07", "123"])
def test_the_cli_refuses_a_certifying_body_the_certificate_cannot_print(app, database, body):
    before = _count(database, User), _count(database, Institution)

    result = _create_user(app, "Carla Méndez", "--role", "officer", "--body", body)

    assert result.exit_code != 0
    assert "Error:" in result.output
    assert (_count(database, User), _count(database, Institution)) == before


@pytest.mark.parametrize("name", ["Carla 😀", "山田 花子", "Carla\u202e Méndez", "<b>Carla</b>"])
def test_the_cli_refuses_names_the_profile_refuses(app, database, name):
    before = _count(database, User)

    result = _create_user(app, name)

    assert result.exit_code != 0
    assert _count(database, User) == before


def test_a_certifying_body_name_is_stored_with_its_spaces_collapsed(app, database):
    result = _create_user(app, "Carla Méndez", "--role", "officer",
                          "--body", "  Comisión   Nacional ")

    assert result.exit_code == 0, result.output
    assert database.session.scalar(database.select(Institution.name)) == "Comisión Nacional"


@pytest.mark.parametrize(("value", "message"), [
    ("", "This field is required."), ("x" * 201, "at most 200"),
    ("<i>A</i>", "< > { }"), ("A\u200eB", "invisible"), ("2024", "must contain letters"),
    ("Ünïversité Łódź Δ Ж", None),
])
def test_clean_name(app, value, message):
    with app.test_request_context():
        if message is None:
            assert clean_name(value, "name", 200) == value
            return
        with pytest.raises(DomainError) as refused:
            clean_name(value, "name", 200)
        assert message in refused.value.message
