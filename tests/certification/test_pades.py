"""The certificate PDF's own signature (PAdES): made by the issuing body's certificate,
reproducible, checked by pyHanko's validator, and every tampered byte is noticed by
``/verify`` and ``lms verify-pdf``."""

from __future__ import annotations

import asyncio
import io
import os
import stat
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from lms.certification import issuance, pades, pki, signed_pdfs, signing
from lms.certification.credential import build_credential
from lms.certification.pdf import render_pdf
from lms.config import ROOT
from tests.certification.factories import issue_certificate
from tests.certification.snapshots import sample_snapshot
from tests.conftest import csrf_token, make_app, page_text

BASE = "https://lms.example.org"
NO_DATABASE = "postgresql+psycopg://nobody@127.0.0.1:1/nowhere"
ISSUED = datetime(2026, 3, 2, 9, 30, 15, tzinfo=UTC)
ISSUER_ID = sample_snapshot()["issuer"]["id"]


@pytest.fixture
def key_app(tmp_path):
    """No database: signing and checking a PDF never need one."""
    app = make_app(NO_DATABASE, str(tmp_path / "instance"))
    with app.app_context():
        yield app


def folder() -> Path:
    return signing.keys_folder()


def unsigned_pdf(language: str = "en", **snapshot_args) -> tuple[dict, bytes]:
    snapshot = sample_snapshot(**snapshot_args)
    token, _kid = signing.sign_credential(build_credential(snapshot, BASE))
    return snapshot, render_pdf(snapshot, token, language)


def signed(language: str = "en", when: datetime = ISSUED, **snapshot_args) -> bytes:
    snapshot, data = unsigned_pdf(language, **snapshot_args)
    return pades.sign(data, pki.signer_for(snapshot["issuer"], when), when)


def pyhanko_status(data: bytes, anchor: x509.Certificate):
    """pyHanko's own verdict, trusting only ``anchor``."""
    from asn1crypto import x509 as asn1_x509

    root = asn1_x509.Certificate.load(anchor.public_bytes(serialization.Encoding.DER))
    context = ValidationContext(trust_roots=[root], allow_fetching=False)
    embedded = PdfFileReader(io.BytesIO(data)).embedded_signatures
    assert len(embedded) == 1
    return validate_pdf_signature(embedded[0], context)


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


# ---------------------------------------------------------------- signing


def test_the_signed_pdf_validates_with_pyhankos_own_validator(key_app):
    data = signed()

    status = pyhanko_status(data, pki.ca().certificate)

    assert status.intact and status.valid and status.trusted
    assert status.bottom_line
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    signer = x509.load_der_x509_certificate(status.signing_cert.dump())
    assert pki.common_name(signer) == sample_snapshot()["issuer"]["name"]
    assert signer.issuer == pki.ca().certificate.subject
    # The signing time is the issuance time.
    assert PdfFileReader(io.BytesIO(data)).embedded_signatures[0] \
        .self_reported_timestamp == ISSUED


def test_the_signature_is_the_last_incremental_update(key_app):
    snapshot, unsigned = unsigned_pdf()
    data = pades.sign(unsigned, pki.signer_for(snapshot["issuer"], ISSUED), ISSUED)

    assert data.startswith(unsigned)
    assert data.count(b"%%EOF") == unsigned.count(b"%%EOF") + 1


def test_a_pdf_signed_under_another_ca_is_not_trusted(key_app, tmp_path):
    snapshot, unsigned = unsigned_pdf()
    stranger = pki.signer_for(snapshot["issuer"], ISSUED, folder=tmp_path / "elsewhere")
    data = pades.sign(unsigned, stranger, ISSUED)

    assert pades.validate(data).state == "untrusted"
    assert not pyhanko_status(data, pki.ca().certificate).trusted
    result = run(key_app, "verify-pdf", _write(tmp_path, data))
    assert result.exit_code == 1
    assert "does not chain to the trusted CA" in result.output


def test_signing_is_reproducible_within_and_across_processes(key_app, tmp_path):
    first = signed("fr")
    assert signed("fr") == first
    code = ("import sys\nfrom datetime import datetime\n"
            "from lms.certification import pades, pki, signing\n"
            "from lms.certification.credential import build_credential\n"
            "from lms.certification.pdf import render_pdf\n"
            "from tests.certification.snapshots import sample_snapshot\n"
            "snapshot = sample_snapshot()\n"
            f"token, _ = signing.sign_credential(build_credential(snapshot, {BASE!r}))\n"
            f"when = datetime.fromisoformat({ISSUED.isoformat()!r})\n"
            "data = pades.sign(render_pdf(snapshot, token, 'fr'), "
            "pki.signer_for(snapshot['issuer'], when), when)\n"
            "sys.stdout.buffer.write(data)\n")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("LMS_")},
           "LMS_ENV": "testing", "LMS_SIGNING_KEYS_PATH": str(folder()),
           "LMS_INSTANCE_PATH": str(tmp_path / "other-instance")}
    outputs = [subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True,
                              capture_output=True, timeout=120).stdout for _ in range(2)]
    assert outputs[0] == outputs[1] == first


