"""The transfer bundle's container: one zip in the ASiC-E layout (ETSI EN 319 162-1).

::

    mimetype                    "application/vnd.etsi.asic-e+zip", first entry, stored
    META-INF/manifest.xml       every other file with its size and SHA-256 (canonical XML)
    META-INF/signatures.xml     <asic:XAdESSignatures> with one detached XAdES signature whose
                                reference is META-INF/manifest.xml (the sending school's seal)
    bundle.json                 the header (docs/transfer-bundle.md)
    decision/…, records/…       the signed documents

``pack`` builds it; ``unpack`` opens untrusted bytes and checks, before anything is parsed, what
a hostile file could abuse: its size, the number of entries, the uncompressed sizes and ratios
(zip bombs), every path (no ``..``, no absolute or drive path, no backslash, no duplicate), the
``mimetype`` entry, that every file is in the manifest with the SHA-256 it lists, and the seal's
signature over the manifest. Whether the seal's certificate is trusted, valid and not revoked is
decided by the verification core (:func:`hocbaso.verification.core.certificate_check`).
"""

from __future__ import annotations

import base64
import hashlib
import io
import posixpath
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from lxml import etree
from signxml import SignatureConstructionMethod, SignatureMethod
from signxml.exceptions import SignXMLException
from signxml.xades import XAdESSignatureConfiguration, XAdESSigner, XAdESVerifier

from hocbaso.verification import core

MIMETYPE = "application/vnd.etsi.asic-e+zip"
MANIFEST = "META-INF/manifest.xml"
SIGNATURES = "META-INF/signatures.xml"
ASIC_NS = "http://uri.etsi.org/02918/v1.2.1#"
MANIFEST_NS = "urn:hocbaso:transfer-bundle:1"
DS = "http://www.w3.org/2000/09/xmldsig#"

MAX_BUNDLE_BYTES = 64 * 1024 * 1024
MAX_ENTRIES = 64
MAX_ENTRY_BYTES = 32 * 1024 * 1024
MAX_TOTAL_BYTES = 128 * 1024 * 1024
MAX_RATIO = 50  # uncompressed / compressed; signed PDFs compress about 1:1, XML about 1:5


