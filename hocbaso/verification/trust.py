"""The trust bundle: what an offline verifier needs from a deployment, in one JSON file (no Django).

Format ``hocbaso-trust-bundle/2``::

    {
      "format": "hocbaso-trust-bundle/2",
      "demo": false,                      # true: the demo root; verifiers show a banner
      "created": "2026-11-29T04:00:00Z",
      "roots": ["-----BEGIN CERTIFICATE-----…"],          # trust anchors (PEM)
      "intermediates": ["…"],                              # CA certificates below them (PEM)
      "crls": ["<base64 DER>"],                            # current CRLs (offline revocation)
      "deployment_url": "https://hocbaso.example.vn",      # where packets are asked for (--paper)
      "ledger_public_key": "-----BEGIN PUBLIC KEY-----…",  # Ed25519 key of the transparency log;
                                                           # it also signs the verification packets
      "seals": [                                           # school seals (paper QR check), each bound
        {"certificate": "-----BEGIN CERTIFICATE-----…",    # to one school and the school years
         "school_code": "51000101",                        # (first years, inclusive) whose records
         "years": [2024, 2026]}                            # it may seal
      ]
    }

A ``/1`` bundle (seals as bare certificates, bound to no school) is still read, but its seals
vouch for no paper copy: every seal must name its school.

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

from hocbaso.verification.core import SealBinding, TrustStore

FORMAT = "hocbaso-trust-bundle/2"
READABLE = (FORMAT, "hocbaso-trust-bundle/1")


class BundleInvalid(ValueError):
    """The file is not a trust bundle this verifier reads."""


@dataclass(frozen=True)
class Bundle:
    """A parsed trust bundle: the trust store plus the school seal bindings used for paper copies."""

    trust: TrustStore
    seals: tuple[SealBinding, ...] = ()
    deployment_url: str = ""


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def dump_bundle(
    *,
    roots: tuple[x509.Certificate, ...] | list[x509.Certificate],
    intermediates: tuple[x509.Certificate, ...] | list[x509.Certificate] = (),
    crls: tuple[bytes, ...] | list[bytes] = (),
    ledger_public_key_pem: str | None = None,
    seals: tuple[SealBinding, ...] | list[SealBinding] = (),
    demo: bool = False,
    created: dt.datetime | None = None,
    deployment_url: str = "",
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
        "deployment_url": deployment_url,
        "seals": [
            {"certificate": _pem(b.certificate), "school_code": b.school_code, "years": [b.first_year, b.last_year]}
            for b in seals
        ],
    }
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")


def _certs(items: Any) -> tuple[x509.Certificate, ...]:
    found: list[x509.Certificate] = []
    for item in items or []:
        found.extend(x509.load_pem_x509_certificates(str(item).encode("ascii")))
    return tuple(found)


def _bindings(items: Any) -> tuple[SealBinding, ...]:
    found: list[SealBinding] = []
    for item in items or []:
        first, last = (int(y) for y in item["years"])
        for cert in _certs([item["certificate"]]):
            found.append(SealBinding(cert, str(item["school_code"]), first, last))
    return tuple(found)


def load_bundle(raw: bytes, *, allow_fetching: bool = False) -> Bundle:
    """Parse a bundle; ``BundleInvalid`` when it is not one. Offline by default (no CRL/OCSP fetching)."""
    try:
        data = json.loads(raw.decode("utf-8"))
        if not isinstance(data, dict) or data.get("format") not in READABLE:
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
        seals = _bindings(data.get("seals")) if data.get("format") == FORMAT else ()
    except BundleInvalid:
        raise
    except (ValueError, TypeError, KeyError, UnicodeDecodeError) as exc:
        raise BundleInvalid(f"unreadable trust bundle: {exc}") from None
    if not roots:
        raise BundleInvalid("the trust bundle has no roots")
    return Bundle(trust=trust, seals=seals, deployment_url=str(data.get("deployment_url") or ""))