def test_signing_and_checking_work_where_an_event_loop_runs(key_app):
    """As under an async server or Playwright's synchronous API."""
    outside = signed()

    async def inside():
        data = signed()
        return data, pades.validate(data)

    data, sealed = asyncio.run(inside())
    assert data == outside and sealed.ok


def test_another_issuance_time_gives_other_bytes(key_app):
    assert signed(when=ISSUED) != signed(when=ISSUED + timedelta(seconds=1))


# ---------------------------------------------------------------- keys


def test_the_ca_and_body_keys_are_private_files_made_on_first_use(key_app):
    assert not (folder() / pki.CA_FILE).exists()
    signed()
    names = sorted(path.name for path in folder().iterdir())
    assert pki.CA_FILE in names and f"body-{ISSUER_ID}-0001.pem" in names
    assert stat.S_IMODE(folder().stat().st_mode) == 0o700
    for path in folder().iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    assert b"PRIVATE KEY" in (folder() / pki.CA_FILE).read_bytes()


def test_processes_racing_for_the_first_ca_end_up_with_the_same_one(tmp_path):
    keys = tmp_path / "keys"
    start = time.time() + 2.0  # every process imports first, then all start together
    code = ("import time\nfrom lms.certification import pki\n"
            f"time.sleep(max(0, {start} - time.time()))\n"
            "c = pki.signer_for({'id': 7, 'name': 'Body', 'country': 'MX'}, pki.VALID_FROM)\n"
            "print(pki.ca().certificate.serial_number, c.certificate.serial_number)")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("LMS_")},
           "LMS_ENV": "testing", "LMS_SIGNING_KEYS_PATH": str(keys),
           "LMS_INSTANCE_PATH": str(tmp_path)}
    processes = [subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for _ in range(4)]
    results = [process.communicate(timeout=120) for process in processes]
    assert all(process.returncode == 0 for process in processes), results
    assert len({out.strip() for out, _err in results}) == 1
    assert sorted(path.name for path in keys.iterdir()) == ["body-7-0001.pem", "ca.pem"]


def test_rotation_keeps_old_pdfs_valid_and_their_bytes_the_same(key_app, tmp_path):
    before = signed()
    issuer = sample_snapshot()["issuer"]
    rotated = pki.new_body_certificate(issuer["id"], issuer["name"], issuer["country"],
                                       signs_from=ISSUED + timedelta(days=1))

    # A certificate issued before the rotation is signed as it was; a later one by the
    # new certificate; both validate, old files too.
    assert signed() == before
    later = signed(when=ISSUED + timedelta(days=2))
    assert pades.validate(before).ok and pades.validate(later).ok
    fingerprint = rotated.certificate.fingerprint(hashes.SHA256())
    assert pades.validate(later).fingerprint == fingerprint
    assert pades.validate(before).fingerprint != fingerprint
    assert pades.signed_by_issuer(pades.validate(before), issuer["id"])

    listed = run(key_app, "keys", "list")
    assert f"body-{ISSUER_ID}-0001.pem" in listed.output
    assert f"body-{ISSUER_ID}-0002.pem" in listed.output


def _own_pkcs12(password: bytes) -> tuple[bytes, x509.Certificate]:
    """A body's own CA and document-signing certificate, as a PKCS#12 bundle."""
    now = datetime.now(UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Body's own CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(1)
          .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=90))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Own Body")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(2)
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=90))
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .sign(ca_key, hashes.SHA256()))
    bundle = pkcs12.serialize_key_and_certificates(
        b"own", key, leaf, [ca], serialization.BestAvailableEncryption(password))
    return bundle, ca


def test_a_bodys_own_pkcs12_certificate_signs_from_its_import(key_app, tmp_path):
    bundle, own_ca = _own_pkcs12(b"s3cret")
    with pytest.raises(pki.PkiError, match="wrong password"):
        pki.import_pkcs12(ISSUER_ID, bundle, b"wrong")
    imported = pki.import_pkcs12(ISSUER_ID, bundle, b"s3cret")
    assert stat.S_IMODE(imported.path.stat().st_mode) == 0o600

    data = signed(when=datetime.now(UTC) + timedelta(minutes=1))

    sealed = pades.validate(data)
    assert sealed.ok and sealed.signer == "Own Body"
    assert pyhanko_status(data, own_ca).trusted
    result = run(key_app, "verify-pdf", _write(tmp_path, data))
    assert result.exit_code == 0, result.output
    assert "PDF signature valid: signed by Own Body" in result.output


