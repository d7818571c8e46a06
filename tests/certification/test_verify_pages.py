"""The public verification pages: /verify (an ID or a PDF) and /verify/<id>."""

from __future__ import annotations

import io
import re

from lms.certification import ids, issuance, pdf, signing
from lms.certification.pdf import render_pdf
from tests.certification.factories import issue_certificate, yesterday
from tests.conftest import csrf_token, page_text, submit
from tests.factories import make_user

ES = {"Accept-Language": "es"}


def _upload(client, data: bytes, name: str = "certificate.pdf", headers=None):
    token = csrf_token(client, "/verify")
    return client.post("/verify", data={"csrf_token": token, "code": "",
                                        "pdf": (io.BytesIO(data), name)},
                       content_type="multipart/form-data", headers=headers or {})


def _mistype(code: str) -> str:
    """The same ID with one body character changed: its check character no longer fits."""
    body_index = len(code.split("-")[0]) + 1
    wrong = "0" if code[body_index] != "0" else "1"
    return code[:body_index] + wrong + code[body_index + 1:]


# ---------------------------------------------------------------- the record page


def test_a_valid_certificate_shows_every_printed_field_in_the_viewers_language(client):
    holder = make_user(full_name="María José Pérez Núñez", email="maria.private@example.org")
    certificate = issue_certificate(holder)
    spanish = certificate.snapshot["text"]["es"]

    response = client.get(f"/verify/{certificate.code}", headers=ES)

    assert response.status_code == 200
    text = page_text(response)
    assert certificate.code in text
    assert "María José Pérez Núñez" in text
    for field in ("title", "program", "hours", "issued", "validity", "issuer"):
        assert spanish[field] in text, field
    for line in spanish["competencies"]:
        assert line in text
    assert "Valid" in text or "Válido" in text
    assert f"/api/v1/certificates/{certificate.code}" in response.get_data(as_text=True)
    assert "maria.private@example.org" not in response.get_data(as_text=True)


def test_the_page_says_the_signature_is_valid_and_names_the_key(client):
    certificate = issue_certificate()

    text = page_text(client.get(f"/verify/{certificate.code}"))

    assert "Signature valid" in text
    assert f"Signed with key {certificate.kid}." in text
    assert "Status: Valid" in text


def test_an_altered_stored_credential_is_reported_as_not_valid(client, database):
    certificate = issue_certificate()
    header, payload, signature = certificate.credential.split(".")
    certificate.credential = f"{header}.{payload}.{signature[:-4]}AAAA"
    database.session.flush()

    text = page_text(client.get(f"/verify/{certificate.code}"))

    assert "Signature not valid" in text
    assert "Signature valid" not in text


def test_an_expired_certificate_says_when_it_expired(client):
    certificate = issue_certificate(expires_on=yesterday())

    text = page_text(client.get(f"/verify/{certificate.code}"))

    assert "Status: Expired" in text
    assert "This certificate expired on" in text


def test_a_revoked_certificate_says_when_and_why(client):
    certificate = issue_certificate(revoked=True)

    text = page_text(client.get(f"/verify/{certificate.code}"))

    assert "Status: Revoked" in text
    assert "This certificate was revoked on" in text
    assert "Reason: Issued in error" in text


def test_a_superseded_certificate_links_to_its_replacement(client):
    certificate = issue_certificate(superseded=True)
    replacement = certificate.superseded_by

    response = client.get(f"/verify/{certificate.code}")

    assert "Status: Superseded" in page_text(response)
    assert f'href="/verify/{replacement.code}"' in response.get_data(as_text=True)
    assert "Status: Valid" in page_text(client.get(f"/verify/{replacement.code}"))


def test_another_spelling_of_the_id_redirects_to_the_canonical_address(client):
    certificate = issue_certificate()
    typed = certificate.code.lower().replace("-", "")

    response = client.get(f"/verify/{typed}")

    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/verify/{certificate.code}")


def test_a_mistyped_id_in_the_address_says_the_check_character_does_not_match(client):
    certificate = issue_certificate()

    response = client.get(f"/verify/{_mistype(certificate.code)}")

    assert response.status_code == 404
    assert "The check character does not match: the ID was probably mistyped." in \
        page_text(response)


def test_an_unknown_id_in_the_address_is_not_found(client):
    response = client.get(f"/verify/{ids.new_code('ZZZ')}")

    assert response.status_code == 404
    assert "No certificate has this ID." in page_text(response)


# ---------------------------------------------------------------- the form: an ID


def test_the_form_sends_a_typed_id_to_its_page(client):
    certificate = issue_certificate()

    response = submit(client, "/verify", {"code": f"  {certificate.code.lower()} "})

    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/verify/{certificate.code}")


def test_the_form_answers_a_mistyped_id_with_the_check_character_message(client):
    certificate = issue_certificate()

    response = submit(client, "/verify", {"code": _mistype(certificate.code)})

    assert response.status_code == 422
    assert "The check character does not match: the ID was probably mistyped." in \
        page_text(response)


def test_the_form_answers_text_that_is_no_id_with_the_format_message(client):
    response = submit(client, "/verify", {"code": "hello"})

    assert response.status_code == 422
    assert "This is not a certificate ID: it should look like PRC-7K3M-Q9XD-K." in \
        page_text(response)


