"""The certificate PDF: drawn with reportlab from a certificate's snapshot.

Everything printed comes from the snapshot (already formatted per language), never
from live rows or the translation catalogs, and the output is deterministic: the
same snapshot, credential and language give the same bytes, so an uploaded PDF can
be compared byte for byte with a fresh render. The signed credential (VC-JWT) rides
along as the attached file ``credential.jwt``, the page's associated source file.

The file is archival PDF/A-3b (``lms.certification.pdfa``: XMP metadata, an sRGB
output intent; every font is embedded). The PAdES signature is added afterwards,
as the last incremental update (``lms.certification.signed_pdfs``).
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from functools import lru_cache

import segno
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from lms.certification import pdfa
from lms.kernel import fonts

ATTACHMENT_NAME = "credential.jwt"
ATTACHMENT_TYPE = "application/vc+jwt"

SANS, SANS_BOLD, SERIF, SERIF_BOLD = fonts.SANS, fonts.SANS_BOLD, fonts.SERIF, fonts.SERIF_BOLD
# The holder's name is printed in this font only: the names we accept are the
# names it can print (see lms.kernel.glyphs).
NAME_FONT = SERIF_BOLD

PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)
MARGIN = 72.0  # left and right edge of the text block
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN
CENTRE = PAGE_WIDTH / 2

INK = Color(0.11, 0.16, 0.25)       # dark navy: text
MUTED = Color(0.33, 0.36, 0.42)     # secondary lines
ACCENT = Color(0.58, 0.45, 0.20)    # muted gold: rules and border

QR_SIZE = 96.0
QR_RIGHT = PAGE_WIDTH - 52.0   # right edge of the QR code
QR_BOTTOM = 66.0
BOTTOM_TOP = 176.0             # the bottom block (dates, ID, QR) lies below this line

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- layout helpers


def _width(text: str, font: str, size: float) -> float:
    return pdfmetrics.stringWidth(text, font, size)


def _fit_size(text: str, font: str, size: float, width: float, smallest: float) -> float:
    """The largest size not above ``size`` at which ``text`` fits ``width`` on one line."""
    natural = _width(text, font, size)
    if natural <= width:
        return size
    return max(smallest, size * width / natural)


def _centred_lines(canvas: Canvas, text: str, font: str, size: float, y: float,
                   *, width: float = TEXT_WIDTH, smallest: float | None = None,
                   max_lines: int = 2, leading: float = 1.25) -> float:
    """Draw ``text`` centred, shrinking then wrapping to fit; return the y below it."""
    smallest = smallest or size * 0.7
    size = _fit_size(text, font, size, width, smallest)
    lines = simpleSplit(text, font, size, width) or [""]
    while len(lines) > max_lines and size > 5:
        size -= 0.5
        lines = simpleSplit(text, font, size, width)
    canvas.setFont(font, size)
    for line in lines:
        canvas.drawCentredString(CENTRE, y, line)
        y -= size * leading
    return y


@dataclass(frozen=True)
class _Columns:
    size: float
    leading: float
    columns: list[list[list[str]]]  # column → item → wrapped lines
    column_width: float


def _competency_columns(items: list[str], height: float) -> _Columns:
    """Lay out every competency in ``height``: one to three columns, shrinking the type.

    Every item is printed, however many there are (no "and N more").
    """
    gap = 18.0
    size = 9.5
    while True:
        leading = size * 1.22
        for count in (1, 2, 3):
            width = (TEXT_WIDTH - gap * (count - 1)) / count
            wrapped = [simpleSplit(item, SANS, size, width - size) or [""] for item in items]
            columns = _balance(wrapped, count)
            tallest = max(sum(len(item) for item in column) for column in columns)
            if tallest * leading <= height or size <= 2.5:
                return _Columns(size, leading, columns, width + gap)
        size -= 0.5


def _balance(wrapped: list[list[str]], count: int) -> list[list[list[str]]]:
    """Split items, in order, into ``count`` columns of about the same number of lines."""
    total = sum(len(item) for item in wrapped)
    target = -(-total // count)
    columns: list[list[list[str]]] = [[]]
    lines = 0
    for item in wrapped:
        if lines and lines + len(item) > target and len(columns) < count:
            columns.append([])
            lines = 0
        columns[-1].append(item)
        lines += len(item)
    return columns


# ---------------------------------------------------------------- drawing


def _draw_border(canvas: Canvas) -> None:
    canvas.setStrokeColor(ACCENT)
    canvas.setLineWidth(2.4)
    canvas.rect(20, 20, PAGE_WIDTH - 40, PAGE_HEIGHT - 40, stroke=1, fill=0)
    canvas.setLineWidth(0.7)
    canvas.rect(27, 27, PAGE_WIDTH - 54, PAGE_HEIGHT - 54, stroke=1, fill=0)


@lru_cache(maxsize=256)
def _qr_operators(url: str) -> tuple[int, str]:
    """The QR code of ``url`` as PDF path operators in module units, and its size.

    Choosing the mask is the slow part of making a QR code; the same certificate is
    often rendered in several languages, hence the cache.
    """
    matrix = segno.make(url, error="m").matrix
    modules = len(matrix)
    rects = []
    for row, cells in enumerate(matrix):
        y = modules - 1 - row
        col = 0
        while col < modules:
            if cells[col]:
                start = col
                while col < modules and cells[col]:
                    col += 1
                rects.append(f"{start} {y} {col - start} 1 re")
            else:
                col += 1
    return modules, "\n".join([*rects, "f"])


def _draw_qr(canvas: Canvas, url: str) -> None:
    """The verify URL as a vector QR code: one filled rectangle per run of dark modules."""
    modules, operators = _qr_operators(url)
    step = QR_SIZE / modules
    canvas.saveState()
    canvas.setFillColor(INK)
    canvas.transform(step, 0, 0, step, QR_RIGHT - QR_SIZE, QR_BOTTOM)
    canvas.addLiteral(operators)
    canvas.restoreState()


def _draw_page(canvas: Canvas, snapshot: dict, text: dict) -> None:
    _draw_border(canvas)
    canvas.setFillColor(MUTED)
    y = _centred_lines(canvas, text["program"], SANS, 9.5, PAGE_HEIGHT - 62, max_lines=2)

    canvas.setFillColor(INK)
    y = _centred_lines(canvas, text["heading"], SERIF_BOLD, 28, min(y - 26, 500), max_lines=1)
    y = _centred_lines(canvas, text["certifies"], SERIF, 12.5, y - 4, max_lines=2)

    name = snapshot["holder_name"]
    name_size = _fit_size(name, NAME_FONT, 28, TEXT_WIDTH, 14)
    y -= name_size * 0.55
    y = _centred_lines(canvas, name, NAME_FONT, name_size, y, smallest=14, max_lines=2,
                       leading=1.15)
    # A rule under the name, clear of its descenders whatever size the name got.
    rule = y + name_size * 1.15 - 10
    canvas.setStrokeColor(ACCENT)
    canvas.setLineWidth(0.8)
    canvas.line(CENTRE - 190, rule, CENTRE + 190, rule)

    y = _centred_lines(canvas, text["achievement"], SERIF, 12.5, rule - 17, max_lines=2)
    y = _centred_lines(canvas, text["title"], SERIF_BOLD, 17, y - 4, smallest=12, max_lines=2)
    canvas.setFillColor(MUTED)
    y = _centred_lines(canvas, text["description"], SANS, 9, y - 2, max_lines=4,
                       smallest=7.5, leading=1.3)

    canvas.setFillColor(INK)
    competencies = [str(item) for item in text.get("competencies") or []]
    if competencies:
        y = _centred_lines(canvas, text["competencies_heading"], SANS_BOLD, 10, y - 8,
                           max_lines=1)
        _draw_competencies(canvas, competencies, y + 3, BOTTOM_TOP + 6)

    _draw_bottom(canvas, snapshot, text)


def _draw_competencies(canvas: Canvas, items: list[str], top: float, bottom: float) -> None:
    layout = _competency_columns(items, max(top - bottom, 20.0))
    canvas.setFont(SANS, layout.size)
    left = MARGIN
    if len(layout.columns) == 1:  # a short list sits centred under its heading
        widest = max(_width(line, SANS, layout.size) for item in layout.columns[0]
                     for line in item)
        left = CENTRE - widest / 2
    for index, column in enumerate(layout.columns):
        x = left + index * layout.column_width
        y = top - layout.leading
        for item in column:
            for number, line in enumerate(item):
                # Continuation lines hang under the first, so each item reads as one.
                canvas.drawString(x + (layout.size if number else 0), y, line)
                y -= layout.leading


def _draw_bottom(canvas: Canvas, snapshot: dict, text: dict) -> None:
    canvas.setStrokeColor(ACCENT)
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN, BOTTOM_TOP, PAGE_WIDTH - MARGIN, BOTTOM_TOP)

    # Left: hours, dates, issuer.
    canvas.setFillColor(INK)
    y = BOTTOM_TOP - 26
    details = [text["hours"], text["issued"], text["validity"]]
    for line in details:
        canvas.setFont(SANS, 10)
        canvas.drawString(MARGIN, y, line)
        y -= 15
    issuer_width = 330.0
    size = 10.0
    lines = simpleSplit(text["issuer"], SANS, size, issuer_width)
    while len(lines) > 3 and size > 6:
        size -= 0.5
        lines = simpleSplit(text["issuer"], SANS, size, issuer_width)
    canvas.setFont(SANS, size)
    for line in lines:
        canvas.drawString(MARGIN, y, line)
        y -= size * 1.3

    # Middle: the certificate ID, large enough to read out on the phone.
    id_centre = (MARGIN + issuer_width + QR_RIGHT - QR_SIZE) / 2 + 10
    canvas.setFillColor(MUTED)
    canvas.setFont(SANS, 9)
    canvas.drawCentredString(id_centre, BOTTOM_TOP - 70, text["id_label"])
    canvas.setFillColor(INK)
    code_size = _fit_size(snapshot["code"], SANS_BOLD, 17, 200, 10)
    canvas.setFont(SANS_BOLD, code_size)
    canvas.drawCentredString(id_centre, BOTTOM_TOP - 92, snapshot["code"])

    # Right: QR code with the verify URL under it.
    _draw_qr(canvas, snapshot["verify_url"])
    canvas.setFillColor(MUTED)
    label_size = _fit_size(text["verify_label"], SANS, 7.5, 230, 5)
    canvas.setFont(SANS, label_size)
    canvas.drawRightString(QR_RIGHT, QR_BOTTOM - 11, text["verify_label"])
    url_size = _fit_size(snapshot["verify_url"], SANS, 7.5, 240, 4)
    canvas.setFont(SANS, url_size)
    canvas.drawRightString(QR_RIGHT, QR_BOTTOM - 21, snapshot["verify_url"])


# ---------------------------------------------------------------- the document


# Characters of certificate IDs: given their glyphs up front, the ID's random
# characters do not change the font subsets from one certificate to the next.
_ID_CHARACTERS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ-"


def _seed_subsets(canvas: Canvas, snapshot: dict, text: dict) -> None:
    """Give each font, in sorted order, the characters it will draw.

    reportlab numbers glyphs in order of first use; sorted, a subset depends only on
    the set of characters, so it repeats (and its cache hits) across certificates.
    A string missing here still prints: its new characters are numbered as drawn.
    """
    sans = [text["program"], text["description"], *text.get("competencies", []),
            text["hours"], text["issued"], text["validity"], text["issuer"],
            text["id_label"], text["verify_label"], snapshot["verify_url"], _ID_CHARACTERS]
    by_font = {
        SANS: sans,
        SANS_BOLD: [text["competencies_heading"], snapshot["code"], _ID_CHARACTERS],
        SERIF: [text["certifies"], text["achievement"]],
        SERIF_BOLD: [text["heading"], snapshot["holder_name"], text["title"]],
    }
    registered = fonts.registered()
    for name, strings in by_font.items():
        characters = "".join(sorted(set("".join(str(item) for item in strings))))
        registered[name].splitString(characters, canvas._doc)


def _compress_page(canvas: Canvas) -> None:
    """Flate-compress the page stream only: reportlab would also ASCII85-encode it.

    ASCII85 makes the stream a quarter larger and costs time, for 7-bit safety that
    a binary PDF download does not need.
    """
    page = canvas._doc.Pages.pages[-1]
    page.Contents = pdfdoc.PDFStream(content=page.stream, filters=[pdfdoc.PDFZCompress])


def _name(value: str) -> str:
    """A PDF name; reportlab leaves "/" unescaped, which would end the name early."""
    return pdfdoc.PDFName(value).replace("/", "#2F").replace("#2F", "/", 1)


def _attach_credential(canvas: Canvas, credential_jwt: str) -> None:
    """Attach the JWT as ``credential.jwt`` (EmbeddedFiles name tree, AF entry)."""
    doc = canvas._doc
    data = credential_jwt.encode("ascii")
    stream = pdfdoc.PDFStream(
        pdfdoc.PDFDictionary({"Type": pdfdoc.PDFName("EmbeddedFile"),
                              "Subtype": _name(ATTACHMENT_TYPE),
                              "Params": pdfdoc.PDFDictionary({
                                  "Size": len(data),
                                  # PDF/A-3 asks for the attachment's date; the
                                  # document's own (fixed) date keeps the bytes stable.
                                  "ModDate": pdfdoc.PDFDate(ts=doc._timeStamp,
                                                            dateFormatter=None),
                                  # The PDF checksum (MD5 of the file): lets the reader tell
                                  # a damaged attachment from the credential.
                                  "CheckSum": pdfdoc.PDFText(
                                      hashlib.md5(data, usedforsecurity=False).digest(),
                                      enc="raw")})}),
        content=data, filters=[pdfdoc.PDFZCompress])
    stream_ref = doc.Reference(stream)
    spec = pdfdoc.PDFDictionary({
        "Type": pdfdoc.PDFName("Filespec"),
        "F": pdfdoc.PDFString(ATTACHMENT_NAME),
        "UF": pdfdoc.PDFString(ATTACHMENT_NAME),
        "Desc": pdfdoc.PDFString("Signed credential (Open Badges 3.0, VC-JWT)"),
        # Source: the credential is what the printed page was made from (PDF/A-3).
        "AFRelationship": pdfdoc.PDFName("Source"),
        "EF": pdfdoc.PDFDictionary({"F": stream_ref, "UF": stream_ref}),
    })
    spec_ref = doc.Reference(spec)
    catalog = doc.Catalog
    catalog.Names = pdfdoc.PDFDictionary({"EmbeddedFiles": pdfdoc.PDFDictionary(
        {"Names": pdfdoc.PDFArray([pdfdoc.PDFString(ATTACHMENT_NAME), spec_ref])})})
    # The catalog writes only the keys it knows; AF (associated files) is not one.
    catalog.__NoDefault__ = [*catalog.__NoDefault__, "AF"]
    catalog.AF = pdfdoc.PDFArray([spec_ref])


def _make_archival(canvas: Canvas, language: str) -> None:
    """PDF/A-3b: XMP metadata repeating the Info entries, and an sRGB output intent."""
    doc = canvas._doc
    info = doc.info
    # The Info dictionary's dates, exactly as reportlab will write them.
    date = str(pdfdoc.PDFDate(ts=doc._timeStamp, dateFormatter=info._dateFormatter)
               .format(doc), "latin-1").strip("()")
    packet = pdfa.xmp(title=info.title, author=info.author, subject=info.subject,
                      creator=info.creator, producer=info.producer, keywords=info.keywords,
                      date=date, language=language)
    catalog = doc.Catalog
    catalog.Metadata = pdfa.metadata_stream(doc, packet)
    catalog.__NoDefault__ = [*catalog.__NoDefault__, "OutputIntents"]
    catalog.OutputIntents = pdfa.output_intents(doc)


class _Text(dict):
    """The snapshot's strings in one language; a field it lacks prints as nothing."""

    def __missing__(self, key: str) -> str:
        return ""


