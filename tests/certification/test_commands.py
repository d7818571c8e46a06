"""``lms keys rotate``, ``lms keys list`` and ``lms verify-pdf`` (offline)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfWriter

from lms.certification import signing
from lms.certification.credential import build_credential
from lms.certification.pdf import render_pdf
from lms.config import ROOT
from tests.certification.snapshots import sample_snapshot
from tests.conftest import make_app

BASE = "https://lms.example.org"
NO_DATABASE = "postgresql+psycopg://nobody@127.0.0.1:1/nowhere"


@pytest.fixture
def key_app(tmp_path):
    """An app with an empty key folder and a database that does not exist: every
    command here must work without one."""
    app = make_app(NO_DATABASE, str(tmp_path / "instance"))
    with app.app_context():
        yield app


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def certificate_pdf(tmp_path: Path, name: str = "certificate.pdf", **snapshot_args) -> Path:
    snapshot = sample_snapshot(**snapshot_args)
    token, _kid = signing.sign_credential(build_credential(snapshot, BASE))
    path = tmp_path / name
    path.write_bytes(render_pdf(snapshot, token, "es"))
    return path


def pdf_with_attachment(tmp_path: Path, data: bytes | None, name: str = "other.pdf") -> Path:
    """A PDF built with pypdf, independently of lms.certification.pdf."""
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    if data is not None:
        writer.add_attachment("credential.jwt", data)
    buffer = io.BytesIO()
    writer.write(buffer)
    path = tmp_path / name
    path.write_bytes(buffer.getvalue())
    return path


# ---------------------------------------------------------------- keys

def test_keys_list_before_any_key(key_app):
    result = run(key_app, "keys", "list")
    assert result.exit_code == 0
    assert "No signing keys yet" in result.output


def test_rotate_prints_the_new_kid_and_list_shows_which_signs(key_app):
    first = signing.active_key().kid
    result = run(key_app, "keys", "rotate")
    assert result.exit_code == 0, result.output
    second = result.output.strip()
    assert second and second != first
    assert signing.active_key().kid == second

    listing = run(key_app, "keys", "list")
    assert listing.exit_code == 0
    lines = listing.output.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(second) and lines[0].endswith("active")
    assert lines[1].startswith(first) and lines[1].endswith("retired")
    assert " UTC " in lines[0]


def test_certificates_signed_before_a_rotation_still_verify(key_app, tmp_path):
    before = certificate_pdf(tmp_path, "before.pdf")
    old_kid = signing.active_key().kid
    new_kid = run(key_app, "keys", "rotate").output.strip()
    after = certificate_pdf(tmp_path, "after.pdf", holder_name="Ana Souza")
    first = run(key_app, "verify-pdf", str(before))
    second = run(key_app, "verify-pdf", str(after))
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert f"Signature valid (key {old_kid})" in first.output
    assert f"Signature valid (key {new_kid})" in second.output
    assert "Ana Souza" in second.output


# ---------------------------------------------------------------- verify-pdf

def test_verify_pdf_prints_the_certificate(key_app, tmp_path):
    path = certificate_pdf(tmp_path)
    result = run(key_app, "verify-pdf", str(path))
    assert result.exit_code == 0, result.output
    output = result.output
    assert "Holder:      María José Pérez Núñez" in output
    assert "Title:       PROCCER Treatment, Mexico adaptation" in output
    assert "Issuer:      Comisión Nacional contra las Adicciones" in output
    assert "ID:          PRC-7K3M-Q9XD-K" in output
    assert "Valid from:  2026-05-04" in output
    assert "Valid until: 2029-05-04" in output
    assert "Signature valid" in output


def test_a_certificate_that_does_not_expire(key_app, tmp_path):
    result = run(key_app, "verify-pdf", str(certificate_pdf(tmp_path, expires_on=None)))
    assert result.exit_code == 0
    assert "Valid until: does not expire" in result.output


def test_verify_pdf_with_a_jwks_file_and_with_a_foreign_one(key_app, tmp_path):
    path = certificate_pdf(tmp_path)
    ours = tmp_path / "ours.json"
    ours.write_text(json.dumps(signing.jwks()))
    assert run(key_app, "verify-pdf", str(path), "--jwks", str(ours)).exit_code == 0

    other = make_app(NO_DATABASE, str(tmp_path / "other-instance"))
    with other.app_context():
        theirs = tmp_path / "theirs.json"
        theirs.write_text(json.dumps(signing.jwks()))
    result = run(key_app, "verify-pdf", str(path), "--jwks", str(theirs))
    assert result.exit_code == 1
    assert "INVALID" in result.output and "not in the JWKS" in result.output
    assert "Signature valid" not in result.output


def test_an_altered_credential_is_invalid(key_app, tmp_path):
    snapshot = sample_snapshot()
    token, _kid = signing.sign_credential(build_credential(snapshot, BASE))
    header, payload, signature = token.split(".")
    # Flip one character of the payload (kept valid base64url).
    flipped = payload[:40] + ("A" if payload[40] != "A" else "B") + payload[41:]
    path = pdf_with_attachment(tmp_path, f"{header}.{flipped}.{signature}".encode())
    result = run(key_app, "verify-pdf", str(path))
    assert result.exit_code == 1
    assert "signature does not match" in result.output
    assert "Holder" not in result.output


def test_a_pdf_built_elsewhere_with_our_credential_verifies(key_app, tmp_path):
    token, _kid = signing.sign_credential(build_credential(sample_snapshot(), BASE))
    result = run(key_app, "verify-pdf", str(pdf_with_attachment(tmp_path, token.encode())))
    assert result.exit_code == 0, result.output


def test_a_pdf_without_credential_exits_1(key_app, tmp_path):
    result = run(key_app, "verify-pdf", str(pdf_with_attachment(tmp_path, None)))
    assert result.exit_code == 1
    assert "no signed credential attached" in result.output


def test_an_attachment_that_is_not_a_jwt_exits_1(key_app, tmp_path):
    result = run(key_app, "verify-pdf", str(pdf_with_attachment(tmp_path, b"hello")))
    assert result.exit_code == 1
    assert "not a JWT" in result.output


def test_unreadable_inputs_exit_2(key_app, tmp_path):
    missing = run(key_app, "verify-pdf", str(tmp_path / "missing.pdf"))
    assert missing.exit_code == 2
    assert "Cannot read" in missing.output

    not_pdf = tmp_path / "notes.pdf"
    not_pdf.write_text("just text")
    result = run(key_app, "verify-pdf", str(not_pdf))
    assert result.exit_code == 2
    assert "is not a PDF file" in result.output

    path = certificate_pdf(tmp_path)
    bad_jwks = tmp_path / "bad.json"
    bad_jwks.write_text("{not json")
    result = run(key_app, "verify-pdf", str(path), "--jwks", str(bad_jwks))
    assert result.exit_code == 2
    assert "Cannot read the JWKS file" in result.output
    result = run(key_app, "verify-pdf", str(path), "--jwks", str(tmp_path / "none.json"))
    assert result.exit_code == 2
    wrong_shape = tmp_path / "list.json"
    wrong_shape.write_text("[]")
    result = run(key_app, "verify-pdf", str(path), "--jwks", str(wrong_shape))
    assert result.exit_code == 2
    assert "is not a JWKS" in result.output


def test_a_jwks_url_that_cannot_be_reached_exits_2(key_app, tmp_path):
    path = certificate_pdf(tmp_path)
    result = run(key_app, "verify-pdf", str(path), "--jwks",
                 "http://127.0.0.1:1/.well-known/jwks.json")
    assert result.exit_code == 2
    assert "Cannot read the JWKS at" in result.output


def test_a_jwks_url_is_fetched(key_app, tmp_path):
    """Served by a throwaway local HTTP server, as a certifying body would fetch it."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    body = json.dumps(signing.jwks()).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server name
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json"
        result = run(key_app, "verify-pdf", str(certificate_pdf(tmp_path)), "--jwks", url)
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 0, result.output
    assert "Signature valid" in result.output


def test_the_real_lms_command_works_without_a_database(tmp_path):
    """End to end through the installed ``lms`` entry point, in fresh processes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update({"LMS_ENV": "testing", "LMS_INSTANCE_PATH": str(tmp_path / "instance"),
                "LMS_DATABASE_URL": NO_DATABASE})
    lms = [sys.executable, "-c", "from lms.cli import main; main()"]

    def lms_run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*lms, *args], env=env, cwd=ROOT, capture_output=True,
                              text=True, timeout=120, check=False)

    rotated = lms_run("keys", "rotate")
    assert rotated.returncode == 0, rotated.stderr
    kid = rotated.stdout.strip()
    app = make_app(NO_DATABASE, str(tmp_path / "instance"))
    with app.app_context():
        assert signing.active_key().kid == kid
        path = certificate_pdf(tmp_path)
    checked = lms_run("verify-pdf", str(path))
    assert checked.returncode == 0, checked.stderr
    assert f"Signature valid (key {kid})" in checked.stdout
    listed = lms_run("keys", "list")
    assert listed.stdout.startswith(kid) and "active" in listed.stdout