def test_the_form_answers_an_unknown_well_formed_id_with_not_found(client):
    response = submit(client, "/verify", {"code": ids.new_code("ZZZ")})

    assert response.status_code == 422
    assert "No certificate has this ID." in page_text(response)


def test_the_form_needs_an_id_or_a_file(client):
    response = submit(client, "/verify", {"code": ""})

    assert response.status_code == 422
    assert "Enter a certificate ID, or choose the PDF file of a certificate." in page_text(response)


def test_the_form_refuses_a_post_without_its_csrf_token(client):
    response = client.post("/verify", data={"code": "PRC-7K3M-Q9XD-5"})

    assert response.status_code == 400


# ---------------------------------------------------------------- the form: a PDF


def test_the_pdf_as_issued_is_reported_exact_with_its_record(client):
    holder = make_user(email="pdf.holder@example.org")
    certificate = issue_certificate(holder)
    data = issuance.pdf_for(certificate, "fr")

    response = _upload(client, data)

    assert response.status_code == 200
    text = page_text(response)
    assert "This file is exactly the certificate that was issued." in text
    assert "This file differs" not in text
    assert certificate.code in text and holder.full_name in text
    assert "Status: Valid" in text
    assert "pdf.holder@example.org" not in response.get_data(as_text=True)


def test_an_edited_pdf_differs_and_the_true_record_is_shown(client):
    holder = make_user(full_name="Trainee Edited Test")
    certificate = issue_certificate(holder)
    data = issuance.pdf_for(certificate, "en")
    edited = data.replace(b"Trainee", b"Trainer")
    assert edited != data and len(edited) == len(data)

    response = _upload(client, edited)

    text = page_text(response)
    # The PDF's own signature says so first; the byte comparison agrees.
    assert response.status_code == 422
    assert "the file was changed after it was signed" in text
    assert ("This file differs from the certificate that was issued: trust the record "
            "below, not the file.") in text
    assert "Trainee Edited Test" in text
    assert "This file is exactly the certificate that was issued." not in text


def test_a_revoked_certificates_pdf_is_exact_but_shows_revoked(client):
    certificate = issue_certificate(revoked=True)

    text = page_text(_upload(client, issuance.pdf_for(certificate, "pt")))

    assert "This file is exactly the certificate that was issued." in text
    assert "Status: Revoked" in text


def test_a_pdf_with_a_forged_signature_says_so_and_shows_the_record(client):
    certificate = issue_certificate()
    header, payload, signature = certificate.credential.split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"
    assert not signing.verify_jwt(forged).ok

    response = _upload(client, render_pdf(certificate.snapshot, forged, "en"))

    assert response.status_code == 422
    text = page_text(response)
    assert "The signature of the credential in this PDF is not valid" in text
    assert certificate.code in text
    assert "differs" in text


def _with_credential(data: bytes, token: str) -> bytes:
    """``data`` with its attached credential replaced by ``token`` (and a matching checksum)."""
    import hashlib

    from pypdf import PdfWriter
    from pypdf.generic import ByteStringObject, NameObject, NumberObject

    writer = PdfWriter(clone_from=io.BytesIO(data))
    names = writer.root_object["/Names"]["/EmbeddedFiles"]["/Names"]
    stream = names[1].get_object()["/EF"]["/F"].get_object()
    payload = token.encode("ascii")
    stream.set_data(payload)
    params = stream["/Params"]
    params[NameObject("/Size")] = NumberObject(len(payload))
    params[NameObject("/CheckSum")] = ByteStringObject(
        hashlib.md5(payload, usedforsecurity=False).digest())
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_a_pdf_carrying_another_certificates_credential_is_valid_for_neither(client):
    holder, other = make_user(full_name="Ana Swapped"), make_user(full_name="Bruno Genuine")
    mine, theirs = issue_certificate(holder), issue_certificate(other)
    swapped = _with_credential(issuance.pdf_for(mine, "en"), theirs.credential)
    assert pdf.extract_credential(swapped) == theirs.credential  # a genuine signature

    response = _upload(client, swapped)

    assert response.status_code == 422
    text = page_text(response)
    assert (f"The signed credential in this file belongs to a different certificate "
            f"({theirs.code}) from the one the file shows ({mine.code}). This file is not "
            f"a valid certificate.") in text
    assert "Valid" not in text.replace("not a valid certificate", "")
    assert "Bruno Genuine" not in text and "Ana Swapped" not in text
    assert "exactly the certificate" not in text and "trust the record below" not in text


def test_a_pdf_without_a_credential_is_refused_clearly(client):
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.drawString(100, 100, "A certificate, believe me")
    canvas.save()

    response = _upload(client, buffer.getvalue())

    assert response.status_code == 422
    assert "This PDF does not carry a signed credential" in page_text(response)


def test_a_file_that_is_not_a_pdf_is_refused(client):
    response = _upload(client, b"GIF89a not a certificate", name="cat.gif")

    assert response.status_code == 422
    assert "This file is not a PDF." in page_text(response)


