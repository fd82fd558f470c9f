"""Secrets handed to families: activation codes (printed on letters) and share-link tokens.

- An activation code is 12 characters of Crockford's base32 (no I, L, O, U: nothing to misread
  on paper), 60 random bits, printed as ``XXXX-XXXX-XXXX``. Typing is forgiving: case, spaces and
  dashes are ignored and O/I/L read as 0/1/1. Only a keyed hash (HMAC-SHA-256 with the
  deployment's secret key) is stored, so a copy of the database alone does not reveal or test codes.
- A share token is ``secrets.token_urlsafe(24)``: 192 random bits. Only its SHA-256 is stored
  (a 192-bit secret needs no key to be safe from guessing).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
SHARE_TOKEN_BYTES = 24


def new_activation_code() -> str:
    """A fresh code in its normalised form (12 characters of ``ALPHABET``)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def printed(code: str) -> str:
    """``ABCD-EFGH-JKMN``: the form printed on letters."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise(raw: str) -> str | None:
    """The code a person typed, normalised; None when it cannot be a code at all."""
    cleaned = "".join(ch for ch in raw.upper() if not ch.isspace() and ch != "-").translate(_READ_AS)
    if len(cleaned) != CODE_LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def code_hash(code: str) -> str:
    """The stored form of a normalised activation code."""
    return hmac.new(settings.SECRET_KEY.encode(), b"portal-activation:" + code.encode(), hashlib.sha256).hexdigest()


def new_share_token() -> str:
    return secrets.token_urlsafe(SHARE_TOKEN_BYTES)


def token_hash(token: str) -> str:
    """The stored form of a share token."""
    return hashlib.sha256(token.encode()).hexdigest()
