"""An RFC 3161 timestamper in process, signing with a TSA key loaded once.

Used in demo mode (``signing.trust.default_timestamping`` without ``HOCBASO_TSA_URL``: the demo
PKI's TSA key) and by the loopback TSA of the demo/test services (``signing.testing.services``).
"""

from __future__ import annotations

import datetime as dt

from asn1crypto import algos, cms, core, keys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pyhanko.sign.general import simple_cms_attribute
from pyhanko.sign.timestamps import DummyTimeStamper
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from hocbaso.signing import cms_attributes
from hocbaso.signing.backends import to_asn1
from hocbaso.signing.pki import PrivateKey


class LoadedKeyTimeStamper(DummyTimeStamper):
    """pyHanko's RFC 3161 token builder, signing with a key object loaded once.

    The parent re-parses the TSA key from DER for every token (~47 ms for RSA with OpenSSL's key
    check) and refuses EC keys; this override only changes how the signed attributes are signed.
    """

    def __init__(self, tsa_cert: x509.Certificate, tsa_key: PrivateKey, chain: list[x509.Certificate]):
        der = tsa_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        super().__init__(
            tsa_cert=to_asn1(tsa_cert),
            tsa_key=keys.PrivateKeyInfo.load(der),
            certs_to_embed=[to_asn1(c) for c in chain],  # type: ignore[arg-type]
        )
        self._key = tsa_key

    def _sign_tst_info(
        self, tst_info_data: bytes, md_algorithm: str, dt: dt.datetime
    ) -> tuple[bytes, cms.CMSAttributes]:
        digest = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
        digest.update(tst_info_data)
        signed_attrs = cms.CMSAttributes(
            [
                simple_cms_attribute("content_type", "tst_info"),
                simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
                simple_cms_attribute("signing_certificate", cms_attributes.signing_certificate(self.tsa_cert)),
                simple_cms_attribute("message_digest", digest.finalize()),
            ]
        )
        hash_algo = get_pyca_cryptography_hash(md_algorithm.upper())
        if isinstance(self._key, rsa.RSAPrivateKey):
            signature = self._key.sign(signed_attrs.dump(), padding.PKCS1v15(), hash_algo)
        else:
            signature = self._key.sign(signed_attrs.dump(), ec.ECDSA(hash_algo))
        return signature, signed_attrs

    def _build_signed_data(self, tst_info_data, md_algorithm, signature, signed_attrs):  # type: ignore[no-untyped-def]
        data = super()._build_signed_data(tst_info_data, md_algorithm, signature, signed_attrs)
        if isinstance(self._key, ec.EllipticCurvePrivateKey):
            data["signer_infos"][0]["signature_algorithm"] = algos.SignedDigestAlgorithm({"algorithm": "ecdsa"})
        return data
