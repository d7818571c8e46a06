"""One large sheet of rows as an XLSX file, written as fast as the rows come.

The every-enrolment export is 100,000 rows of 15 cells. XlsxWriter, which writes the
report's own workbook (formats, several sheets, a fixed creation date), spends about
10 µs on each cell in its general path (measured at that size: 17 of the export's 21
seconds). Here each row is one string made from the cells' values, and the package
around the sheet (content types, relationships, the workbook, three cell styles) is a
few fixed parts: what Excel, LibreOffice and openpyxl need to open it, and no more.

Rows are written to a temporary file as they come, so memory does not grow with their
number; the sheet part is then copied into the ZIP archive after its dimension, which
is known only once the last row is in.
"""

from __future__ import annotations

import math
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

# Excel's limits: rows per sheet and characters per cell.
MAX_ROWS = 1_048_576
MAX_TEXT = 32_767
# Cell styles (the xf index in styles.xml): none, bold (the header), a date, a time.
_BOLD, _DATE, _TIME = 1, 2, 3
# Excel's day 0 for the dates after its 1900 leap-year bug (serial 61 is 1900-03-01);
# earlier dates are written as text.
_DAY_ZERO = date(1899, 12, 30).toordinal()
_SERIALS_FROM = date(1900, 3, 1)
# What a string needs more than its characters for: XML's three, control characters
# (not allowed in XML 1.0; Excel writes them as _xHHHH_, so a literal _xHHHH_ is
# escaped too), and spaces at either end, kept only when marked.
_SPECIAL = re.compile(r"[&<>\x00-\x1f]|_x[0-9A-Fa-f]{4}_|^\s|\s\Z")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]|_(?=x[0-9A-Fa-f]{4}_)")
# Calibri 11's digit is 7 pixels wide; a column of n characters is (n * 7 + 5) pixels.
_DIGIT_PIXELS = 7
# Rows joined before each write to the temporary file.
_BATCH = 500

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_CONTENT_TYPES = (
    _XML + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>')
_ROOT_RELATIONSHIPS = (
    _XML + f'<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">'
    f'<Relationship Id="rId1" Type="{_RELATIONSHIPS}/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK_RELATIONSHIPS = (
    _XML + f'<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">'
    f'<Relationship Id="rId1" Type="{_RELATIONSHIPS}/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_RELATIONSHIPS}/styles" Target="styles.xml"/>'
    '</Relationships>')
_FONT = '<sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/>'
_STYLES = (
    _XML + f'<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy\\-mm\\-dd\\ hh:mm"/></numFmts>'
    f'<fonts count="2"><font>{_FONT}</font><font><b/>{_FONT}</font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    '</cellStyleXfs><cellXfs count="4">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
    '</cellStyles></styleSheet>')


def column_letters(index: int) -> str:
    """A, B, ... Z, AA, ... for the column at ``index`` (from 0)."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _text(value: str) -> str:
    """A string as the XML of an inline-string cell's content."""
    if len(value) > MAX_TEXT:
        value = value[:MAX_TEXT]
    if _SPECIAL.search(value) is None:
        return f"<is><t>{value}</t></is>"
    value = _CONTROL.sub(lambda match: f"_x{ord(match.group()):04X}_", escape(value))
    space = ' xml:space="preserve"' if value != value.strip() else ""
    return f"<is><t{space}>{value}</t></is>"


def _cell(reference: str, value: Any) -> str:
    """The XML of one cell (empty for None)."""
    kind = type(value)
    if kind is str:
        # An empty string is an empty cell, as a spreadsheet program saves it.
        return f'<c r="{reference}" t="inlineStr">{_text(value)}</c>' if value else ""
    if kind is int:
        return f'<c r="{reference}"><v>{value}</v></c>'
    if kind is date:
        if value >= _SERIALS_FROM:
            return f'<c r="{reference}" s="{_DATE}"><v>{value.toordinal() - _DAY_ZERO}</v></c>'
        return _cell(reference, value.isoformat())
    if value is None:
        return ""
    if kind is bool:
        return f'<c r="{reference}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, datetime):
        if value.date() < _SERIALS_FROM:
            return _cell(reference, value.isoformat(sep=" "))
        moment = value.replace(tzinfo=None)
        seconds = moment.hour * 3600 + moment.minute * 60 + moment.second
        serial = moment.toordinal() - _DAY_ZERO + seconds / 86_400
        return f'<c r="{reference}" s="{_TIME}"><v>{serial!r}</v></c>'
    if isinstance(value, float | Decimal | int) and math.isfinite(value):
        # Subclasses (an IntEnum, a NumPy float) as the plain number they stand for.
        number = repr(float(value)) if isinstance(value, float) else \
            str(int(value)) if isinstance(value, int) else str(value)
        return f'<c r="{reference}"><v>{number}</v></c>'
    if isinstance(value, date):
        return _cell(reference, date(value.year, value.month, value.day))
    return _cell(reference, str(value))


def _rows(rows: Iterable[Sequence[Any]], header: Sequence[Any],
          body: IO[bytes]) -> tuple[int, int]:
    """Write the header and ``rows`` as <row> elements; (rows written, widest row)."""
    letters = [column_letters(j) for j in range(max(len(header), 26))]
    lines = ['<row r="1">' + "".join(
        f'<c r="{letters[j]}1" s="{_BOLD}" t="inlineStr">{_text(str(title))}</c>'
        for j, title in enumerate(header)) + "</row>"]
    count, widest = 0, len(header)
    for count, row in enumerate(rows, start=1):
        number = count + 1
        if number > MAX_ROWS:
            count -= 1
            break
        if len(row) > len(letters):
            letters += [column_letters(j) for j in range(len(letters), len(row))]
        widest = max(widest, len(row))
        # The common cells inline: a call per cell is most of the time at this size.
        cells = []
        for letter, value in zip(letters, row, strict=False):
            kind = type(value)
            if kind is str and value and _SPECIAL.search(value) is None \
                    and len(value) <= MAX_TEXT:
                cells.append(f'<c r="{letter}{number}" t="inlineStr"><is><t>{value}</t></is></c>')
            elif kind is int:
                cells.append(f'<c r="{letter}{number}"><v>{value}</v></c>')
            elif value is not None:
                cells.append(_cell(f"{letter}{number}", value))
        lines.append(f'<row r="{number}">{"".join(cells)}</row>')
        if len(lines) >= _BATCH:
            body.write("".join(lines).encode())
            lines.clear()
    body.write("".join(lines).encode())
    return count, widest


def _column_width(characters: float) -> float:
    pixels = int(characters * _DIGIT_PIXELS + 0.5) + 5
    return int(pixels / _DIGIT_PIXELS * 256) / 256


def write_rows(header: Sequence[Any], rows: Iterable[Sequence[Any]], stream: IO[bytes],
               *, sheet_title: str, widths: Sequence[float] = ()) -> int:
    """Stream ``rows`` under a bold, frozen ``header`` into a one-sheet workbook written
    to ``stream``; returns the number of rows written (at most Excel's limit)."""
    with tempfile.TemporaryFile() as body:
        count, widest = _rows(rows, header, body)
        last = f"{column_letters(max(widest, 1) - 1)}{count + 1}"
        columns = "".join(
            f'<col min="{j + 1}" max="{j + 1}" width="{_column_width(width)}" customWidth="1"/>'
            for j, width in enumerate(widths))
        head = (
            _XML + f'<worksheet xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}">'
            f'<dimension ref="A1:{last}"/><sheetViews><sheetView tabSelected="1" '
            'workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
            'state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
            '</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
            + (f"<cols>{columns}</cols>" if columns else "") + "<sheetData>")
        tail = ('</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" '
                'header="0.3" footer="0.3"/></worksheet>')
        workbook = (_XML + f'<workbook xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}"><sheets>'
                    f'<sheet name={quoteattr(sheet_title)} sheetId="1" r:id="rId1"/>'
                    "</sheets></workbook>")
        with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
            archive.writestr("_rels/.rels", _ROOT_RELATIONSHIPS)
            archive.writestr("xl/workbook.xml", workbook)
            archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELATIONSHIPS)
            archive.writestr("xl/styles.xml", _STYLES)
            size = body.tell()
            body.seek(0)
            with archive.open("xl/worksheets/sheet1.xml", "w",
                              force_zip64=size > 2 ** 31 - 2 ** 20) as entry:
                entry.write(head.encode())
                shutil.copyfileobj(body, entry, 1 << 20)
                entry.write(tail.encode())
    return count
