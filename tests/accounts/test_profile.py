"""The user's own profile and password."""

from __future__ import annotations

from lms.audit.models import AuditLog
from tests.accounts.helpers import NEW_PASSWORD, count_rows, user_by_email
from tests.conftest import csrf_token, login, page_text, submit
from tests.factories import PASSWORD, make_institution, make_user


def _details(user, **changes) -> dict:
    data = {"full_name": user.full_name, "locale": user.locale, "country": user.country or "",
            "institution_id": "", "gender": ""}
    data.update(changes)
    return data


def test_the_profile_needs_signing_in(client):
    response = client.get("/profile")

    assert response.status_code == 302
    assert response.location == "/login?next=%2Fprofile"


def test_the_profile_shows_the_email_without_letting_it_change(client):
    user = make_user(email="luis@example.org", full_name="Luis Gómez")
    login(client, user)

    response = client.get("/profile")

    html = response.get_data(as_text=True)
    assert "luis@example.org" in page_text(response)
    assert 'value="Luis Gómez"' in html
    assert 'name="email"' not in html
    assert "Exactly as it should be printed on your certificates." in page_text(response)


def test_saving_the_profile_changes_the_account_and_the_page_language(client, database):
    user = make_user(email="luis@example.org", locale="en", country="MX")
    make_institution("Zeta Police Academy")
    academy = make_institution("Alpha University", kind="university")
    login(client, user)
    page = page_text(client.get("/profile"))
    assert page.index("Alpha University") < page.index("Zeta Police Academy")

    response = submit(client, "/profile", _details(
        user, full_name="  Luis  Alberto Gómez ", locale="fr", country="AR",
        institution_id=str(academy.id), gender="male"))

    assert response.status_code == 302
    user = user_by_email(database, "luis@example.org")
    assert (user.full_name, user.locale, user.country, user.institution_id, user.gender) == (
        "Luis Alberto Gómez", "fr", "AR", academy.id, "male")
    page = client.get("/profile")
    assert '<html lang="fr">' in page.get_data(as_text=True)
    assert "Votre profil a été enregistré." in page_text(page)
    assert count_rows(database, AuditLog) == 1


def test_gender_and_institution_can_be_left_blank(client, database):
    academy = make_institution("Alpha University")
    user = make_user(email="luis@example.org", gender="female", institution_id=academy.id)
    login(client, user)
    html = client.get("/profile").get_data(as_text=True)
    assert '<option selected value="female">' in html
    assert f'<option selected value="{academy.id}">' in html

    response = submit(client, "/profile", _details(user))

    assert response.status_code == 302
    user = user_by_email(database, "luis@example.org")
    assert (user.gender, user.institution_id) == (None, None)


def test_an_invalid_profile_is_refused_and_changes_nothing(client, database):
    user = make_user(email="luis@example.org", full_name="Luis Gómez", country="MX")
    login(client, user)

    response = submit(client, "/profile", _details(user, full_name="Luis {Gómez}", country=""))

    assert response.status_code == 422
    text = page_text(response)
    assert "Your name cannot contain" in text
    assert "Choose your country." in text
    user = user_by_email(database, "luis@example.org")
    assert (user.full_name, user.country) == ("Luis Gómez", "MX")
    assert count_rows(database, AuditLog) == 0


def test_changing_the_password_needs_the_current_one(client, database):
    user = make_user(email="luis@example.org")
    login(client, user)

    response = submit(client, "/profile/password", {
        "current_password": "not my password", "new_password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD}, form_url="/profile")

    assert response.status_code == 422
    assert "Your current password is not correct." in page_text(response)
    assert user_by_email(database, "luis@example.org").check_password(PASSWORD)


def test_changing_the_password_follows_the_rules(client, database):
    user = make_user(email="luis@example.org")
    login(client, user)

    response = submit(client, "/profile/password", {
        "current_password": PASSWORD, "new_password": "short",
        "confirm_password": "short"}, form_url="/profile")

    assert response.status_code == 422
    assert "Choose a password of at least 10 characters." in page_text(response)
    assert user_by_email(database, "luis@example.org").check_password(PASSWORD)


def test_changing_the_password_signs_out_other_browsers_only(client, other_browser, database):
    user = make_user(email="luis@example.org")
    login(client, user)
    login(other_browser, user)

    response = submit(client, "/profile/password", {
        "current_password": PASSWORD, "new_password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD}, form_url="/profile", follow_redirects=True)

    assert "Your password has been changed." in page_text(response)
    assert client.get("/profile").status_code == 200
    assert other_browser.get("/profile").status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/profile")})
    assert submit(client, "/login", {"email": "luis@example.org",
                                     "password": PASSWORD}).status_code == 422
    login(client, user, password=NEW_PASSWORD)


def test_the_language_switcher_remembers_the_choice_on_the_account(client, database):
    user = make_user(email="luis@example.org", locale="en")
    login(client, user)

    client.post("/language", data={"lang": "pt", "next": "/profile",
                                   "csrf_token": csrf_token(client, "/profile")})

    assert user_by_email(database, "luis@example.org").locale == "pt"
