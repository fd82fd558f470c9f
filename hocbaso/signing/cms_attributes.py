"""The ESS signing-certificate attributes of CMS signatures, encoded once per certificate.

Every PAdES and CAdES signature pyHanko makes carries a ``signing-certificate-v2`` signed
attribute (RFC 5035) naming the signer's certificate by its hash, issuer and serial number, and
every RFC 3161 token of the in-process TSA a ``signing-certificate`` (RFC 2634). pyHanko builds
and encodes that structure anew for every signature, though it depends only on the certificate
(and the hash algorithm): a batch signs hundreds of documents with one certificate, a record takes
seven timestamps of one TSA.

Here the DER of each attribute value is made once and kept under the SHA-256 of the certificate's
whole DER encoding (its fingerprint) and the hash algorithm, so a different certificate — even one
with the same issuer and serial number — never gets another's attribute; each call returns a
fresh object loaded from those bytes, which encodes to exactly what pyHanko would have built.
:func:`install` makes pyHanko's ``SigningCertificateV2Provider`` use it (once per process, from
``pades``). No Django import: the offline verifier may import this package.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from asn1crypto import tsp, x509
from pyhanko.sign import attributes, general

# at most this many certificates remembered (a deployment signs with a few hundred)
_KEPT = 1024
_ENCODED: OrderedDict[tuple[str, str, bytes], bytes] = OrderedDict()
_LOCK = threading.Lock()


def _fingerprint(cert: x509.Certificate) -> bytes:
    return hashlib.sha256(cert.dump()).digest()


def _encoded(kind: str, hash_algo: str, cert: x509.Certificate) -> bytes:
    key = (kind, hash_algo, _fingerprint(cert))
    with _LOCK:
        der = _ENCODED.get(key)
        if der is not None:
            _ENCODED.move_to_end(key)
            return der
    if kind == "v2":
        der = general.as_signing_certificate_v2(cert, hash_algo).dump()
    else:
        der = general.as_signing_certificate(cert).dump()
    with _LOCK:
        _ENCODED[key] = der
        while len(_ENCODED) > _KEPT:
            _ENCODED.popitem(last=False)
    return der


def signing_certificate_v2(cert: x509.Certificate, hash_algo: str = "sha256") -> tsp.SigningCertificateV2:
    """``general.as_signing_certificate_v2(cert, hash_algo)``, encoded once per certificate."""
    return tsp.SigningCertificateV2.load(_encoded("v2", hash_algo, cert))


def signing_certificate(cert: x509.Certificate) -> tsp.SigningCertificate:
    """``general.as_signing_certificate(cert)`` (SHA-1, for RFC 3161 tokens), encoded once per certificate."""
    return tsp.SigningCertificate.load(_encoded("v1", "sha1", cert))


async def _build_attr_value(
    self: attributes.SigningCertificateV2Provider, dry_run: bool = False
) -> tsp.SigningCertificateV2:
    return signing_certificate_v2(self.signing_cert)


def install() -> None:
    """Make pyHanko's ``SigningCertificateV2Provider`` use :func:`signing_certificate_v2` (idempotent)."""
    attributes.SigningCertificateV2Provider.build_attr_value = _build_attr_value  # type: ignore[method-assign]
