from tests.factories import make_course, make_user


def test_home_page_is_served_in_the_browser_language(client):
    response = client.get("/", headers={"Accept-Language": "es-MX,es;q=0.9"})
    assert response.status_code == 200
    assert '<html lang="es">' in response.get_data(as_text=True)


def test_rows_written_by_one_test_are_gone_in_the_next(database):
    from lms.accounts.models import User

    make_user(email="isolated@example.org")
    make_course()
    assert database.session.scalar(database.select(database.func.count(User.id))) == 1


def test_previous_test_left_nothing(database):
    from lms.accounts.models import User

    assert database.session.scalar(database.select(database.func.count(User.id))) == 0
