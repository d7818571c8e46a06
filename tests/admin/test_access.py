"""Only administrators reach /admin: every rule of the URL map under it is checked."""

from __future__ import annotations

import re

import pytest

from tests.conftest import sign_in_quickly
from tests.factories import (
    make_coordinator,
    make_institution,
    make_officer,
    make_program,
    make_user,
)


def _admin_urls(app) -> list[tuple[str, str]]:
    """(method, url) of every rule under /admin, its ids filled with 1."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin"):
            continue
        url = re.sub(r"<[^>]+>", "1", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((method, url))
    return found


def test_there_are_administration_screens(app):
    urls = {url for _method, url in _admin_urls(app)}
    assert {"/admin", "/admin/users", "/admin/institutions", "/admin/programs",
            "/admin/audit"} <= urls


@pytest.mark.parametrize("role", ["trainee", "coordinator", "officer"])
def test_everyone_but_administrators_is_refused_every_admin_url(app, client, database, role):
    if role == "coordinator":
        user = make_coordinator(make_program())
    elif role == "officer":
        user = make_officer(make_institution(kind="certifying_body"))
    else:
        user = make_user()
    sign_in_quickly(client, user)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                      client.get("/profile").get_data(as_text=True)).group(1)
    for method, url in _admin_urls(app):
        response = client.open(url, method=method, data={"csrf_token": token})
        assert response.status_code == 403, (method, url, response.status_code)


def test_anonymous_visitors_are_sent_to_sign_in(app, client, database):
    for method, url in _admin_urls(app):
        if method == "GET":
            response = client.get(url)
            assert response.status_code == 302, url
            assert "/login" in response.headers["Location"]


def test_the_navigation_links_administrators_to_the_administration(client, admin):
    sign_in_quickly(client, admin)
    home = client.get("/profile").get_data(as_text=True)
    assert 'href="/admin"' in home
    index = client.get("/admin").get_data(as_text=True)
    for url in ("/admin/users", "/admin/institutions", "/admin/programs", "/admin/audit",
                "/admin/sessions"):
        assert f'href="{url}"' in index


def test_others_see_no_administration_link(client, database):
    sign_in_quickly(client, make_coordinator(make_program()))
    assert 'href="/admin"' not in client.get("/profile").get_data(as_text=True)
