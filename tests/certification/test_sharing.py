"""The holder's certificate page: LinkedIn, the credential files, the share link, the QR."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

from lms.certification import signing
from tests.certification.factories import issue_certificate
from tests.conftest import page_text, sign_in_quickly
from tests.factories import make_officer, make_user


def _page(client, certificate):
    response = client.get(f"/certificates/{certificate.code}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_list_links_to_each_certificates_page(client, database):
    user = make_user(locale="en")
    certificate = issue_certificate(user)
    sign_in_quickly(client, user)
    assert f'href="/certificates/{certificate.code}"' in client.get(
        "/certificates").get_data(as_text=True)


def test_linkedin_link_is_prefilled_with_the_certificate(client, database):
    user = make_user(locale="en")
    certificate = issue_certificate(user)
    sign_in_quickly(client, user)
    html = _page(client, certificate)
    start = html.index('href="https://www.linkedin.com/profile/add?') + len('href="')
    url = html[start:html.index('"', start)].replace("&amp;", "&")
    query = {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}
    assert query["startTask"] == "CERTIFICATION_NAME"
    assert query["name"] == certificate.snapshot["text"]["en"]["title"]
    assert query["organizationName"] == certificate.issuer.name
    assert (query["issueYear"], query["issueMonth"]) == (
        str(certificate.issued_on.year), str(certificate.issued_on.month))
    assert (query["expirationYear"], query["expirationMonth"]) == (
        str(certificate.expires_on.year), str(certificate.expires_on.month))
    assert query["certUrl"] == certificate.snapshot["verify_url"]
    assert query["certId"] == certificate.code
    assert "Add to LinkedIn profile" in page_text(client.get(f"/certificates/{certificate.code}"))


def test_no_expiry_leaves_the_expiration_out(client, database):
    user = make_user(locale="en")
    certificate = issue_certificate(user, expires_on=None)
    sign_in_quickly(client, user)
    assert "expirationYear" not in _page(client, certificate)


def test_share_link_and_qr_code(client, database):
    user = make_user(locale="en")
    certificate = issue_certificate(user)
    sign_in_quickly(client, user)
    html = _page(client, certificate)
    verify_url = certificate.snapshot["verify_url"]
    # Works without JavaScript: a read-only field holding the verify URL.
    assert f'id="share-link" type="text" readonly value="{verify_url}"' in html
    # The QR code is inline SVG with an accessible name.
    assert '<svg role="img" aria-label="QR code of the verification address of certificate ' \
        f'{certificate.code}"' in html
    assert "<title>QR code" in html


def test_downloads_the_vc_jwt_and_the_json_as_signed(client, database):
    user = make_user(locale="en")
    certificate = issue_certificate(user)
    sign_in_quickly(client, user)
    token = client.get(f"/certificates/{certificate.code}/credential.jwt")
    assert token.status_code == 200 and token.mimetype == "application/vc+jwt"
    assert token.headers["Content-Disposition"] == (
        f'attachment; filename="{certificate.code}.jwt"')
    assert token.get_data(as_text=True) == certificate.credential

    document = client.get(f"/certificates/{certificate.code}/credential.json")
    assert document.status_code == 200 and document.mimetype == "application/json"
    credential = json.loads(document.get_data())
    assert credential == signing.verify_jwt(certificate.credential).credential
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert "proof" not in credential


def test_others_are_refused_and_unknown_ids_are_not_found(client, database):
    certificate = issue_certificate()
    sign_in_quickly(client, make_user())
    for tail in ("", "/credential.json", "/credential.jwt"):
        assert client.get(f"/certificates/{certificate.code}{tail}").status_code == 403
    assert client.get("/certificates/PRC-0000-0000-0").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, database):
    certificate = issue_certificate()
    assert client.get(f"/certificates/{certificate.code}/credential.jwt").status_code == 302


def test_an_officer_of_the_issuer_may_open_it(client, database):
    certificate = issue_certificate()
    sign_in_quickly(client, make_officer(certificate.issuer))
    assert client.get(f"/certificates/{certificate.code}").status_code == 200
    assert client.get(f"/certificates/{certificate.code}/credential.jwt").status_code == 200
