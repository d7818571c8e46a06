"""The certificate PDF is archival PDF/A-3b, before and after its signature: XMP
declaring it, an sRGB output intent, every font embedded, the VC-JWT attached as
the page's source. Checked with pikepdf, independently of how the file was made."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pikepdf
import pytest

from lms.certification import pades, pdfa, pki
from lms.certification.pdf import ATTACHMENT_NAME, render_pdf
from lms.i18n import LANGUAGES
from tests.certification.snapshots import sample_snapshot
from tests.conftest import make_app

JWT = "eyJhbGciOiJSUzI1NiJ9.eyJpZCI6InRlc3QifQ.c2lnbmF0dXJl"
PDFAID = "{http://www.aiim.org/pdfa/ns/id/}"
DC = "{http://purl.org/dc/elements/1.1/}"
XMP = "{http://ns.adobe.com/xap/1.0/}"
PDF = "{http://ns.adobe.com/pdf/1.3/}"
ISSUED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, bytes]:
    """One unsigned and one signed file per language."""
    instance = tmp_path_factory.mktemp("pdfa-instance")
    app = make_app("postgresql+psycopg://nobody@127.0.0.1:1/nowhere", str(instance))
    snapshot = sample_snapshot()
    found = {}
    with app.app_context():
        signer = pki.signer_for(snapshot["issuer"], ISSUED)
        for language in LANGUAGES:
            unsigned = render_pdf(snapshot, JWT, language)
            found[f"{language}-unsigned"] = unsigned
            found[f"{language}-signed"] = pades.sign(unsigned, signer, ISSUED)
    return found


@pytest.fixture(params=["en-unsigned", "en-signed", "es-signed", "fr-signed", "pt-signed"])
def document(request, files):
    with pikepdf.open(io.BytesIO(files[request.param])) as pdf:
        yield pdf


def test_the_xmp_metadata_declares_pdfa_3b(document):
    metadata = document.Root.Metadata
    assert metadata.Type == "/Metadata" and metadata.Subtype == "/XML"
    assert "/Filter" not in metadata  # readable without decoding, as PDF/A asks
    with document.open_metadata(set_pikepdf_as_editor=False) as xmp:
        assert xmp[f"{PDFAID}part"] == "3"
        assert xmp[f"{PDFAID}conformance"] == "B"


def test_the_xmp_repeats_the_document_information(document):
    info = document.docinfo
    with document.open_metadata(set_pikepdf_as_editor=False) as xmp:
        assert xmp[f"{DC}title"] == str(info.Title)
        assert xmp[f"{DC}creator"] == [str(info.Author)]
        assert xmp[f"{DC}description"] == str(info.Subject)
        assert xmp[f"{XMP}CreatorTool"] == str(info.Creator)
        assert xmp[f"{PDF}Producer"] == str(info.Producer)
        assert str(info.CreationDate).startswith("D:20000101000000")
        assert xmp[f"{XMP}CreateDate"] == xmp[f"{XMP}ModifyDate"] == "2000-01-01T00:00:00Z"
        assert xmp[f"{DC}language"] == {str(document.Root.Lang)}


def test_the_output_intent_is_srgb_with_an_rgb_icc_profile(document):
    intents = document.Root.OutputIntents
    assert len(intents) == 1
    intent = intents[0]
    assert intent.S == "/GTS_PDFA1"
    assert str(intent.OutputConditionIdentifier) == pdfa.OUTPUT_CONDITION
    profile = intent.DestOutputProfile
    assert profile.N == 3
    data = profile.read_bytes()
    assert data == pdfa.srgb_profile()
    assert data[36:40] == b"acsp" and data[12:20] == b"mntrRGB "
    assert int.from_bytes(data[:4], "big") == len(data) < 2048


def test_the_icc_profile_is_read_as_srgb_by_little_cms():
    image_cms = pytest.importorskip("PIL.ImageCms")
    profile = image_cms.ImageCmsProfile(io.BytesIO(pdfa.srgb_profile()))
    assert profile.profile.xcolor_space.strip() == "RGB"
    assert image_cms.getProfileDescription(profile).strip() == pdfa.OUTPUT_CONDITION
    # Mid-grey goes through the profile to sRGB unchanged (to rounding).
    from PIL import Image

    srgb = image_cms.createProfile("sRGB")
    grey = Image.new("RGB", (1, 1), (128, 64, 200))
    converted = image_cms.profileToProfile(grey, profile, srgb)
    assert all(abs(a - b) <= 2 for a, b in zip(converted.getpixel((0, 0)), (128, 64, 200),
                                               strict=True))


def test_every_font_is_embedded(document):
    fonts = 0
    for page in document.pages:
        for font in page.Resources.Font.values():
            fonts += 1
            descendants = font.get("/DescendantFonts")
            described = descendants[0] if descendants else font
            descriptor = described.FontDescriptor
            assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), \
                str(font.BaseFont)
    assert fonts >= 3


def test_the_credential_is_an_associated_source_file(document):
    associated = document.Root.AF
    assert len(associated) == 1
    spec = associated[0]
    assert spec.AFRelationship == "/Source"
    assert str(spec.F) == str(spec.UF) == ATTACHMENT_NAME
    stream = spec.EF.F
    assert stream.Subtype == "/application/vc+jwt"
    assert "/ModDate" in stream.Params
    assert stream.read_bytes().decode() == JWT
    names = document.Root.Names.EmbeddedFiles.Names
    assert str(names[0]) == ATTACHMENT_NAME and names[1].objgen == spec.objgen


def test_signing_changes_none_of_it_and_comes_last(files):
    for language in LANGUAGES:
        unsigned, signed = files[f"{language}-unsigned"], files[f"{language}-signed"]
        assert signed.startswith(unsigned)
        with pikepdf.open(io.BytesIO(signed)) as pdf:
            field = pdf.Root.AcroForm.Fields[0]
            assert field.FT == "/Sig" and field.V.SubFilter == "/ETSI.CAdES.detached"
            # The signature's revision is the last: its byte range ends at the file's end.
            byte_range = [int(n) for n in field.V.ByteRange]
            assert byte_range[2] + byte_range[3] == len(signed)
            assert pdf.Root.Metadata.read_bytes() == pikepdf.open(
                io.BytesIO(unsigned)).Root.Metadata.read_bytes()
