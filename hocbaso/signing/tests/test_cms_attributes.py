"""The signing-certificate attributes encoded once per certificate are pyHanko's own, and a
certificate never gets another's — not even one with the same issuer and serial number."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.sign import attributes, general

from hocbaso.signing import cms_attributes, pades  # noqa: F401 - pades installs the provider's cache


def _certificate(common_name: str, *, serial: int = 1000, issuer: str = "Issuer") -> asn1_x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


@pytest.mark.parametrize(
    "cached, original",
    [
        (cms_attributes.signing_certificate_v2, general.as_signing_certificate_v2),
        (cms_attributes.signing_certificate, general.as_signing_certificate),
    ],
)
def test_each_certificate_gets_its_own_attribute_as_pyhanko_encodes_it(cached, original) -> None:  # type: ignore[no-untyped-def]
    # same issuer and serial number, other key and subject: only the certificate hash tells them apart
    first, second = _certificate("An"), _certificate("Bình")
    third = _certificate("An", serial=1001, issuer="Other issuer")
    for _round in range(2):  # the first call encodes, the second reuses
        for cert in (first, second, third):
            assert cached(cert).dump() == original(cert).dump()
    assert len({cached(cert).dump() for cert in (first, second, third)}) == 3


def test_a_returned_value_changed_by_a_caller_does_not_change_the_next() -> None:
    cert = _certificate("Chi")
    value = cms_attributes.signing_certificate_v2(cert)
    value["certs"][0]["cert_hash"] = b"\x00" * 32
    assert cms_attributes.signing_certificate_v2(cert).dump() == general.as_signing_certificate_v2(cert).dump()


def test_pyhankos_provider_uses_the_cache_with_the_same_result() -> None:
    cert = _certificate("Dũng")
    attribute = asyncio.run(attributes.SigningCertificateV2Provider(cert).get_attribute())
    assert attribute is not None
    assert attribute["values"][0].dump() == general.as_signing_certificate_v2(cert).dump()
    assert ("v2", "sha256", cms_attributes._fingerprint(cert)) in cms_attributes._ENCODED
    other = asyncio.run(attributes.SigningCertificateV2Provider(_certificate("Dũng")).get_attribute())
    assert other is not None and other.dump() != attribute.dump()
