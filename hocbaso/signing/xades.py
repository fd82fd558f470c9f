"""XAdES-BES signatures on the record XML with signxml, several signers in turn.

Shape of a signed record::

    <HocBa xmlns="…">                      root (any name)
      <HoSo Id="hoso"> … data … </HoSo>    exactly one data child with an Id attribute
      <ds:Signature …/>                    homeroom teacher  ┐ appended in signing order,
      <ds:Signature …/>                    principal         │ each referencing "#hoso" (+ its own
      <ds:Signature …/>                    school            ┘ KeyInfo and SignedProperties)

Why this shape: an enveloped signature over the whole root (``URI=""``) would be broken by the next
signature appended to the root, and signxml implements neither XPath transforms nor
counter-signatures. Referencing the data element by Id keeps every signature independent: each
verifies on its own, in any number, with signxml and with ``xmlsec1 --verify`` (which needs
``--id-attr:Id <data element>`` and ``--id-attr:Id http://uri.etsi.org/01903/v1.3.2#:SignedProperties``).
Documents without such a data child can be wrapped with :func:`envelope`.

The signer's role goes into XAdES ``ClaimedRoles`` (e.g. "Giáo viên chủ nhiệm"); the signing time
and the signing certificate digest into the signed properties.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import InvalidCertificate, InvalidDigest, InvalidInput, InvalidSignature, SignatureMethod
from signxml.util import X509CertChainVerifier
from signxml.xades import XAdESSignatureConfiguration, XAdESSigner, XAdESVerifier

from hocbaso.core.errors import ValidationFailed
from hocbaso.signing.backends import ensure_usable

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
ENVELOPE_NS = "urn:hocbaso:signed:1"


def _parse(xml_bytes: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False, huge_tree=False)
    try:
        return etree.fromstring(xml_bytes, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise ValidationFailed(f"not well-formed XML: {exc}", code="xml_malformed") from None


def _signatures(root: etree._Element) -> list[etree._Element]:
    return [child for child in root if child.tag == f"{{{DS}}}Signature"]


def _data_element(root: etree._Element, data_id: str | None) -> etree._Element:
    candidates = [c for c in root if isinstance(c.tag, str) and c.tag != f"{{{DS}}}Signature" and c.get("Id")]
    if data_id is not None:
        candidates = [c for c in candidates if c.get("Id") == data_id]
    if len(candidates) != 1:
        raise ValidationFailed(
            "the XML root must contain exactly one data element with an Id attribute", code="xml_no_signed_element"
        )
    return candidates[0]


def envelope(xml_bytes: bytes, *, data_id: str = "hoso") -> bytes:
    """Wrap a document as ``<HoSoKy xmlns="urn:hocbaso:signed:1"><NoiDung Id=…>original root</NoiDung></HoSoKy>``."""
    original = _parse(xml_bytes)
    root = etree.Element(f"{{{ENVELOPE_NS}}}HoSoKy", nsmap={None: ENVELOPE_NS})
    content = etree.SubElement(root, f"{{{ENVELOPE_NS}}}NoiDung", Id=data_id)
    content.append(original)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def sign_xml(
    xml_bytes: bytes,
    *,
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey,
    cert_chain: Sequence[x509.Certificate],
    role: str,
    data_id: str | None = None,
) -> bytes:
    """Append one XAdES-BES signature (signer first in ``cert_chain``, then CAs) to the end of the root.

    The signature covers the root's data child (the one with an ``Id``, or ``data_id``), its own
    KeyInfo and its SignedProperties (signing time, signing certificate, claimed role ``role``).
    Earlier signatures stay valid. Refuses an expired certificate (``certificate_expired``) and a
    document without exactly one Id-bearing data child (``xml_no_signed_element``).
    """
    if not cert_chain:
        raise ValidationFailed("a certificate is required", code="certificate_missing")
    ensure_usable(cert_chain[0])
    root = _parse(xml_bytes)
    data = _data_element(root, data_id)
    # Chosen from the certificate, not the key object: token and remote keys come as adapters.
    is_ec = isinstance(cert_chain[0].public_key(), ec.EllipticCurvePublicKey)
    method = SignatureMethod.ECDSA_SHA256 if is_ec else SignatureMethod.RSA_SHA256
    signer = XAdESSigner(claimed_roles=[role], signature_algorithm=method, digest_algorithm="sha256")
    signed = signer.sign(
        root,
        key=key,
        cert=list(cert_chain),
        reference_uri=[f"#{data.get('Id')}"],
        id_attribute="Id",
        always_add_key_value=False,
    )
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


@dataclass(frozen=True)
class XmlSignatureReport:
    """One ds:Signature of the root, in document order. ``outcome`` fails closed like the PDF reports."""

    index: int
    outcome: Literal["valid", "invalid", "indeterminate"]
    signer_name: str | None
    signer_fingerprint: str | None
    role: str | None
    signing_time: dt.datetime | None
    reasons: tuple[str, ...] = field(default=())


def verify_xml(
    xml_bytes: bytes, trust_roots: Sequence[x509.Certificate], *, data_id: str | None = None
) -> list[XmlSignatureReport]:
    """Verify every signature appended to the root against ``trust_roots`` (chain and validity checked now).

    Each signature is verified in a copy of the document holding only that signature — they do not
    cover each other — and must reference the root's data element. Revocation is not checked here
    (signxml does not do OCSP/CRL); the PDF path does that.
    """
    root = _parse(xml_bytes)
    signatures = _signatures(root)
    try:
        data = _data_element(root, data_id)
    except ValidationFailed:
        return [
            XmlSignatureReport(i, "invalid", None, None, None, None, ("no_signed_element",))
            for i in range(len(signatures))
        ]
    reports = []
    for index in range(len(signatures)):
        alone = copy.deepcopy(root)
        for position, sig in enumerate(_signatures(alone)):
            if position != index:
                alone.remove(sig)
        reports.append(_verify_one(index, alone, list(trust_roots), data.get("Id")))
    return reports


class _RootsChainVerifier(X509CertChainVerifier):
    """signxml's chain check (cryptography's verifier, WebPKI CA profile) with in-memory trust roots."""

    def __init__(self, roots: list[x509.Certificate], **kwargs: object):
        super().__init__(ca_pem_file=None, **kwargs)
        self._roots = roots

    @property
    def store(self) -> x509.verification.Store:
        return x509.verification.Store(self._roots)


class _Verifier(XAdESVerifier):
    def __init__(self, roots: list[x509.Certificate]):
        super().__init__()
        self._roots = roots

    def get_cert_chain_verifier(self, ca_pem_file, ee_policy, ca_policy):  # type: ignore[no-untyped-def]
        return _RootsChainVerifier(
            self._roots, verification_time=self._get_cert_verification_time(), ee_policy=ee_policy, ca_policy=ca_policy
        )


def _verify_one(
    index: int, doc: etree._Element, roots: list[x509.Certificate], data_id: str | None
) -> XmlSignatureReport:
    cert = _signature_cert(doc)
    name = fingerprint = None
    if cert is not None:
        names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        name = str(names[0].value) if names else cert.subject.rfc4514_string()
        fingerprint = cert.fingerprint(hashes.SHA256()).hex().upper()
    try:
        results = _Verifier(roots).verify(
            doc, id_attribute="Id", expect_config=XAdESSignatureConfiguration(expect_references=3)
        )
    except InvalidDigest:
        return XmlSignatureReport(index, "invalid", name, fingerprint, None, None, ("digest_mismatch",))
    except InvalidCertificate as exc:
        return XmlSignatureReport(index, "indeterminate", name, fingerprint, None, None, (f"untrusted:{exc}",))
    except (InvalidSignature, InvalidInput) as exc:
        return XmlSignatureReport(index, "invalid", name, fingerprint, None, None, (f"signature_invalid:{exc}",))
    # signxml hands back re-parsed copies, so identify the data element by its Id, which must be unique
    # in the document (a second element with the same Id could otherwise stand in for the data).
    unique_id = len(doc.xpath("//*[@Id=$id]", id=data_id)) == 1
    covers_data = unique_id and any(r.signed_xml is not None and r.signed_xml.get("Id") == data_id for r in results)
    role = signing_time = None
    for result in results:
        properties = getattr(result, "signed_properties", None)
        if properties is None:
            continue
        role_el = properties.find(f".//{{{XADES}}}ClaimedRole")
        time_el = properties.find(f".//{{{XADES}}}SigningTime")
        role = role_el.text if role_el is not None else None
        signing_time = dt.datetime.fromisoformat(time_el.text) if time_el is not None and time_el.text else None
    if not covers_data:
        return XmlSignatureReport(index, "invalid", name, fingerprint, role, signing_time, ("data_not_covered",))
    return XmlSignatureReport(index, "valid", name, fingerprint, role, signing_time)


def _signature_cert(doc: etree._Element) -> x509.Certificate | None:
    element = doc.find(f"{{{DS}}}Signature/{{{DS}}}KeyInfo/{{{DS}}}X509Data/{{{DS}}}X509Certificate")
    if element is None or not element.text:
        return None
    import base64

    try:
        return x509.load_der_x509_certificate(base64.b64decode("".join(element.text.split())))
    except ValueError:
        return None
