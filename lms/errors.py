"""The error services raise when input breaks a rule: its message is already translated."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused the change; nothing was written.

    ``message`` is shown to the user as it is (translate it with ``_()`` when raising).
    ``field`` names the form field at fault, when there is one.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
