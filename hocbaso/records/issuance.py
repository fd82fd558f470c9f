"""Issuance codes: the short code printed on every record PDF and typed into the verify page.

Shape: ``HB-XXXX-XXXX-XXXX-C`` — 12 Crockford base32 symbols (60 random bits from ``secrets``)
and one check symbol from the same alphabet, so the code stays typable (no ``* ~ $ =`` as in
Crockford's mod-37 scheme).

The check symbol is a Damm-style check over the quasigroup ``x ∘ y = 2·x ⊕ y`` in GF(2⁵)
(polynomial x⁵ + x² + 1). Every row and column of that table is a permutation, so any single
wrong symbol changes the result; and ``(c∘x)∘y = (c∘y)∘x`` implies ``x = y`` (because 2 ≠ 1), so
any swap of two adjacent different symbols — including the last data symbol with the check
symbol — is caught too. The tests check both exhaustively.

``normalise_code`` accepts what people type (any case, spaces, dashes, O for 0, I/L for 1, the
``HB`` prefix optional) and returns the canonical form; ``check_code`` also verifies the check
symbol.
"""

from __future__ import annotations

import secrets

from django.utils.translation import gettext_lazy as _

from hocbaso.core.errors import ValidationFailed

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
PREFIX = "HB"
DATA_LENGTH = 12
GROUP = 4
_VALUE = {symbol: index for index, symbol in enumerate(ALPHABET)}
_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = str.maketrans("", "", " -_.\t\u00a0")


def _times_two(value: int) -> int:
    """Multiply by the generator x in GF(2⁵) modulo x⁵ + x² + 1."""
    value <<= 1
    return value ^ 0b100101 if value & 0b100000 else value


def check_symbol(body: str) -> str:
    """The check symbol for ``body`` (canonical data symbols, no prefix or dashes)."""
    interim = 0
    for symbol in body:
        interim = _times_two(interim) ^ _VALUE[symbol]
    # the check symbol c makes interim ∘ c = 0
    return ALPHABET[_times_two(interim)]


def _format(body: str, check: str) -> str:
    groups = [body[i : i + GROUP] for i in range(0, len(body), GROUP)]
    return "-".join([PREFIX, *groups, check])


def new_code() -> str:
    """A fresh random code, e.g. ``HB-7K3M-Q9TD-2XWP-T`` (60 random bits)."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(DATA_LENGTH))
    return _format(body, check_symbol(body))


class CodeMalformed(ValidationFailed):
    code = "code_malformed"


class CodeChecksum(ValidationFailed):
    code = "code_checksum"


def normalise_code(raw: str) -> str:
    """The canonical ``HB-XXXX-XXXX-XXXX-C`` form of a typed code; raises ``code_malformed``.

    The check symbol is not verified here (see ``check_code``).
    """
    text = raw.upper().translate(_SEPARATORS)
    if len(text) == DATA_LENGTH + 1 + len(PREFIX) and text.startswith(PREFIX):
        text = text[len(PREFIX) :]
    text = text.translate(_ALIASES)
    if len(text) != DATA_LENGTH + 1 or any(symbol not in _VALUE for symbol in text):
        raise CodeMalformed(_("This is not an issuance code: it has the form HB-XXXX-XXXX-XXXX-X."), field="code")
    return _format(text[:DATA_LENGTH], text[DATA_LENGTH])


def check_code(raw: str) -> str:
    """Normalise ``raw`` and verify its check symbol; returns the canonical code.

    Raises ``code_malformed`` or ``code_checksum`` (a mistyped code).
    """
    code = normalise_code(raw)
    symbols = code.replace("-", "")[len(PREFIX) :]
    if check_symbol(symbols[:DATA_LENGTH]) != symbols[DATA_LENGTH]:
        raise CodeChecksum(_("This issuance code has a typing error; please check it again."), field="code")
    return code
