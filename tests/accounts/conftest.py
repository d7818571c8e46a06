"""Fixtures for the accounts tests."""

from __future__ import annotations

import pytest

from tests.conftest import new_browser


@pytest.fixture
def other_browser(app, database):
    """A second browser, with cookies of its own."""
    return new_browser(app)


@pytest.fixture
def registration() -> dict[str, str]:
    """A registration form as a visitor would fill it in."""
    return {"full_name": "María José  Pérez", "email": "maria.perez@example.org",
            "password": "sunflower-harbour-42", "confirm": "sunflower-harbour-42",
            "locale": "es", "country": "CO"}
