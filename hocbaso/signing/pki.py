"""A throwaway PKI for the demo and the tests: root CA, optional intermediate, signers, TSA, OCSP, CRLs.

Everything is generated with ``cryptography`` into a directory the caller chooses (never committed).
Every name says DEMO: certificates from here have no legal value and must never be trusted outside
a demo or a test run. Private keys of the CAs, the TSA and the OCSP responders are stored unencrypted
in that directory (mode 0600); keys of issued personal/organisation certificates are only returned.

Layout of the directory::

    pki.json            base URL, which CA issues end entities, revocations, issued serials
    <slug>.key.pem      private keys: root, ca (intermediate), tsa, ocsp-root, ocsp-ca
    <slug>.cert.pem     certificates
    issued/<serial>.pem every end-entity certificate issued (the OCSP responder answers for these)

When ``base_url`` is given (the address of ``signing.testing.services.PKIServices``), issued certificates carry a
CRL distribution point (``<base>/crl/<ca>.crl``), an OCSP URL (``<base>/ocsp``) and a CA issuers URL,
so a validator with fetching allowed checks revocation over loopback HTTP.

Why one module over 500 lines: ``hocbaso pki init`` (demo mode) uses it in production code, so it
stays beside the signing code rather than in ``signing.testing``; it is one object (``DemoPKI``)
whose issuing, revoking, CRL and OCSP parts read the same state file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from hocbaso.core.errors import ValidationFailed

KeyType = Literal["ec", "rsa"]
PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

ROOT_NAME = "CA DEMO Học bạ số — không có giá trị pháp lý"
INTERMEDIATE_NAME = "CA DEMO cấp 2 Học bạ số (không giá trị pháp lý)"
TSA_NAME = "TSA DEMO Học bạ số — không có giá trị pháp lý"
DEMO_ORGANISATION = "Học bạ số (DEMO — không có giá trị pháp lý)"

_UTC = dt.UTC
_STATE = "pki.json"


def _now() -> dt.datetime:
    return dt.datetime.now(tz=_UTC).replace(microsecond=0)


def new_key(key_type: KeyType = "ec") -> PrivateKey:
    """A fresh EC P-256 or RSA-2048 private key."""
    if key_type == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    raise ValueError(f"unknown key type {key_type!r}")


def _name(common_name: str, *, organisation: str | None = None, title: str | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if organisation:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    if title:
        attrs.append(x509.NameAttribute(NameOID.TITLE, title))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attrs)


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def key_pem(key: PrivateKey) -> bytes:
    """Unencrypted PKCS#8 PEM (for demo files and for tools such as pkcs11-tool)."""
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def export_pkcs12(
    key: PrivateKey, cert: x509.Certificate, password: str, *, chain: Sequence[x509.Certificate] = ()
) -> bytes:
    """A PKCS#12 file (AES-256, PBKDF2) holding the key, its certificate and the CA chain."""
    encryption = serialization.BestAvailableEncryption(password.encode()) if password else serialization.NoEncryption()
    return pkcs12.serialize_key_and_certificates(
        name=cert.subject.rfc4514_string().encode(),
        key=key,
        cert=cert,
        cas=list(chain) or None,
        encryption_algorithm=encryption,
    )


@dataclass
class _Authority:
    slug: str
    key: PrivateKey
    cert: x509.Certificate
    ocsp_key: PrivateKey
    ocsp_cert: x509.Certificate


@dataclass
class Revocation:
    serial: int
    when: dt.datetime
    reason: x509.ReasonFlags = x509.ReasonFlags.unspecified