class ContainerRefused(Exception):
    """The bundle is refused; ``code`` is stable (docs/transfer-bundle.md lists them)."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Container:
    """An opened, checked container: the files the manifest lists and the seal that signed it.

    ``digests`` maps each of ``files`` to its SHA-256 (hex), computed once from its bytes while
    checking the manifest (equal to the manifest's): reuse it, never hash the same bytes again.
    ``sha256`` is the whole zip's."""

    files: dict[str, bytes]
    seal: x509.Certificate
    seal_chain: tuple[x509.Certificate, ...]
    seal_role: str
    sha256: str
    digests: dict[str, str]


def safe_path(name: str) -> bool:
    """A relative POSIX path inside the container: no ``..`` segment, no absolute or drive path."""
    if not name or name.startswith("/") or "\\" in name or "\x00" in name or (len(name) > 1 and name[1] == ":"):
        return False
    parts = name.split("/")
    return all(part not in ("", ".", "..") for part in parts) and posixpath.normpath(name) == name


def manifest_xml(files: Mapping[str, bytes]) -> bytes:
    """The manifest in canonical form (C14N 1.1): its bytes are what the signature digests."""
    root = etree.Element(f"{{{MANIFEST_NS}}}Manifest", nsmap={None: MANIFEST_NS})
    for name in sorted(files):
        etree.SubElement(
            root,
            f"{{{MANIFEST_NS}}}File",
            Path=name,
            Size=str(len(files[name])),
            Sha256=hashlib.sha256(files[name]).hexdigest(),
        )
    return etree.tostring(root, method="c14n2")


def _signer(role: str, is_ec: bool) -> XAdESSigner:
    signer = XAdESSigner(
        method=SignatureConstructionMethod.detached,
        claimed_roles=[role],
        signature_algorithm=SignatureMethod.ECDSA_SHA256 if is_ec else SignatureMethod.RSA_SHA256,
        digest_algorithm="sha256",
    )
    # Declared on the signature itself, so its canonical form is the same inside the wrapper.
    signer.namespaces["asic"] = ASIC_NS
    return signer


def sign_manifest(manifest: bytes, *, key: Any, cert_chain: list[x509.Certificate], role: str) -> bytes:
    """``META-INF/signatures.xml``: a detached XAdES-BES signature referencing the manifest."""
    from cryptography.hazmat.primitives.asymmetric import ec

    is_ec = isinstance(cert_chain[0].public_key(), ec.EllipticCurvePublicKey)
    signature = _signer(role, is_ec).sign(
        etree.fromstring(manifest), key=key, cert=cert_chain, reference_uri=[MANIFEST], always_add_key_value=False
    )
    wrapper = etree.Element(f"{{{ASIC_NS}}}XAdESSignatures", nsmap={"asic": ASIC_NS})
    wrapper.append(signature)
    return etree.tostring(wrapper, xml_declaration=True, encoding="UTF-8")


def pack(files: Mapping[str, bytes], *, key: Any, cert_chain: list[x509.Certificate], role: str) -> bytes:
    """The container of ``files`` (paths → bytes), sealed with ``key``."""
    for name in files:
        if not safe_path(name) or name.startswith("META-INF/") or name == "mimetype":
            raise ContainerRefused("bundle_unsafe_path", name)
    manifest = manifest_xml(files)
    signatures = sign_manifest(manifest, key=key, cert_chain=cert_chain, role=role)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), MIMETYPE.encode("ascii"), compress_type=zipfile.ZIP_STORED)
        for name, content in [(MANIFEST, manifest), (SIGNATURES, signatures), *sorted(files.items())]:
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            archive.writestr(info, content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _read_entries(raw: bytes) -> dict[str, bytes]:
    if len(raw) > MAX_BUNDLE_BYTES:
        raise ContainerRefused("bundle_too_large", str(len(raw)))
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ContainerRefused("bundle_unreadable", type(exc).__name__) from None
    if len(infos) > MAX_ENTRIES:
        raise ContainerRefused("bundle_too_many_entries", str(len(infos)))
    names = [info.filename for info in infos]
    for name in names:
        if not safe_path(name):
            raise ContainerRefused("bundle_unsafe_path", name[:200])
    if len(set(names)) != len(names):
        raise ContainerRefused("bundle_duplicate_entry")
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MAX_ENTRY_BYTES or total > MAX_TOTAL_BYTES or ratio > MAX_RATIO:
            raise ContainerRefused("bundle_zip_bomb", info.filename)
    if not infos or infos[0].filename != "mimetype" or infos[0].compress_type != zipfile.ZIP_STORED:
        raise ContainerRefused("bundle_not_asic", "mimetype must be the first entry, stored")
    entries: dict[str, bytes] = {}
    for info in infos:
        try:
            with archive.open(info) as handle:
                # never trust the declared size: read at most one byte more than it
                content = handle.read(info.file_size + 1)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise ContainerRefused("bundle_unreadable", f"{info.filename}: {type(exc).__name__}") from None
        if len(content) != info.file_size:
            raise ContainerRefused("bundle_zip_bomb", info.filename)
        entries[info.filename] = content
    if entries["mimetype"] != MIMETYPE.encode("ascii"):
        raise ContainerRefused("bundle_not_asic", "wrong mimetype")
    return entries


def _manifest_entries(manifest: bytes) -> dict[str, tuple[int, str]]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(manifest, parser)
    except etree.XMLSyntaxError:
        raise ContainerRefused("bundle_manifest_invalid", "not well-formed") from None
    if root.tag != f"{{{MANIFEST_NS}}}Manifest":
        raise ContainerRefused("bundle_manifest_invalid", "not a manifest")
    listed: dict[str, tuple[int, str]] = {}
    for element in root:
        path, size, digest = element.get("Path") or "", element.get("Size") or "", element.get("Sha256") or ""
        if element.tag != f"{{{MANIFEST_NS}}}File" or not safe_path(path) or path in listed or not size.isdigit():
            raise ContainerRefused("bundle_manifest_invalid", path[:200])
        listed[path] = (int(size), digest.lower())
    return listed


def _verify_seal(signatures: bytes, manifest: bytes) -> tuple[x509.Certificate, list[x509.Certificate], str]:
    """Check the signature value over the manifest (the certificate's trust is judged afterwards)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(signatures, parser)
    except etree.XMLSyntaxError:
        raise ContainerRefused("bundle_signature_invalid", "not well-formed") from None
    found = root.findall(f"{{{DS}}}Signature") if root.tag == f"{{{ASIC_NS}}}XAdESSignatures" else []
    if len(found) != 1:
        raise ContainerRefused("bundle_signature_invalid", "exactly one signature expected")
    certs = []
    for element in found[0].iter(f"{{{DS}}}X509Certificate"):
        try:
            certs.append(x509.load_der_x509_certificate(base64.b64decode("".join((element.text or "").split()))))
        except ValueError:
            raise ContainerRefused("bundle_signature_invalid", "unreadable certificate") from None
    if not certs:
        raise ContainerRefused("bundle_signature_invalid", "no certificate")
    references = found[0].findall(f"{{{DS}}}SignedInfo/{{{DS}}}Reference")
    if MANIFEST not in [r.get("URI") for r in references]:
        raise ContainerRefused("bundle_signature_invalid", "the signature does not reference the manifest")

    def resolve(uri: str) -> Any:
        return etree.fromstring(manifest, parser) if uri == MANIFEST else None

    try:
        results = XAdESVerifier().verify(
            found[0],
            x509_cert=certs[0],
            uri_resolver=resolve,
            expect_config=XAdESSignatureConfiguration(expect_references=3),
        )
    except (SignXMLException, ValueError) as exc:
        raise ContainerRefused("bundle_signature_invalid", str(exc)[:200]) from None
    if not any(r.signed_data == manifest for r in results):
        raise ContainerRefused("bundle_signature_invalid", "the manifest is not what was signed")
    role = ""
    for result in results:
        properties = getattr(result, "signed_properties", None)
        element = (
            properties.find(".//{http://uri.etsi.org/01903/v1.3.2#}ClaimedRole") if properties is not None else None
        )
        if element is not None:
            role = element.text or ""
    return certs[0], certs[1:], role


def unpack(raw: bytes, *, trust: core.TrustStore) -> Container:
    """Open and check a container (see the module docstring); ``ContainerRefused`` at the first problem.

    An untrusted or unknown seal issuer is ``bundle_unknown_issuer`` (the core's "cannot
    determine"); a revoked seal ``bundle_signature_revoked``.
    """
    entries = _read_entries(raw)
    for required in (MANIFEST, SIGNATURES):
        if required not in entries:
            raise ContainerRefused("bundle_not_asic", f"{required} is missing")
    listed = _manifest_entries(entries[MANIFEST])
    payload = {name: content for name, content in entries.items() if name not in ("mimetype", MANIFEST, SIGNATURES)}
    for name in payload:
        if name not in listed:
            raise ContainerRefused("bundle_file_not_in_manifest", name)
    digests: dict[str, str] = {}
    for name, (size, digest) in listed.items():
        if name not in payload:
            raise ContainerRefused("bundle_file_missing", name)
        if len(payload[name]) != size:
            raise ContainerRefused("bundle_hash_mismatch", name)
        digests[name] = hashlib.sha256(payload[name]).hexdigest()
        if digests[name] != digest:
            raise ContainerRefused("bundle_hash_mismatch", name)
    seal, chain, role = _verify_seal(entries[SIGNATURES], entries[MANIFEST])
    check = core.certificate_check("bundle_seal", seal, chain, trust)
    if check.status == "failed":
        raise ContainerRefused("bundle_signature_revoked", check.code)
    if check.status != "passed":
        raise ContainerRefused("bundle_unknown_issuer", check.params.get("detail", check.code))
    return Container(payload, seal, tuple(chain), role, hashlib.sha256(raw).hexdigest(), digests)