def render_pdf(snapshot: dict, credential_jwt: str, language: str) -> bytes:
    """The certificate as a one-page A4 landscape PDF in ``language``.

    Deterministic: fixed dates and document ID (reportlab's invariant mode) and
    subset names that depend only on the glyphs drawn.
    """
    assert fonts.registered()
    text = _Text({key: value if isinstance(value, list) else "" if value is None else str(value)
                  for key, value in snapshot["text"][language].items()})
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), invariant=1,
                    pageCompression=1, lang=language, initialFontName=SANS)
    canvas.setTitle(f"{text['heading']}: {snapshot['holder_name']}")
    canvas.setSubject(text["title"])
    canvas.setAuthor(snapshot.get("issuer", {}).get("name") or "")
    canvas.setCreator(text["id_label"] + " " + snapshot["code"])
    _seed_subsets(canvas, snapshot, text)
    _draw_page(canvas, snapshot, text)
    canvas.showPage()
    _compress_page(canvas)
    _attach_credential(canvas, credential_jwt)
    _make_archival(canvas, language)
    canvas.save()
    return buffer.getvalue()


# ---------------------------------------------------------------- reading back


def _reader(pdf_bytes: bytes):
    from pypdf import PdfReader

    return PdfReader(io.BytesIO(pdf_bytes), strict=False)


