"""The error services raise when input breaks a rule: its message is already translated."""

from __future__ import annotations

from flask_babel import gettext as _


class DomainError(Exception):
    """A rule of the domain refused the change; nothing was written.

    ``message`` is shown to the user as it is (translate it with ``_()`` when raising).
    ``field`` names the form field at fault, when there is one.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def clean_text(value: str | None, field: str, max_length: int, *,
               required: bool = True) -> str:
    """``value`` stripped; refused when longer than ``max_length``, or blank if ``required``."""
    text = (value or "").strip()
    if required and not text:
        raise DomainError(_("This field is required."), field=field)
    if len(text) > max_length:
        raise DomainError(_("Use at most %(max)d characters.", max=max_length), field=field)
    return text
