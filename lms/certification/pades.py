"""Signing certificate PDFs (PAdES, pyHanko) and checking the signature of an uploaded one.

The signature is the PDF's last incremental update, by the issuing body's
document-signing certificate (``lms.certification.pki``). Its signing time is the
certificate's issuance time and nothing in it is random (RSA PKCS#1 v1.5, a
document ID derived from the content), so signing the same rendering again gives
the same bytes: a downloaded PDF can still be compared byte for byte with a fresh
one. With ``LMS_TSA_URL`` an RFC 3161 timestamp is added (PAdES B-T); its token
differs each time, so those files are stored when first made (see
``lms.certification.signed_pdfs``).

Speed: pyHanko's ``SimpleSigner`` loads and checks the key on each signature and
signs twice (a dry run to size the signature); here the loaded key is kept per
process (``pki`` caches the parsed files) and the space reserved for the signature
is fixed, computed from the certificates it embeds.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from asn1crypto.algos import SignedDigestAlgorithm
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from flask_babel import lazy_gettext as _l
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import TimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

from lms.certification import pki

log = logging.getLogger(__name__)

FIELD_NAME = "Signature1"
# Room for the CMS beyond the certificates it embeds: signed attributes and the
# 256-byte RSA signature take about 700 bytes.
_RESERVE_MARGIN = 1024
# An RFC 3161 token embeds the TSA's certificate(s); generous, as their size is not ours.
_TIMESTAMP_RESERVE = 8192

# Why an uploaded PDF's signature is not accepted; ``PdfSignature.state``.
PROBLEMS = {
    "unsigned": _l("This PDF has no digital signature."),
    "altered": _l("The digital signature of this PDF does not match its content: the file "
                  "was changed after it was signed."),
    "untrusted": _l("This PDF is signed by someone this site does not know: it was not "
                    "issued here, or it was signed again by someone else."),
    "damaged": _l("The digital signature of this PDF cannot be read: the file is damaged "
                  "or was altered."),
}


# ---------------------------------------------------------------- signing


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


class _KeptKeySigner(signers.Signer):
    """A pyHanko signer with the private key already loaded, signing in one pass."""

    def __init__(self, credentials: pki.Credentials, ca: x509.Certificate) -> None:
        self._key = credentials.key
        chain = [*credentials.chain, ca] if not credentials.chain else list(credentials.chain)
        super().__init__(
            signing_cert=_asn1(credentials.certificate),
            cert_registry=SimpleCertificateStore.from_certs([_asn1(c) for c in chain]),
            signature_mechanism=SignedDigestAlgorithm({"algorithm": "sha256_rsa"}),
            embed_roots=True)
        # pyHanko's bytes_reserved counts hex digits: two per byte of the CMS.
        self.reserved = 2 * (_RESERVE_MARGIN + len(credentials.certificate.public_bytes(
            serialization.Encoding.DER)) + sum(len(c.public_bytes(serialization.Encoding.DER))
                                               for c in chain))
        self._fixed = _FixedParts(credentials.certificate, chain)

    async def async_sign_raw(self, data: bytes, digest_algorithm: str,
                             dry_run: bool = False) -> bytes:
        return self._key.sign(data, padding.PKCS1v15(), hashes.SHA256())

    async def async_sign(self, data_digest: bytes, digest_algorithm: str, dry_run=False,
                         use_pades=False, timestamper=None, signed_attr_settings=None,
                         is_pdf_sig=True, encap_content_info=None) -> cms.ContentInfo:
        """The CMS of a PAdES B-B signature, assembled from DER parts made once per
        certificate; pyHanko's own assembly re-encodes the certificates each time and
        costs most of a signature. With a timestamp, pyHanko's own (files are stored)."""
        if timestamper is not None or dry_run or digest_algorithm != "sha256":
            return await super().async_sign(
                data_digest, digest_algorithm, dry_run=dry_run, use_pades=use_pades,
                timestamper=timestamper, signed_attr_settings=signed_attr_settings,
                is_pdf_sig=is_pdf_sig, encap_content_info=encap_content_info)
        fixed = self._fixed
        digest_attribute = cms.CMSAttribute({"type": "message_digest",
                                             "values": [data_digest]}).dump()
        attributes = b"".join(sorted([fixed.content_type, digest_attribute,
                                      fixed.signing_certificate]))
        signature = self._key.sign(_der(0x31, attributes), padding.PKCS1v15(), hashes.SHA256())
        signer_info = _der(0x30, _VERSION_1 + fixed.signer_id + fixed.digest_algorithm
                           + _der(0xA0, attributes) + fixed.signature_algorithm
                           + _der(0x04, signature))
        signed_data = _der(0x30, _VERSION_1 + _der(0x31, fixed.digest_algorithm)
                           + _der(0x30, _OID_DATA) + _der(0xA0, fixed.certificates)
                           + _der(0x31, signer_info))
        return cms.ContentInfo.load(_der(0x30, _OID_SIGNED_DATA + _der(0xA0, signed_data)))