@dataclass
class DemoPKI:
    """The demo/test PKI living in ``directory``. Create once with :meth:`create`, reopen with :meth:`load`."""

    directory: Path
    base_url: str | None
    root: _Authority
    intermediate: _Authority | None
    tsa_key: rsa.RSAPrivateKey
    tsa_cert: x509.Certificate
    revocations: dict[int, Revocation] = field(default_factory=dict)
    issued: dict[int, str] = field(default_factory=dict)  # serial -> issuing authority slug
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _state_mtime: float = 0.0

    # --- creation and storage -------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        directory: str | os.PathLike[str],
        *,
        base_url: str | None = None,
        intermediate: bool = True,
        key_type: KeyType = "ec",
        valid_years: int = 10,
    ) -> DemoPKI:
        """Generate a new PKI into ``directory`` (created if needed; existing files are replaced).

        ``base_url`` (e.g. ``http://127.0.0.1:8765``) is written into issued certificates as their
        CRL/OCSP/CA-issuers locations; without it certificates carry no revocation pointers.
        """
        path = Path(directory)
        (path / "issued").mkdir(parents=True, exist_ok=True)
        base = base_url.rstrip("/") if base_url else None
        now = _now()
        not_before = now - dt.timedelta(days=1)
        not_after = now + dt.timedelta(days=365 * valid_years)

        root_key = new_key(key_type)
        root_name = _name(ROOT_NAME, organisation=DEMO_ORGANISATION)
        root_cert = (
            x509.CertificateBuilder()
            .subject_name(root_name)
            .issuer_name(root_name)
            .public_key(root_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(_ca_key_usage(), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256())
        )
        root = _Authority("root", root_key, root_cert, *_responder("root", root_key, root_cert, key_type, base))

        inter: _Authority | None = None
        if intermediate:
            inter_key = new_key(key_type)
            inter_cert = _issue(
                issuer_key=root_key,
                issuer_cert=root_cert,
                subject=_name(INTERMEDIATE_NAME, organisation=DEMO_ORGANISATION),
                public_key=inter_key.public_key(),
                not_before=not_before,
                not_after=not_after - dt.timedelta(days=1),
                extensions=[
                    (x509.BasicConstraints(ca=True, path_length=0), True),
                    (_ca_key_usage(), True),
                ],
                base_url=base,
                issuer_slug="root",
            )
            inter = _Authority("ca", inter_key, inter_cert, *_responder("ca", inter_key, inter_cert, key_type, base))

        issuing = inter or root
        tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        tsa_cert = _issue(
            issuer_key=issuing.key,
            issuer_cert=issuing.cert,
            subject=_name(TSA_NAME, organisation=DEMO_ORGANISATION),
            public_key=tsa_key.public_key(),
            not_before=not_before,
            not_after=not_after - dt.timedelta(days=2),
            extensions=[
                (x509.BasicConstraints(ca=False, path_length=None), True),
                (_ee_key_usage(), True),
                (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), True),
            ],
            base_url=base,
            issuer_slug=issuing.slug,
        )
        pki = cls(path, base, root, inter, tsa_key, tsa_cert)
        pki.issued[tsa_cert.serial_number] = issuing.slug
        if inter is not None:
            pki.issued[inter.cert.serial_number] = "root"
        pki._save_all()
        return pki

    @classmethod
    def load(cls, directory: str | os.PathLike[str]) -> DemoPKI:
        """Reopen a PKI written by :meth:`create`."""
        path = Path(directory)
        state = json.loads((path / _STATE).read_text(encoding="utf-8"))

        def authority(slug: str) -> _Authority:
            return _Authority(
                slug,
                _load_key(path / f"{slug}.key.pem"),
                _load_cert(path / f"{slug}.cert.pem"),
                _load_key(path / f"ocsp-{slug}.key.pem"),
                _load_cert(path / f"ocsp-{slug}.cert.pem"),
            )

        tsa_key = _load_key(path / "tsa.key.pem")
        assert isinstance(tsa_key, rsa.RSAPrivateKey)
        pki = cls(
            path,
            state["base_url"],
            authority("root"),
            authority("ca") if state["intermediate"] else None,
            tsa_key,
            _load_cert(path / "tsa.cert.pem"),
        )
        pki._apply_state(state)
        pki._state_mtime = (path / _STATE).stat().st_mtime
        return pki

    def refresh(self) -> None:
        """Re-read revocations and issued serials if another process changed ``pki.json``."""
        state_path = self.directory / _STATE
        mtime = state_path.stat().st_mtime
        if mtime != self._state_mtime:
            with self._lock:
                self._apply_state(json.loads(state_path.read_text(encoding="utf-8")))
                self._state_mtime = mtime

    def _apply_state(self, state: dict) -> None:
        self.issued = {int(serial, 16): slug for serial, slug in state["issued"].items()}
        self.revocations = {
            int(serial, 16): Revocation(
                int(serial, 16), dt.datetime.fromisoformat(r["when"]), x509.ReasonFlags(r["reason"])
            )
            for serial, r in state["revocations"].items()
        }

    def _save_state(self) -> None:
        state = {
            "base_url": self.base_url,
            "intermediate": self.intermediate is not None,
            "issued": {f"{serial:x}": slug for serial, slug in self.issued.items()},
            "revocations": {
                f"{r.serial:x}": {"when": r.when.isoformat(), "reason": r.reason.value}
                for r in self.revocations.values()
            },
        }
        tmp = self.directory / (_STATE + ".tmp")
        tmp.write_text(json.dumps(state, indent=1, sort_keys=True), encoding="utf-8")
        tmp.replace(self.directory / _STATE)
        self._state_mtime = (self.directory / _STATE).stat().st_mtime
        for authority in self._authorities():
            (self.directory / f"{authority.slug}.crl").write_bytes(self.crl_der(authority.slug))

    def _save_all(self) -> None:
        for authority in self._authorities():
            _write_private(self.directory / f"{authority.slug}.key.pem", key_pem(authority.key))
            (self.directory / f"{authority.slug}.cert.pem").write_bytes(cert_pem(authority.cert))
            _write_private(self.directory / f"ocsp-{authority.slug}.key.pem", key_pem(authority.ocsp_key))
            (self.directory / f"ocsp-{authority.slug}.cert.pem").write_bytes(cert_pem(authority.ocsp_cert))
        _write_private(self.directory / "tsa.key.pem", key_pem(self.tsa_key))
        (self.directory / "tsa.cert.pem").write_bytes(cert_pem(self.tsa_cert))
        (self.directory / "roots.pem").write_bytes(self.export_roots_pem())
        self._save_state()

    # --- queries ---------------------------------------------------------------------------------

    def _authorities(self) -> list[_Authority]:
        return [self.root] + ([self.intermediate] if self.intermediate else [])

    def authority(self, slug: str) -> _Authority:
        for candidate in self._authorities():
            if candidate.slug == slug:
                return candidate
        raise KeyError(slug)

    @property
    def issuing(self) -> _Authority:
        """The CA that issues end-entity certificates (the intermediate when there is one)."""
        return self.intermediate or self.root

    def roots(self) -> list[x509.Certificate]:
        """Trust anchors: only the self-signed root."""
        return [self.root.cert]

    def chain(self) -> list[x509.Certificate]:
        """CA certificates above an end entity, nearest first (intermediate, then root)."""
        return [a.cert for a in reversed(self._authorities())]

    def export_pkcs12(self, key: PrivateKey, cert: x509.Certificate, password: str) -> bytes:
        """PKCS#12 of an issued key and certificate, with this PKI's CA chain included."""
        return export_pkcs12(key, cert, password, chain=self.chain())

    def export_roots_pem(self) -> bytes:
        return b"".join(cert_pem(c) for c in self.roots())

    def crl_url(self, slug: str) -> str | None:
        return f"{self.base_url}/crl/{slug}.crl" if self.base_url else None

    def issuer_of(self, serial: int) -> _Authority | None:
        slug = self.issued.get(serial)
        return self.authority(slug) if slug else None

    # --- issuing ---------------------------------------------------------------------------------

    def issue_personal(
        self,
        name: str,
        *,
        title: str | None = None,
        organisation: str | None = None,
        key_type: KeyType = "ec",
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
    ) -> tuple[PrivateKey, x509.Certificate]:
        """A person's signing certificate: CN = full Vietnamese name, optional title (e.g. "Hiệu trưởng").

        Key usage digitalSignature + nonRepudiation. ``not_before``/``not_after`` allow backdated or
        already-expired certificates for tests (default: valid from an hour ago for two years).
        """
        subject = _name(name, organisation=organisation, title=title)
        return self._issue_end_entity(subject, key_type, not_before, not_after)

    def issue_organisation(
        self,
        school_name: str,
        *,
        locality: str | None = None,
        key_type: KeyType = "ec",
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
    ) -> tuple[PrivateKey, x509.Certificate]:
        """A school's organisation certificate (the digital seal): CN = O = school name."""
        attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
        if locality:
            attrs.append(x509.NameAttribute(NameOID.LOCALITY_NAME, locality))
        attrs += [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, school_name),
            x509.NameAttribute(NameOID.COMMON_NAME, school_name),
        ]
        return self._issue_end_entity(x509.Name(attrs), key_type, not_before, not_after)

    def _issue_end_entity(
        self,
        subject: x509.Name,
        key_type: KeyType,
        not_before: dt.datetime | None,
        not_after: dt.datetime | None,
    ) -> tuple[PrivateKey, x509.Certificate]:
        now = _now()
        key = new_key(key_type)
        issuing = self.issuing
        cert = _issue(
            issuer_key=issuing.key,
            issuer_cert=issuing.cert,
            subject=subject,
            public_key=key.public_key(),
            not_before=not_before or now - dt.timedelta(hours=1),
            not_after=not_after or now + dt.timedelta(days=730),
            extensions=[
                (x509.BasicConstraints(ca=False, path_length=None), True),
                (_ee_key_usage(), True),
            ],
            base_url=self.base_url,
            issuer_slug=issuing.slug,
        )
        with self._lock:
            self.issued[cert.serial_number] = issuing.slug
            (self.directory / "issued" / f"{cert.serial_number:x}.pem").write_bytes(cert_pem(cert))
            self._save_state()
        return key, cert

    # --- revocation ------------------------------------------------------------------------------

    def revoke(
        self,
        cert: x509.Certificate,
        when: dt.datetime | None = None,
        reason: x509.ReasonFlags = x509.ReasonFlags.key_compromise,
    ) -> None:
        """Mark ``cert`` revoked from ``when`` (default now); CRLs are re-issued and OCSP answers "revoked"."""
        if cert.serial_number not in self.issued:
            raise ValidationFailed("certificate was not issued by this PKI", code="pki_unknown_certificate")
        with self._lock:
            self.revocations[cert.serial_number] = Revocation(
                cert.serial_number, (when or _now()).astimezone(_UTC), reason
            )
            self._save_state()

    def crl_der(self, slug: str | None = None) -> bytes:
        """A fresh CRL (valid 7 days) of the given CA (default: the issuing CA), DER."""
        authority = self.authority(slug) if slug else self.issuing
        now = _now()
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(authority.cert.subject)
            .last_update(now - dt.timedelta(minutes=5))
            .next_update(now + dt.timedelta(days=7))
            .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.key.public_key()), critical=False
            )
        )
        for revocation in self.revocations.values():
            if self.issued.get(revocation.serial) != authority.slug:
                continue
            entry = (
                x509.RevokedCertificateBuilder()
                .serial_number(revocation.serial)
                .revocation_date(revocation.when)
                .add_extension(x509.CRLReason(revocation.reason), critical=False)
                .build()
            )
            builder = builder.add_revoked_certificate(entry)
        return builder.sign(authority.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def _ca_key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )


def _ee_key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def _issue(
    *,
    issuer_key: PrivateKey,
    issuer_cert: x509.Certificate,
    subject: x509.Name,
    public_key: ec.EllipticCurvePublicKey | rsa.RSAPublicKey,
    not_before: dt.datetime,
    not_after: dt.datetime,
    extensions: list[tuple[x509.ExtensionType, bool]],
    base_url: str | None,
    issuer_slug: str,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    if base_url:
        builder = builder.add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        full_name=[x509.UniformResourceIdentifier(f"{base_url}/crl/{issuer_slug}.crl")],
                        relative_name=None,
                        reasons=None,
                        crl_issuer=None,
                    )
                ]
            ),
            critical=False,
        ).add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(f"{base_url}/ocsp")
                    ),
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.CA_ISSUERS,
                        x509.UniformResourceIdentifier(f"{base_url}/ca/{issuer_slug}.cer"),
                    ),
                ]
            ),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _responder(
    slug: str, ca_key: PrivateKey, ca_cert: x509.Certificate, key_type: KeyType, base_url: str | None
) -> tuple[PrivateKey, x509.Certificate]:
    """A delegated OCSP responder certificate for one CA (EKU OCSPSigning, id-pkix-ocsp-nocheck)."""
    key = new_key(key_type)
    now = _now()
    cert = _issue(
        issuer_key=ca_key,
        issuer_cert=ca_cert,
        subject=_name(f"OCSP DEMO Học bạ số ({slug})", organisation=DEMO_ORGANISATION),
        public_key=key.public_key(),
        not_before=now - dt.timedelta(days=1),
        not_after=now + dt.timedelta(days=365 * 5),
        extensions=[
            (x509.BasicConstraints(ca=False, path_length=None), True),
            (_ee_key_usage(), True),
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), False),
            (x509.OCSPNoCheck(), False),
        ],
        base_url=None,
        issuer_slug=slug,
    )
    return key, cert


def _load_key(path: Path) -> PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey)
    return key


def _load_cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())