def test_a_file_over_the_upload_limit_is_refused(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "LMS_MAX_UPLOAD_BYTES", 1000)

    response = _upload(client, b"%PDF-1.4\n" + b"0" * 2000)

    assert response.status_code == 422
    assert "The file is too large." in page_text(response)


# ---------------------------------------------------------------- privacy and limits


def test_no_public_page_or_answer_carries_the_holders_email(client):
    holder = make_user(email="never.public@example.org", full_name="Ana Privada")
    valid = issue_certificate(holder)
    revoked = issue_certificate(holder, revoked=True)
    superseded = issue_certificate(holder, superseded=True)
    urls = []
    for certificate in (valid, revoked, superseded, superseded.superseded_by):
        urls += [f"/verify/{certificate.code}", f"/api/v1/certificates/{certificate.code}",
                 f"/api/v1/issuers/{certificate.issuer_id}",
                 f"/api/v1/issuers/{certificate.issuer_id}/revocations",
                 f"/api/v1/achievements/track-{certificate.track_id}"]
    bodies = [client.get(url).get_data(as_text=True) for url in urls]
    bodies.append(client.post("/api/v1/certificates/verify",
                              json={"ids": [valid.code, revoked.code]}).get_data(as_text=True))
    bodies.append(_upload(client, issuance.pdf_for(valid, "es")).get_data(as_text=True))

    assert any("Ana Privada" in body for body in bodies)
    for body in bodies:
        assert "never.public@example.org" not in body
        assert "example.org" not in body.replace("lms.example.org", "")


def test_too_many_verifications_get_a_translated_page(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "LMS_VERIFY_RATE_LIMIT", "3 per minute")
    for _attempt in range(3):
        assert client.get("/verify").status_code == 200

    response = client.get("/verify/PRC-7K3M-Q9XD-5")
    spanish = client.get("/verify", headers=ES)

    assert response.status_code == 429
    assert "too many verification requests" in page_text(response)
    assert spanish.status_code == 429
    assert "<html lang=\"es\">" in spanish.get_data(as_text=True)


def test_a_request_over_the_body_limit_is_answered_on_the_form(client, app, monkeypatch):
    token = csrf_token(client, "/verify")
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 5000)

    response = client.post("/verify", data={"csrf_token": token,
                                            "pdf": (io.BytesIO(b"%PDF" + b"0" * 9000), "a.pdf")},
                           content_type="multipart/form-data")

    assert response.status_code == 413
    assert "The file is too large." in page_text(response)


# ---------------------------------------------------------------- one verdict first


VERDICT = re.compile(r'<section class="verdict verdict-(\w+)"(.*?)</section>', re.S)


def _verdict(response) -> tuple[str, str]:
    """The tone (ok, warn, bad) and the words of the page's one verdict."""
    found = VERDICT.findall(response.get_data(as_text=True))
    assert len(found) == 1, found
    tone, inner = found[0]
    return tone, " ".join(re.sub(r"<[^>]+>", " ", inner.split(">", 1)[1]).split())


def test_a_revoked_certificate_says_so_first_and_nothing_on_the_page_is_green(client):
    certificate = issue_certificate(revoked=True)

    response = client.get(f"/verify/{certificate.code}")

    tone, text = _verdict(response)
    assert tone == "bad" and text.startswith("Revoked certificate")
    html = response.get_data(as_text=True)
    assert html.index("verdict-bad") < html.index("certificate-fields")
    assert "badge ok" not in html and "verdict-ok" not in html
    assert "Signature valid" in page_text(response)  # authentic, said as a detail


def test_a_valid_certificate_has_one_green_verdict(client):
    certificate = issue_certificate()

    tone, text = _verdict(client.get(f"/verify/{certificate.code}"))

    assert tone == "ok" and text.startswith("Valid certificate")


def test_an_expired_or_replaced_certificate_is_a_warning(client):
    expired = issue_certificate(expires_on=yesterday())
    replaced = issue_certificate(superseded=True)

    assert _verdict(client.get(f"/verify/{expired.code}"))[0] == "warn"
    tone, text = _verdict(client.get(f"/verify/{replaced.code}"))
    assert tone == "warn" and replaced.superseded_by.code in text


def test_a_record_whose_signature_fails_is_not_to_be_relied_on(client, database):
    certificate = issue_certificate()
    header, payload, signature = certificate.credential.split(".")
    certificate.credential = f"{header}.{payload}.{signature[:-4]}AAAA"
    database.session.flush()

    tone, text = _verdict(client.get(f"/verify/{certificate.code}"))

    assert tone == "bad" and text.startswith("Do not rely on this certificate")


def test_a_tampered_upload_gives_one_red_verdict_and_no_green_badge(client):
    certificate = issue_certificate(make_user(full_name="Trainee Tampered Test"))
    data = issuance.pdf_for(certificate, "en")
    edited = data.replace(b"Trainee", b"Trainer")

    response = _upload(client, edited)

    tone, text = _verdict(response)
    assert tone == "bad" and text.startswith("This file is not the certificate that was issued")
    html = response.get_data(as_text=True)
    assert "verdict-ok" not in html and "badge ok" not in html
