"""The fonts every PDF of the app draws with (DejaVu), registered with reportlab once per
process.

reportlab keeps one font object per typeface for the whole process: a name registered
for a typeface it already knows is given the object registered first. When the reports
and the certificates each registered DejaVu Sans under their own name, both drew with
whichever came first, so a certificate drawn after a report's chart was not the bytes a
fresh process drew (its glyphs numbered as drawn, its font files whole). Every PDF now
draws with these names, and every subset is cut, slimmed and compressed the same way.
"""

from __future__ import annotations

import struct
import zlib
from functools import cache, lru_cache

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from lms.kernel import glyphs

SANS, SANS_BOLD, SERIF, SERIF_BOLD = ("LMS-DejaVuSans", "LMS-DejaVuSans-Bold",
                                      "LMS-DejaVuSerif", "LMS-DejaVuSerif-Bold")
FILES = {SANS: "DejaVuSans.ttf", SANS_BOLD: "DejaVuSans-Bold.ttf",
         SERIF: "DejaVuSerif.ttf", SERIF_BOLD: glyphs.NAME_FONT_FILE}


@cache
def registered() -> dict[str, TTFont]:
    """Load and register the fonts, once per process: {name: font}."""
    fonts = {}
    for name, filename in FILES.items():
        # asciiReadable=False: subsets hold only the glyphs drawn, which keeps the
        # file small and subsetting quick.
        font = TTFont(name, str(glyphs.FONT_DIR / filename), asciiReadable=False)
        _cache_subsets(font)
        pdfmetrics.registerFont(font)
        # The object reportlab draws with under this name (the first registered, should
        # two threads get here at once): the one a certificate seeds its subsets in.
        fonts[name] = pdfmetrics.getFont(name)
    # Paragraphs with <b> find the bold face.
    for family, bold in ((SANS, SANS_BOLD), (SERIF, SERIF_BOLD)):
        addMapping(family, 0, 0, family)
        addMapping(family, 1, 0, bold)
        addMapping(family, 0, 1, family)
        addMapping(family, 1, 1, bold)
    return fonts


def _cache_subsets(font: TTFont) -> None:
    """Memoise cutting and compressing font subsets: the same glyphs give the same bytes.

    Most of a render's time would go there; headings, labels and dates repeat from
    one certificate to the next, and ``lms.certification.pdf`` assigns glyphs in sorted
    order (its ``_seed_subsets``) so that their subsets repeat too.
    """
    face = font.face
    make = face.makeSubset
    add_objects = face.addSubsetObjects

    # Bounded: a subset is ~20 KB, and the name font's subsets rarely repeat.
    @lru_cache(maxsize=64)
    def cached(subset: tuple[int, ...]) -> bytes:
        return make(list(subset))

    def add_subset_objects(doc, fontname, subset):
        reference = add_objects(doc, fontname, subset)
        stream = doc.idToObject.get(f"fontFile:{face.filename}({fontname})")
        if stream is not None and stream.filters:
            stream.filters = [_CACHED_FLATE]
        return reference

    face.makeSubset = lambda subset: cached(tuple(subset))
    # makeSubset copies the name table whole; without the licence's full text (the
    # copyright and the licence URL stay) each embedded font is 3-4 KB smaller.
    slim_name = _without_licence_text(face.get_table("name"))
    get_table = face.get_table
    face.get_table = lambda tag: slim_name if tag == "name" else get_table(tag)
    face.addSubsetObjects = add_subset_objects


def _without_licence_text(table: bytes) -> bytes:
    """A TrueType name table (format 0) without its licence description records (13)."""
    _format, count, storage = struct.unpack(">HHH", table[:6])
    records = [struct.unpack(">6H", table[6 + 12 * i:18 + 12 * i]) for i in range(count)]
    kept, strings = [], b""
    for platform, encoding, language, name_id, length, offset in records:
        if name_id == 13:
            continue
        value = table[storage + offset:storage + offset + length]
        kept.append(struct.pack(">6H", platform, encoding, language, name_id, length,
                                len(strings)))
        strings += value
    header = struct.pack(">HHH", 0, len(kept), 6 + 12 * len(kept))
    return header + b"".join(kept) + strings


class _CachedFlate:
    """reportlab's Flate filter, remembering its last results (font subsets repeat)."""

    pdfname = "FlateDecode"

    @staticmethod
    @lru_cache(maxsize=256)
    def encode(content: bytes) -> bytes:
        return zlib.compress(content)


_CACHED_FLATE = _CachedFlate()