def extract_credential(pdf_bytes: bytes) -> str | None:
    """The attached ``credential.jwt``, or None (not a PDF, damaged, or no attachment)."""
    if not isinstance(pdf_bytes, bytes | bytearray) or pdf_bytes.lstrip()[:5] != b"%PDF-":
        return None
    try:
        names = _reader(bytes(pdf_bytes)).trailer["/Root"]["/Names"]["/EmbeddedFiles"]
        spec = _find_name(names, ATTACHMENT_NAME)
        if spec is None:
            return None
        stream = spec["/EF"]["/F"].get_object()
        data = stream.get_data()
        checksum = stream.get("/Params", {}).get("/CheckSum")
        if checksum is not None:
            # pypdf may read the 16 bytes as text; original_bytes has them as written.
            raw = getattr(checksum, "original_bytes", checksum)
            if bytes(raw) != hashlib.md5(data, usedforsecurity=False).digest():
                return None
        return data.decode("ascii").strip() or None
    except Exception:  # a damaged upload may fail anywhere inside the parser
        log.debug("no credential readable in an uploaded PDF", exc_info=True)
        return None


def _find_name(node, name: str, depth: int = 0):
    """The value for ``name`` in a PDF name tree (flat or with kids), or None."""
    node = node.get_object()
    pairs = node.get("/Names") or []
    for index in range(0, len(pairs) - 1, 2):
        if str(pairs[index]) == name:
            return pairs[index + 1].get_object()
    if depth < 8:  # a hostile file could make the tree loop
        for kid in node.get("/Kids") or []:
            found = _find_name(kid, name, depth + 1)
            if found is not None:
                return found
    return None


def pdf_language(pdf_bytes: bytes) -> str | None:
    """The language the PDF was printed in (its catalog's /Lang), or None."""
    try:
        lang = _reader(bytes(pdf_bytes)).trailer["/Root"].get("/Lang")
        return str(lang) if lang else None
    except Exception:  # same reasoning as extract_credential
        log.debug("no language readable in a PDF", exc_info=True)
        return None


def digest(pdf_bytes: bytes) -> str:
    """The SHA-256 of the PDF, hex."""
    return hashlib.sha256(pdf_bytes).hexdigest()
