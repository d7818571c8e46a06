"""Which characters a certificate can print in a person's or an institution's name.

The names we accept are the names the certificate's name font can print, so the
rule lives here, below every domain that checks a name; lms.certification.pdf
draws with the same font files.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

FONT_DIR = Path(__file__).with_name("fonts")
# The one font a holder's name is printed in.
NAME_FONT_FILE = "DejaVuSerif-Bold.ttf"


@cache
def _name_font_cmap() -> dict[int, int]:
    # Imported and parsed on the first name checked, not when the app starts.
    from reportlab.pdfbase.ttfonts import TTFontFace

    return TTFontFace(str(FONT_DIR / NAME_FONT_FILE)).charToGlyph


def unprintable_characters(text: str) -> list[str]:
    """The characters of ``text`` the certificate's name font has no glyph for.

    Each listed once, in order of appearance.
    """
    glyphs = _name_font_cmap()
    missing: list[str] = []
    for ch in text:
        if not glyphs.get(ord(ch)) and ch not in missing:
            missing.append(ch)
    return missing