def _der(tag: int, content: bytes) -> bytes:
    """One DER element: tag, definite length, content."""
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    octets = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(octets)]) + octets + content


_VERSION_1 = _der(0x02, b"\x01")
_OID_DATA = core.ObjectIdentifier("1.2.840.113549.1.7.1").dump()
_OID_SIGNED_DATA = core.ObjectIdentifier("1.2.840.113549.1.7.2").dump()


class _FixedParts:
    """The DER pieces of a signature that depend only on the signing certificate."""

    def __init__(self, certificate: x509.Certificate, chain: list[x509.Certificate]) -> None:
        der = certificate.public_bytes(serialization.Encoding.DER)
        parsed = asn1_x509.Certificate.load(der)
        self.content_type = cms.CMSAttribute({"type": "content_type",
                                              "values": ["data"]}).dump()
        # ESS signing-certificate-v2: what makes the CMS a PAdES (CAdES) signature.
        self.signing_certificate = cms.CMSAttribute({"type": "signing_certificate_v2", "values": [
            tsp.SigningCertificateV2({"certs": [{
                "hash_algorithm": {"algorithm": "sha256"},
                "cert_hash": hashlib.sha256(der).digest(),
                "issuer_serial": {
                    "issuer": [asn1_x509.GeneralName(name="directory_name",
                                                     value=parsed.issuer)],
                    "serial_number": parsed.serial_number}}]})]}).dump()
        self.signer_id = cms.IssuerAndSerialNumber({
            "issuer": parsed.issuer, "serial_number": parsed.serial_number}).dump()
        self.digest_algorithm = algos.DigestAlgorithm({"algorithm": "sha256"}).dump()
        self.signature_algorithm = SignedDigestAlgorithm({"algorithm": "sha256_rsa"}).dump()
        self.certificates = b"".join(sorted(
            [der, *(c.public_bytes(serialization.Encoding.DER) for c in chain)]))


@lru_cache(maxsize=64)
def _signer(credentials: pki.Credentials, ca: x509.Certificate) -> _KeptKeySigner:
    # Credentials are cached per file by pki, so this keeps one signer per file.
    return _KeptKeySigner(credentials, ca)


class _FixedTimePdfSigner(signers.PdfSigner):
    """pyHanko's PDF signer with the signing time given instead of the clock's."""

    def __init__(self, *args, signing_time: datetime, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._signing_time = signing_time

    def init_signing_session(self, pdf_out, existing_fields_only=False):
        session = super().init_signing_session(pdf_out, existing_fields_only)
        session.system_time = self._signing_time
        return session


class _Writer(IncrementalPdfFileWriter):
    """An incremental update that leaves the document's metadata alone.

    pyHanko would set the Info and XMP modification dates to the current time,
    which would make every signature's bytes differ; the signature revision
    changes no content, and the PDF/A metadata stays as rendered.
    """

    def _update_meta(self) -> None:
        return None


def sign(pdf_bytes: bytes, credentials: pki.Credentials, signing_time: datetime,
         timestamper: TimeStamper | None = None) -> bytes:
    """``pdf_bytes`` with a PAdES signature by ``credentials`` appended (invisible field).

    Without a timestamper the result depends only on its inputs (same bytes every
    time); ``signing_time`` must be timezone-aware.
    """
    # The CA kept in the same folder as the body's file: the one it chains to.
    signer = _signer(credentials, pki.ca(credentials.path.parent).certificate)
    writer = _Writer(io.BytesIO(pdf_bytes), strict=False)
    # pyHanko gives the new revision a random second document ID: derive it from the
    # content instead, so that signing is reproducible.
    first_id = writer._document_id[0]
    writer._document_id = generic.ArrayObject([
        first_id, generic.ByteStringObject(hashlib.sha256(pdf_bytes).digest()[:16])])
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES, name=credentials.subject)
    pdf_signer = _FixedTimePdfSigner(
        meta, signer, timestamper=timestamper, signing_time=signing_time,
        new_field_spec=fields.SigFieldSpec(FIELD_NAME, box=None))
    reserved = signer.reserved + (2 * _TIMESTAMP_RESERVE if timestamper else 0)
    output = _run(pdf_signer.async_sign_pdf(writer, bytes_reserved=reserved))
    return output.getvalue()


