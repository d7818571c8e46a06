"""Fixtures for the administration tests: an administrator signed in."""

from __future__ import annotations

import pytest

from tests.conftest import sign_in_quickly
from tests.factories import make_user


@pytest.fixture
def admin(database):
    return make_user(email="root@example.org", full_name="Ana Administradora", admin=True)


@pytest.fixture
def admin_client(client, admin):
    sign_in_quickly(client, admin)
    return client
