"""Register a unit's seal for its reports and batches: ``signing.actions.register_unit_seal`` (who
may, a trusted certificate valid now, the file kept 0600) after one rule of its own: the certificate
bears the unit's name (or the name the unit sends under, e.g. its department of education). A
trusted certificate of the ward next door, of a school or of the province would otherwise seal the
commune's reports under another unit's name."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12 as pkcs12_format
from cryptography.x509.oid import NameOID
from django.utils.translation import gettext as _

from hocbaso.audit.models import Channel
from hocbaso.directory.models import AdministrativeUnit
from hocbaso.signing import actions as signing_actions
from hocbaso.signing import unit_seals
from hocbaso.signing.models import SigningCredential
from hocbaso.signing.refusals import CredentialRefused


def register_unit_seal(
    *,
    by: Any,
    unit: AdministrativeUnit,
    pkcs12: bytes,
    password: str,
    label: str,
    also_named: Iterable[str] = (),
    folder: str = "pki/unit-seals",
    channel: str = Channel.WEB,
) -> SigningCredential:
    """Register ``unit``'s seal (see the module); refused ``unit_seal_foreign`` when the certificate's
    organisation and common name name neither ``unit`` nor any of ``also_named``."""
    if unit_seals.may_apply(by, unit):  # the refusal of anyone else is signing's own
        subject = _subject(pkcs12, password)
        names = [unit.name, *also_named]
        if subject is not None and not any(bears_name(subject, name) for name in names if name):
            raise CredentialRefused(
                _(
                    "This certificate does not bear the name %(unit)s (it is issued to “%(subject)s”): "
                    "use the unit's own seal certificate."
                )
                % {"unit": unit.name, "subject": _common_name(subject)},
                code="unit_seal_foreign",
            )
    return signing_actions.register_unit_seal(
        by=by, unit=unit, pkcs12=pkcs12, password=password, label=label, folder=folder, channel=channel
    )


def _subject(pkcs12: bytes, password: str) -> x509.Name | None:
    """The certificate's subject, or None when the file does not open (signing then says why)."""
    try:
        _key, certificate, _chain = pkcs12_format.load_key_and_certificates(pkcs12, password.encode() or None)
    except Exception:  # any failure to open: the signing door answers it with its own message
        return None
    return certificate.subject if certificate is not None else None


def _common_name(subject: x509.Name) -> str:
    names = subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else subject.rfc4514_string()


def _folded(text: str) -> str:
    """Lower case, without diacritics (đ → d), words joined by single spaces: "UBND XA BINH SON"
    and "Ủy ban nhân dân Xã Bình Sơn" compare alike."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.findall(r"\w+", bare.casefold()))


def bears_name(subject: x509.Name, name: str) -> bool:
    """Whether the subject's organisation or common name ends with ``name`` as whole words, in one of
    its comma-separated parts ("Xã Bình Sơn" is in "Ủy ban nhân dân Xã Bình Sơn" and in "UBND Xã Bình
    Sơn, Tỉnh Quảng Ngãi", not in "UBND Xã Bình Sơn Đông")."""
    wanted = _folded(name)
    if not wanted:
        return False
    for oid in (NameOID.ORGANIZATION_NAME, NameOID.COMMON_NAME):
        for attribute in subject.get_attributes_for_oid(oid):
            for part in re.split(r"[,;()/–-]", str(attribute.value)):
                folded = _folded(part)
                if folded == wanted or folded.endswith(" " + wanted):
                    return True
    return False