_loops = threading.local()


def _run(coroutine):
    """Run one of pyHanko's coroutines to its end, from synchronous code.

    pyHanko's own synchronous wrappers call ``asyncio.run``: a new event loop each
    time, and an error where a loop already runs in the thread (an async server,
    Playwright's synchronous API). Here each thread keeps one loop; where a loop
    is already running, the work goes to a short-lived thread of its own.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        loop = getattr(_loops, "loop", None)
        if loop is None or loop.is_closed():
            loop = _loops.loop = asyncio.new_event_loop()
        return loop.run_until_complete(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


# ---------------------------------------------------------------- validating


@dataclass(frozen=True)
class PdfSignature:
    """What the signature of a PDF says. ``state`` is "valid" or a key of PROBLEMS."""

    state: str
    signer: str | None = None
    signed_at: datetime | None = None
    timestamped: bool = False
    # SHA-256 of the signing certificate (DER), to match it with the issuer's files.
    fingerprint: bytes | None = None

    @property
    def ok(self) -> bool:
        return self.state == "valid"

    @property
    def message(self) -> str:
        """The problem as a translated sentence ('' when valid)."""
        return "" if self.ok else str(PROBLEMS[self.state])


def _padding_is_clean(embedded) -> bool:
    """The reserved space after the signature holds only zeros.

    The CMS parser stops at the end of the signature and would not notice a byte
    changed in the padding, which lies outside the signed range.
    """
    contents = bytes(embedded.sig_object["/Contents"])
    # The DER length of the outer SEQUENCE: tag, length octets, content.
    if len(contents) < 2 or contents[0] != 0x30:
        return False
    if contents[1] < 0x80:
        used = 2 + contents[1]
    else:
        count = contents[1] & 0x7F
        used = 2 + count + int.from_bytes(contents[2:2 + count], "big")
    return used <= len(contents) and not contents[used:].strip(b"\x00")


def validate(pdf_bytes: bytes, anchors: list[x509.Certificate] | None = None) -> PdfSignature:
    """Check the PDF's signature: intact, covering the whole file, by a certificate
    that chains to one of ``anchors`` (default: this deployment's CA and imported
    chains). No network access: revocation is not fetched."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.pdf_embedded import async_validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    anchors = anchors if anchors is not None else pki.trust_anchors()
    try:
        reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
        signatures = reader.embedded_signatures
    except Exception:  # a damaged upload may fail anywhere inside the parser
        log.debug("unreadable PDF signature", exc_info=True)
        return PdfSignature("damaged")
    if not signatures:
        return PdfSignature("unsigned")
    context = ValidationContext(trust_roots=[_asn1(c) for c in anchors], allow_fetching=False,
                                revocation_mode="soft-fail")
    last = signatures[-1]
    try:
        statuses = [_run(async_validate_pdf_signature(s, context, skip_diff=True))
                    for s in signatures]
        clean = all(_padding_is_clean(s) for s in signatures)
    except Exception:
        log.debug("PDF signature validation failed", exc_info=True)
        return PdfSignature("damaged")
    status = statuses[-1]
    der = status.signing_cert.dump()
    signer = pki.common_name(x509.load_der_x509_certificate(der))
    when = last.self_reported_timestamp
    fingerprint = hashlib.sha256(der).digest()
    if not clean or not all(s.intact and s.valid for s in statuses) \
            or status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return PdfSignature("altered", signer, when, fingerprint=fingerprint)
    if not all(s.trusted for s in statuses):
        return PdfSignature("untrusted", signer, when, fingerprint=fingerprint)
    return PdfSignature("valid", signer, when, status.timestamp_validity is not None,
                        fingerprint)


def signed_by_issuer(signature: PdfSignature, issuer_id: int) -> bool:
    """Whether the PDF was signed with one of the issuing body's certificates."""
    return signature.fingerprint in {
        hashlib.sha256(found.certificate.public_bytes(serialization.Encoding.DER)).digest()
        for found in pki.body_files(issuer_id)}
