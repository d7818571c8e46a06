"""Helpers for the catalog tests."""

from __future__ import annotations

import pytest

from tests.conftest import new_browser


@pytest.fixture
def visitor(app, database):
    """A second browser, anonymous, next to ``client``."""
    return new_browser(app)
