"""Certificate IDs: ``PREFIX-XXXX-XXXX-C``.

``PREFIX`` is the program's certificate prefix (2 to 6 capital letters), the eight
``X`` are 40 random bits written in Crockford base32, and ``C`` is Crockford's check
symbol: the 40-bit value modulo 37, written with the 32 base32 symbols and then
``*~$=U``. Because 37 is prime and larger than the alphabet, every single mistyped
character and every swap of two neighbouring characters of the body changes the
check, so a typo is answered "the check character does not match", never "not
found" (and never another holder's certificate).

Crockford base32 leaves out I, L, O and U; people reading an ID aloud or typing it
from paper confuse I and L with 1 and O with 0, so ``parse`` reads them as digits.
"""

from __future__ import annotations

import re
import secrets

from flask_babel import gettext as _

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_SYMBOLS = ALPHABET + "*~$=U"
BODY_LENGTH = 8
_VALUES = {symbol: value for value, symbol in enumerate(ALPHABET)}
_PREFIX = re.compile(r"^[A-Z]{2,6}$")
# Separators people type or paste: spaces of any kind, hyphens and dashes, dots.
_SEPARATORS = re.compile(r"[\s.\-\u2010-\u2015\u2212]+")
_LOOKALIKES = str.maketrans({"I": "1", "L": "1", "O": "0"})


class InvalidId(ValueError):  # noqa: N818 - the contract's name
    """Text that is not a certificate ID (``reason`` "format") or whose check
    character does not match (``reason`` "check")."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    @property
    def message(self) -> str:
        # Translated when read, so that it follows the locale of the request showing it.
        if self.reason == "check":
            return _("The check character does not match: the ID was probably mistyped.")
        return _("This is not a certificate ID: it should look like PRC-7K3M-Q9XD-K.")


def _encode(value: int) -> str:
    symbols = []
    for _position in range(BODY_LENGTH):
        symbols.append(ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(symbols))


def _decode(body: str) -> int:
    value = 0
    for symbol in body:
        value = (value << 5) | _VALUES[symbol]
    return value


def check_symbol(body: str) -> str:
    """The check symbol of an eight-symbol Crockford body."""
    return CHECK_SYMBOLS[_decode(body) % 37]


def _format(prefix: str, body: str, check: str) -> str:
    return f"{prefix}-{body[:4]}-{body[4:]}-{check}"


def new_code(prefix: str) -> str:
    """A fresh random ID for a program prefix, e.g. ``PRC-7K3M-Q9XD-K``."""
    if not _PREFIX.match(prefix):
        raise ValueError(f"certificate prefix must be 2 to 6 capital letters, not {prefix!r}")
    value = secrets.randbits(5 * BODY_LENGTH)
    return _format(prefix, _encode(value), CHECK_SYMBOLS[value % 37])


def parse(text: str) -> str:
    """The canonical form of a typed or pasted ID; raises ``InvalidId``.

    Case, spaces, hyphens and dots do not matter, and I, L and O in the body are
    read as 1, 1 and 0. Typed with separators, the first group is the prefix;
    typed without any, the last nine symbols are the body and the check.
    """
    if not isinstance(text, str):
        raise InvalidId("format")
    parts = [part for part in _SEPARATORS.split(text.upper()) if part]
    compact = "".join(parts)
    if not compact.isascii() or len(compact) < BODY_LENGTH + 3:
        raise InvalidId("format")
    if len(parts) > 1 and _PREFIX.match(parts[0]):
        # Typed with separators after the prefix: a missing symbol is then "not an
        # ID", rather than a prefix letter taken into the body and a check mismatch.
        prefix, rest = parts[0], "".join(parts[1:])
        if len(rest) != BODY_LENGTH + 1:
            raise InvalidId("format")
    else:
        prefix, rest = compact[:-(BODY_LENGTH + 1)], compact[-(BODY_LENGTH + 1):]
    rest = rest.translate(_LOOKALIKES)
    body, check = rest[:BODY_LENGTH], rest[BODY_LENGTH]
    if (not _PREFIX.match(prefix) or any(symbol not in _VALUES for symbol in body)
            or check not in CHECK_SYMBOLS):
        raise InvalidId("format")
    if check_symbol(body) != check:
        raise InvalidId("check")
    return _format(prefix, body, check)


def is_valid(text: str) -> bool:
    """Whether ``text`` parses as an ID with a matching check character."""
    try:
        parse(text)
    except InvalidId:
        return False
    return True