# ---------------------------------------------------------------- tampering


def _write(tmp_path: Path, data: bytes, name: str = "certificate.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def _offsets(data: bytes) -> dict[str, int]:
    contents = data.rindex(b"/Contents <") + len(b"/Contents <")
    end = data.index(b">", contents)
    der_hex = data[contents:end].rstrip(b"0")
    used = len(der_hex)
    return {
        "page content (signed range)": data.index(b"stream", data.index(b"/Contents")) + 40,
        "metadata (signed range)": data.index(b"pdfaid:part") + 2,
        "attached credential (signed range)": data.index(b"credential.jwt") + 3,
        "signature value": contents + used - 20,
        "signature padding": contents + used + 100,
        "signature dictionary": data.rindex(b"/ByteRange") + 3,
        "final trailer": len(data) - 12,
        "first header": 3,
    }


def _flip(data: bytes, offset: int) -> bytes:
    changed = bytearray(data)
    changed[offset] = ord("1") if changed[offset] != ord("1") else ord("2")
    return bytes(changed)


def test_every_tampered_byte_is_noticed_by_verify_pdf(key_app, tmp_path):
    data = signed()
    assert run(key_app, "verify-pdf", _write(tmp_path, data)).exit_code == 0
    for where, offset in _offsets(data).items():
        tampered = _flip(data, offset)
        assert not pades.validate(tampered).ok, where
        result = run(key_app, "verify-pdf", _write(tmp_path, tampered))
        assert result.exit_code != 0, where
        assert "INVALID" in result.output or "not a PDF" in result.output, where


def test_an_appended_byte_is_noticed(key_app, tmp_path):
    sealed = pades.validate(signed() + b"%")
    assert sealed.state == "altered"


def test_verify_pdf_says_who_signed_and_accepts_the_published_ca(key_app, tmp_path):
    data = signed()
    ca_file = tmp_path / "lms-ca.pem"
    ca_file.write_bytes(pki.ca_pem())

    result = run(key_app, "verify-pdf", "--ca", str(ca_file), _write(tmp_path, data))

    assert result.exit_code == 0, result.output
    assert (f"PDF signature valid: signed by {sample_snapshot()['issuer']['name']} "
            "on 2026-03-02 09:30:15 UTC") in result.output
    assert "Signature valid (key" in result.output
    other = tmp_path / "other-ca.pem"
    other.write_bytes(pki.ca_pem(tmp_path / "other-keys"))
    refused = run(key_app, "verify-pdf", "--ca", str(other), _write(tmp_path, data))
    assert refused.exit_code == 1
    unreadable = run(key_app, "verify-pdf", "--ca", str(tmp_path / "none.pem"),
                     _write(tmp_path, data))
    assert unreadable.exit_code == 2


def test_an_unsigned_pdf_is_checked_by_its_credential_alone(key_app, tmp_path):
    _snapshot, data = unsigned_pdf()
    assert pades.validate(data).state == "unsigned"
    result = run(key_app, "verify-pdf", _write(tmp_path, data))
    assert result.exit_code == 0
    assert "The PDF itself is not signed" in result.output


# ---------------------------------------------------------------- the web


def _upload(client, data: bytes):
    token = csrf_token(client, "/verify")
    return client.post("/verify", data={"csrf_token": token, "code": "",
                                        "pdf": (io.BytesIO(data), "certificate.pdf")},
                       content_type="multipart/form-data")


def test_downloads_are_signed_by_the_issuer_and_verify_says_so(client):
    certificate = issue_certificate()
    data = issuance.pdf_for(certificate, "es")
    assert issuance.pdf_for(certificate, "es") == data

    sealed = pades.validate(data)
    assert sealed.ok and pades.signed_by_issuer(sealed, certificate.issuer_id)
    assert sealed.signed_at == signed_pdfs.signing_time(certificate)
    response = _upload(client, data)
    text = page_text(response)
    assert response.status_code == 200
    assert f"This PDF is digitally signed by {sealed.signer}" in text
    assert "This file is exactly the certificate that was issued." in text


def test_verify_names_every_tampered_byte(client):
    certificate = issue_certificate()
    data = issuance.pdf_for(certificate, "en")
    for where, offset in _offsets(data).items():
        if where == "first header":
            continue  # not a PDF any more: refused before any check (tested elsewhere)
        response = _upload(client, _flip(data, offset))
        text = page_text(response)
        assert response.status_code == 422, where
        assert "This file is exactly the certificate that was issued." not in text, where
        assert "This PDF is digitally signed by" not in text, where
        assert ("changed after it was signed" in text or "cannot be read" in text
                or "different certificate" in text), where


def test_a_pdf_from_an_older_renderer_still_verifies_by_its_signature(client, monkeypatch):
    certificate = issue_certificate()
    old = issuance.pdf_for(certificate, "en")
    # The renderer changes: a fresh printing no longer has the old file's bytes.
    render = signed_pdfs.render_pdf
    monkeypatch.setattr(signed_pdfs, "render_pdf",
                        lambda *args: render(*args).replace(b"ReportLab", b"ReportLib"))
    assert issuance.pdf_for(certificate, "en") != old

    text = page_text(_upload(client, old))

    assert "This PDF is digitally signed by" in text
    assert "printed by an earlier version of this site" in text
    assert "Valid certificate" in text
    assert "This file is not the certificate that was issued" not in text


def test_the_ca_certificate_is_published_and_linked_from_verify(client):
    page = client.get("/verify").get_data(as_text=True)
    assert "/.well-known/lms-ca.pem" in page

    response = client.get("/.well-known/lms-ca.pem")

    assert response.status_code == 200
    ca = x509.load_pem_x509_certificate(response.data)
    data = issuance.pdf_for(issue_certificate(), "pt")
    assert pyhanko_status(data, ca).bottom_line


# ---------------------------------------------------------------- timestamp authority


@pytest.fixture
def local_tsa(monkeypatch, tmp_path):
    """pyHanko's test TSA, signing with a certificate of its own CA: no network."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    tsa = pki.signer_for({"id": 999_999, "name": "Test TSA"}, pki.VALID_FROM,
                         folder=tmp_path / "tsa")
    stamper = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(
            tsa.certificate.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(tsa.key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())))
    monkeypatch.setattr(signed_pdfs, "test_timestamper", stamper)
    return stamper


def test_with_a_tsa_each_language_is_stored_when_first_made_and_served_as_stored(
        client, local_tsa):
    from lms.extensions import db

    certificate = issue_certificate()
    first = issuance.pdf_for(certificate, "fr")
    # A new signature would differ (a new timestamp token), so the first one is kept.
    again = signed_pdfs.sign_rendering(
        certificate, render_pdf(certificate.snapshot, certificate.credential, "fr"),
        timestamper=local_tsa)
    assert again != first
    assert issuance.pdf_for(certificate, "fr") == first
    stored = db.session.get(signed_pdfs.SignedPdf, (certificate.id, "fr"))
    assert stored is not None and bytes(stored.data) == first
    assert db.session.get(signed_pdfs.SignedPdf, (certificate.id, "en")) is None

    sealed = pades.validate(first)
    assert sealed.ok and sealed.timestamped
    response = _upload(client, first)
    assert response.status_code == 200
    assert "This file is exactly the certificate that was issued." in page_text(response)


# ---------------------------------------------------------------- lms keys, with bodies


def test_keys_pki_gives_every_body_a_certificate_and_rotate_body_adds_one(app, database):
    from tests.factories import make_institution

    body = make_institution("Keys Test Body")
    runner = app.test_cli_runner()

    made = runner.invoke(args=["keys", "pki"])
    assert made.exit_code == 0, made.output
    assert "CA:" in made.output and len(pki.body_files(body.id)) >= 1
    before = len(pki.body_files(body.id))

    rotated = runner.invoke(args=["keys", "rotate-body", str(body.id)])
    assert rotated.exit_code == 0, rotated.output
    assert "Keys Test Body" in rotated.output
    assert len(pki.body_files(body.id)) == before + 1
    assert pki.body_files(body.id)[-1].subject == "Keys Test Body"

    unknown = runner.invoke(args=["keys", "rotate-body", "987654321"])
    assert unknown.exit_code != 0 and "No institution" in unknown.output


def test_keys_import_p12_asks_for_the_password(app, database, tmp_path):
    from tests.factories import make_institution

    body = make_institution("Own Body Institution")
    bundle, _own_ca = _own_pkcs12(b"s3cret")
    path = tmp_path / "body.p12"
    path.write_bytes(bundle)
    runner = app.test_cli_runner()

    wrong = runner.invoke(args=["keys", "import-p12", str(body.id), str(path)], input="nope\n")
    assert wrong.exit_code != 0 and "wrong password" in wrong.output
    asked = runner.invoke(args=["keys", "import-p12", str(body.id), str(path)],
                          input="s3cret\n")
    assert asked.exit_code == 0, asked.output
    assert "Password" in asked.output and "Own Body" in asked.output
    assert pki.body_files(body.id)[-1].subject == "Own Body"
