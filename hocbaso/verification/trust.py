"""The trust bundle: what an offline verifier needs from a deployment, in one JSON file (no Django).

Format ``hocbaso-trust-bundle/1``::

    {
      "format": "hocbaso-trust-bundle/1",
      "demo": false,                      # true: the demo root; verifiers show a banner
      "created": "2026-11-29T04:00:00Z",
      "roots": ["-----BEGIN CERTIFICATE-----…"],          # trust anchors (PEM)
      "intermediates": ["…"],                              # CA certificates below them (PEM)
      "crls": ["<base64 DER>"],                            # current CRLs (offline revocation)
      "ledger_public_key": "-----BEGIN PUBLIC KEY-----…",  # Ed25519 key of the transparency log
      "seals": ["…"]                                       # school seal certificates (paper QR check)
    }

The roots are the deployment's configured anchors (in production the national public and
public-service roots); the bundle never widens trust beyond what the deployment itself trusts.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from hocbaso.verification.core import TrustStore

FORMAT = "hocbaso-trust-bundle/1"


class BundleInvalid(ValueError):
    """The file is not a trust bundle this verifier reads."""


@dataclass(frozen=True)
class Bundle:
    """A parsed trust bundle: the trust store plus the seal certificates used for paper copies."""

    trust: TrustStore
    seals: tuple[x509.Certificate, ...] = ()


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def dump_bundle(
    *,
    roots: tuple[x509.Certificate, ...] | list[x509.Certificate],
    intermediates: tuple[x509.Certificate, ...] | list[x509.Certificate] = (),
    crls: tuple[bytes, ...] | list[bytes] = (),
    ledger_public_key_pem: str | None = None,
    seals: tuple[x509.Certificate, ...] | list[x509.Certificate] = (),
    demo: bool = False,
    created: dt.datetime | None = None,
) -> bytes:
    """The bundle as UTF-8 JSON bytes (sorted keys, for stable downloads)."""
    data: dict[str, Any] = {
        "format": FORMAT,
        "demo": demo,
        "created": (created or dt.datetime.now(tz=dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "roots": [_pem(c) for c in roots],
        "intermediates": [_pem(c) for c in intermediates],
        "crls": [base64.b64encode(c).decode("ascii") for c in crls],
        "ledger_public_key": ledger_public_key_pem,
        "seals": [_pem(c) for c in seals],
    }
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")


def _certs(items: Any) -> tuple[x509.Certificate, ...]:
    found: list[x509.Certificate] = []
    for item in items or []:
        found.extend(x509.load_pem_x509_certificates(str(item).encode("ascii")))
    return tuple(found)


def load_bundle(raw: bytes, *, allow_fetching: bool = False) -> Bundle:
    """Parse a bundle; ``BundleInvalid`` when it is not one. Offline by default (no CRL/OCSP fetching)."""
    try:
        data = json.loads(raw.decode("utf-8"))
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise BundleInvalid("not a hocbaso trust bundle")
        roots = _certs(data.get("roots"))
        trust = TrustStore(
            roots=roots,
            intermediates=_certs(data.get("intermediates")),
            crls=tuple(base64.b64decode(c) for c in data.get("crls") or []),
            ledger_public_key_pem=data.get("ledger_public_key") or None,
            allow_fetching=allow_fetching,
            demo=bool(data.get("demo")),
        )
        seals = _certs(data.get("seals"))
    except BundleInvalid:
        raise
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise BundleInvalid(f"unreadable trust bundle: {exc}") from None
    if not roots:
        raise BundleInvalid("the trust bundle has no roots")
    return Bundle(trust=trust, seals=seals)
