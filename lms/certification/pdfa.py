"""What makes the certificate PDF an archival PDF/A-3b file: XMP metadata and an sRGB
output intent (fonts are embedded by reportlab; the credential is attached by
``lms.certification.pdf`` as an associated file).

The ICC profile is built here rather than shipped: a small ICC v2 display profile
with the sRGB primaries (IEC 61966-2-1, adapted to D50) and its tone curve, about
1 KB and the same bytes every time. No third-party profile file is needed.
"""

from __future__ import annotations

import math
import struct
from functools import cache
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfdoc

OUTPUT_CONDITION = "sRGB IEC61966-2.1"
PDFA_PART, PDFA_CONFORMANCE = "3", "B"


# ---------------------------------------------------------------- the ICC profile


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _xyz(x: float, y: float, z: float) -> bytes:
    return b"XYZ " + b"\0" * 4 + _s15(x) + _s15(y) + _s15(z)


def _srgb_to_linear(value: float) -> float:
    return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4


def _curve(points: int = 256) -> bytes:
    values = [min(65535, math.floor(_srgb_to_linear(i / (points - 1)) * 65535 + 0.5))
              for i in range(points)]
    return b"curv" + b"\0" * 4 + struct.pack(">I", points) + struct.pack(f">{points}H", *values)


def _text(value: str) -> bytes:
    return b"text" + b"\0" * 4 + value.encode("ascii") + b"\0"


def _description(value: str) -> bytes:
    ascii_ = value.encode("ascii") + b"\0"
    # ICC v2 textDescriptionType: ASCII, then empty Unicode and ScriptCode parts.
    return (b"desc" + b"\0" * 4 + struct.pack(">I", len(ascii_)) + ascii_
            + struct.pack(">II", 0, 0) + struct.pack(">HB", 0, 0) + b"\0" * 67)


@cache
def srgb_profile() -> bytes:
    """An ICC v2 RGB display profile with the sRGB colorants and tone curve."""
    curve = _curve()
    tags = [
        (b"desc", _description(OUTPUT_CONDITION)),
        (b"cprt", _text("No copyright, use freely")),
        (b"wtpt", _xyz(0.9642, 1.0, 0.8249)),  # D50: the colorants below are adapted to it
        (b"rXYZ", _xyz(0.4360747, 0.2225045, 0.0139322)),
        (b"gXYZ", _xyz(0.3850649, 0.7168786, 0.0971045)),
        (b"bXYZ", _xyz(0.1430804, 0.0606169, 0.7141733)),
        (b"rTRC", curve), (b"gTRC", curve), (b"bTRC", curve),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, data, placed = [], b"", {}
    for signature, element in tags:
        if element not in placed:  # the three tone curves share one element
            data += b"\0" * (-len(data) % 4)
            placed[element] = offset + len(data)
            data += element
        table.append(struct.pack(">4sII", signature, placed[element], len(element)))
    body = struct.pack(">I", len(tags)) + b"".join(table) + data
    size = 128 + len(body)
    header = (struct.pack(">I", size) + b"\0" * 4 + bytes([2, 0x10, 0, 0]) + b"mntrRGB XYZ "
              + struct.pack(">6H", 2000, 1, 1, 0, 0, 0) + b"acsp" + b"\0" * 4
              + b"\0" * 4 + b"\0" * 8 + b"\0" * 8 + struct.pack(">I", 0)
              + _s15(0.9642) + _s15(1.0) + _s15(0.8249) + b"\0" * 4 + b"\0" * 16 + b"\0" * 28)
    assert len(header) == 128
    return header + body


def output_intents(doc: pdfdoc.PDFDocument) -> pdfdoc.PDFArray:
    """The catalog's /OutputIntents: sRGB, for PDF/A (GTS_PDFA1)."""
    profile = pdfdoc.PDFStream(pdfdoc.PDFDictionary({"N": 3}), content=srgb_profile(),
                               filters=[pdfdoc.PDFZCompress])
    intent = pdfdoc.PDFDictionary({
        "Type": pdfdoc.PDFName("OutputIntent"),
        "S": pdfdoc.PDFName("GTS_PDFA1"),
        "OutputConditionIdentifier": pdfdoc.PDFString(OUTPUT_CONDITION),
        "Info": pdfdoc.PDFString(OUTPUT_CONDITION),
        "DestOutputProfile": doc.Reference(profile),
    })
    return pdfdoc.PDFArray([doc.Reference(intent)])


# ---------------------------------------------------------------- XMP


def _xmp_date(pdf_date: str) -> str:
    """reportlab's Info date (D:YYYYMMDDHHmmSS+HH'mm') as an XMP date."""
    d = pdf_date[2:] if pdf_date.startswith("D:") else pdf_date
    zone = d[14:].replace("'", "")
    zone = "Z" if zone in ("", "Z", "+0000", "-0000") else f"{zone[:3]}:{zone[3:5]}"
    return f"{d[0:4]}-{d[4:6]}-{d[6:8]}T{d[8:10]}:{d[10:12]}:{d[12:14]}{zone}"


def xmp(*, title: str, author: str, subject: str, creator: str, producer: str,
        keywords: str, date: str, language: str) -> bytes:
    """The XMP packet declaring PDF/A-3b, repeating the Info dictionary's entries."""
    when = _xmp_date(date)
    lang = escape(language or "x-default", {'"': "&quot;"})
    packet = f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about=""
 xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"
 xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:xmp="http://ns.adobe.com/xap/1.0/"
 xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
<pdfaid:part>{PDFA_PART}</pdfaid:part>
<pdfaid:conformance>{PDFA_CONFORMANCE}</pdfaid:conformance>
<dc:format>application/pdf</dc:format>
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li></rdf:Alt></dc:title>
<dc:creator><rdf:Seq><rdf:li>{escape(author)}</rdf:li></rdf:Seq></dc:creator>
<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{escape(subject)}</rdf:li></rdf:Alt>
</dc:description>
<dc:language><rdf:Bag><rdf:li>{lang}</rdf:li></rdf:Bag></dc:language>
<xmp:CreatorTool>{escape(creator)}</xmp:CreatorTool>
<xmp:CreateDate>{when}</xmp:CreateDate>
<xmp:ModifyDate>{when}</xmp:ModifyDate>
<xmp:MetadataDate>{when}</xmp:MetadataDate>
<pdf:Producer>{escape(producer)}</pdf:Producer>
<pdf:Keywords>{escape(keywords)}</pdf:Keywords>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
    return packet.encode("utf-8")


class _PlainStream(pdfdoc.PDFStream):
    """A stream written as is, without a /Filter entry (reportlab writes an empty one)."""

    def format(self, document):
        dictionary = pdfdoc.PDFDictionary(self.dictionary.dict.copy())
        content = document.encrypt.encode(self.content)
        dictionary["Length"] = len(content)
        return (pdfdoc.format(dictionary, document) + b"\nstream\n"
                + pdfdoc.format(content, document) + b"endstream\n")


def metadata_stream(doc: pdfdoc.PDFDocument, packet: bytes):
    """An unfiltered /Metadata stream (PDF/A wants the XMP readable as it is)."""
    stream = _PlainStream(pdfdoc.PDFDictionary({"Type": pdfdoc.PDFName("Metadata"),
                                                 "Subtype": pdfdoc.PDFName("XML")}),
                          content=packet)
    return doc.Reference(stream)
