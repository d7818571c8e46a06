"""Small helpers every domain's views share."""

from __future__ import annotations

from flask import flash
from flask_babel import format_percent

from lms.errors import DomainError
from lms.web.input import int_arg

# A form that was sent and refused: the page again, with its errors.
UNPROCESSABLE = 422


def page_number() -> int:
    """The ``page`` query argument, at least 1; anything else, too large included, is 1."""
    return int_arg("page", 1, minimum=1) or 1


def show_refusal(form, error: DomainError) -> None:
    """Show a service's refusal next to its field, or as a message when it has none."""
    if form is not None and error.field and error.field in form:
        form[error.field].errors = [*form[error.field].errors, error.message]
    else:
        flash(error.message, "error")


def percent(value) -> str:
    """A stored percentage (0..100) in the reader's number format."""
    return format_percent(float(value) / 100, "#,##0.##%")
