"""Whether an organisation certificate bears a unit's name (pure; ``actions.register_unit_seal``).

A trusted certificate of the ward next door, of a school or of the province would otherwise seal a
commune's reports under another unit's name. Names compare folded: lower case, without diacritics
(đ → d), words joined by single spaces, so "UBND XA BINH SON" and "Ủy ban nhân dân Xã Bình Sơn"
are alike.
"""

from __future__ import annotations

import re
import unicodedata

from cryptography import x509
from cryptography.x509.oid import NameOID

_PARTS = re.compile(r"[,;()/–-]")


def folded(text: str) -> str:
    """``text`` lower case, without diacritics, its words joined by single spaces."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.findall(r"\w+", bare.casefold()))


def bears_name(subject: x509.Name, name: str) -> bool:
    """Whether the subject's organisation or common name ends with ``name`` as whole words, in one of
    its comma-separated parts ("Xã Bình Sơn" is in "Ủy ban nhân dân Xã Bình Sơn" and in "UBND Xã Bình
    Sơn, Tỉnh Quảng Ngãi", not in "UBND Xã Bình Sơn Đông"). An empty ``name`` is borne by nobody."""
    wanted = folded(name)
    if not wanted:
        return False
    for oid in (NameOID.ORGANIZATION_NAME, NameOID.COMMON_NAME):
        for attribute in subject.get_attributes_for_oid(oid):
            for part in _PARTS.split(str(attribute.value)):
                found = folded(part)
                if found == wanted or found.endswith(" " + wanted):
                    return True
    return False


def bears_any(subject: x509.Name, names: list[str]) -> bool:
    """Whether the subject bears one of ``names`` (:func:`bears_name`)."""
    return any(bears_name(subject, name) for name in names)
