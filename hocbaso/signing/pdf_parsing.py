"""Faster, exactly equivalent versions of four pure-Python routines pyHanko and asn1crypto spend
most of a record's parse in (profile in bench/README.md).

pyHanko reads a PDF one byte at a time: a hex string (a signature's ``/Contents``: four of them,
~16,000 hex digits each, in a record) through one ``read_non_whitespace`` call per digit, and every
name (~4,700 per record) through a per-byte generator and a per-byte decoder. asn1crypto prepares
every distinguished-name value for comparison (RFC 4518 string preparation, ``unicodedata`` per
character) anew for every parsed copy of a certificate, and the seven CMS signatures of a record
carry the same few certificates, parsed again in each.

Each replacement returns what the original returns and leaves the stream where the original
leaves it, for every input; on any input outside its fast path (a comment or a bad digit inside a
hex string, a ``#`` escape or a non-ASCII byte in a name, a truncated stream) it hands the same
stream, rewound, to the original, which then succeeds or raises exactly as it always did. Nothing
is cached across documents but the string preparation of a name value (a pure function of the
string) and the equality of two distinguished names (a pure function of their two DER
encodings). ``verification/tests/test_pdf_parsing_exact.py`` and ``signing/tests/test_pdf_parsing.py``
compare every replacement with the original on genuine and hostile inputs. :func:`install` is
idempotent and process-wide: ``signing.pades`` calls it on import (every earlier signature's
``/Contents`` is read again before each new one) and ``verification.core.examine`` before an
examine. No Django import: the offline verifier imports this module.
"""

from __future__ import annotations

import binascii
import functools
import re
import threading
from typing import Any

from pyhanko.pdf_utils import generic, misc

ORIGINALS: dict[str, Any] = {
    "read_hex_string_from_stream": generic.read_hex_string_from_stream,
    "read_until_delimiter": generic.read_until_delimiter,
    "_decode_name": generic._decode_name,
}
_CHUNK = 4096
_HEX = re.compile(rb"[0-9a-fA-F]*")
_DELIMITER = re.compile(b"[" + re.escape(misc.PDF_WHITESPACE + misc.PDF_DELIMITERS) + b"]")
# A name with nothing to decode: printable ASCII, no delimiter (those end a name anyway), no '#'.
_PLAIN_NAME = re.compile(b"[^\\x00-\\x20\\x7f-\\xff" + re.escape(misc.PDF_DELIMITERS) + b"#]*")
_WHITESPACE_TABLE = misc.PDF_WHITESPACE


def read_hex_string_from_stream(stream: Any) -> Any:
    """``generic.read_hex_string_from_stream``: the digits up to the first ``>`` at once."""
    start = stream.tell()
    stream.read(1)  # the '<'
    parts: list[bytes] = []
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:  # no '>' before the end: the original raises
            return _original_hex(stream, start)
        end = chunk.find(b">")
        if end >= 0:
            parts.append(chunk[:end])
            consumed = sum(len(p) for p in parts)
            break
        parts.append(chunk)
    body = b"".join(parts)
    if b"%" in body:  # a comment inside: the original's reading (which skips comments) decides
        return _original_hex(stream, start)
    digits = body.translate(None, _WHITESPACE_TABLE)
    if not _HEX.fullmatch(digits):  # a bad digit: the original raises its own error
        return _original_hex(stream, start)
    stream.seek(start + 1 + consumed + 1)  # just after the '>'
    if len(digits) % 2:
        digits += b"0"
    return generic.pdf_string(binascii.unhexlify(digits))


def _original_hex(stream: Any, start: int) -> Any:
    stream.seek(start)
    return ORIGINALS["read_hex_string_from_stream"](stream)


def read_until_delimiter(stream: Any) -> bytes:
    """``misc.read_until_delimiter``: up to the first whitespace or delimiter, found by a regex;
    the stream is left on that byte (at the end, when none)."""
    start = stream.tell()
    parts: list[bytes] = []
    read = 0
    while True:
        chunk = stream.read(256)
        if not chunk:  # the end: the original does not rewind then
            return b"".join(parts)
        found = _DELIMITER.search(chunk)
        if found is not None:
            parts.append(chunk[: found.start()])
            stream.seek(start + read + found.start())
            return b"".join(parts)
        parts.append(chunk)
        read += len(chunk)


def _decode_name(name_bytes: bytes) -> Any:
    """``generic._decode_name``: a name without escapes or unusual bytes is its ASCII text."""
    if _PLAIN_NAME.fullmatch(name_bytes):
        return generic.NameObject("/" + name_bytes.decode("ascii"))
    return ORIGINALS["_decode_name"](name_bytes)


_installed = False
_lock = threading.Lock()


def install() -> None:
    """Install the replacements (once per process, also when threads call it together)."""
    global _installed
    if _installed:
        return
    with _lock:
        if not _installed:
            _install()
            _installed = True


def _install() -> None:
    from asn1crypto import x509 as asn1_x509

    generic.read_hex_string_from_stream = read_hex_string_from_stream
    generic.read_until_delimiter = read_until_delimiter
    generic._decode_name = _decode_name
    prep = asn1_x509.NameTypeAndValue._ldap_string_prep
    ORIGINALS["_ldap_string_prep"] = prep
    cached = functools.lru_cache(maxsize=4096)(lambda string: prep(None, string))

    def ldap_string_prep(self: Any, string: Any) -> Any:
        return cached(string) if type(string) is str else prep(self, string)

    asn1_x509.NameTypeAndValue._ldap_string_prep = ldap_string_prep  # type: ignore[method-assign]
    ORIGINALS["Name.__eq__"] = asn1_x509.Name.__eq__
    asn1_x509.Name.__eq__ = name_equal  # type: ignore[method-assign,assignment]


# Name equality (RFC 5280 7.1: every value prepared, then compared) is a pure function of the two
# names' values, that is of their DER encodings; the same few names (issuers, subjects of three
# signers' and the TSA's certificates) are compared hundreds of times in one examine.
_NAME_EQUALITY: dict[tuple[bytes, bytes], bool] = {}
_NAME_EQUALITY_MAX = 4096


def name_equal(self: Any, other: Any) -> bool:
    """``asn1crypto.x509.Name.__eq__``, remembered per pair of DER encodings (``dump()`` encodes the
    current value, also after a change)."""
    from asn1crypto import x509 as asn1_x509

    if not isinstance(other, asn1_x509.Name):
        return False
    key = (self.dump(), other.dump())
    known = _NAME_EQUALITY.get(key)
    if known is None:
        known = bool(ORIGINALS["Name.__eq__"](self, other))
        if len(_NAME_EQUALITY) >= _NAME_EQUALITY_MAX:
            _NAME_EQUALITY.clear()
        _NAME_EQUALITY[key] = known
    return known
