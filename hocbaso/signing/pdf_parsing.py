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
    "read_object": generic.read_object,
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


class _Unusual(Exception):
    """Something outside the one-pass reader's grammar: the original reads the whole object."""


class _NeedMore(Exception):
    """The object runs past the bytes read ahead: read further ahead and try again."""


_SKIP = re.compile(b"[" + re.escape(misc.PDF_WHITESPACE) + b"]*")
_NAME_END = _DELIMITER
_NAME_ENDS = frozenset(misc.PDF_WHITESPACE + misc.PDF_DELIMITERS)
# The bytes where _OnePass.skip has something to do (whitespace) or to refuse (a comment).
_SKIPPED = frozenset(misc.PDF_WHITESPACE + b"%")
# A literal string with nothing to interpret: no escape, no nested parenthesis (the first ')' ends it).
_SIMPLE_STRING = re.compile(rb"\(([^()\\]*)\)")
_REAL = re.compile(rb"[0-9]*\.[0-9]+|[0-9]+\.[0-9]*")
_NUMBER = re.compile(rb"[+,\-.0-9]*")  # pyHanko's NumberObject.NumberPattern, negated
_READ_AHEAD = (4096, 65536, 1 << 20)
_NO = generic.ContentOpReading.NO


def read_object(
    stream: Any,
    container_ref: Any,
    as_metadata_stream: bool = False,
    in_content_stream: Any = _NO,
) -> Any:
    """``generic.read_object`` in one pass over bytes read ahead, for an object of dictionaries,
    arrays, names, plain integers and references (most of a record's objects); any other value
    inside (a string, a real, a boolean, null) is read by the original at its place, and anything
    unusual — a comment, a repeated key, a dictionary followed by ``stream`` inside another, an
    error, an object longer than 1 MiB, content-stream or metadata reading — makes the original
    read the whole object from its start, which then succeeds or raises exactly as it always did.

    One difference, deliberate: pyHanko's reader, meeting a comment where an object starts, reads
    to the end of the line byte by byte and never stops when the data ends first (a hostile file
    would hang the examine). Such a comment is refused here with pyHanko's ``PdfReadError`` before
    any reading (:func:`_comment_ends`)."""
    start = stream.tell()
    if in_content_stream != _NO or as_metadata_stream:
        return ORIGINALS["read_object"](stream, container_ref, as_metadata_stream, in_content_stream)
    for ahead in _READ_AHEAD:
        stream.seek(start)
        data = stream.read(ahead)
        if data[:1] == b"%":
            if not _comment_ends(stream, start):
                raise misc.PdfReadError(f"A comment runs to the end of the data at byte {start}")
            break
        try:
            reader = _OnePass(stream, start, data, len(data) < ahead, container_ref)
            value, end = reader.value(0, nested=False)
            if isinstance(value, generic.DictionaryObject) and type(value) is generic.DictionaryObject:
                stream.seek(start + end)
                payload = generic._maybe_read_stream_payload(stream, value, reader.handler)
                if payload is not None:
                    value = generic.StreamObject(dict(value), encoded_data=payload)
                    value.container_ref = container_ref
                return value
            stream.seek(start + end)
            return value
        except _NeedMore:
            continue
        except (_Unusual, RecursionError):
            break
    stream.seek(start)
    return ORIGINALS["read_object"](stream, container_ref, as_metadata_stream, in_content_stream)


def _comment_ends(stream: Any, start: int) -> bool:
    """Whether a line end follows the ``%`` at ``start`` (read ahead in chunks; the stream is
    left at ``start``)."""
    stream.seek(start)
    try:
        while True:
            chunk = stream.read(_CHUNK)
            if not chunk:
                return False
            if b"\n" in chunk or b"\r" in chunk:
                return True
    finally:
        stream.seek(start)


class _OnePass:
    """The parse of one object from ``data`` (the stream's bytes from ``start``; ``complete``:
    they run to the end of the stream)."""

    def __init__(self, stream: Any, start: int, data: bytes, complete: bool, container_ref: Any) -> None:
        self.stream, self.start, self.data, self.complete = stream, start, data, complete
        self.container_ref = container_ref
        self.handler = container_ref.get_pdf_handler()

    def skip(self, pos: int) -> int:
        """Past whitespace; at a comment or the end of the bytes read, give up or read more."""
        pos = _SKIP.match(self.data, pos).end()  # type: ignore[union-attr]
        if pos >= len(self.data):
            raise _Unusual if self.complete else _NeedMore
        if self.data[pos] == 0x25:  # '%'
            raise _Unusual
        return pos

    def value(self, pos: int, nested: bool = True) -> tuple[Any, int]:
        data = self.data
        if pos >= len(data):
            raise _Unusual if self.complete else _NeedMore
        first = data[pos]
        if first == 0x2F:  # '/'
            result, pos = self.name(pos)
        elif first == 0x3C and data[pos + 1 : pos + 2] == b"<":
            result, pos = self.dictionary(pos + 2)
            if nested:  # pyHanko reads a stream after any dictionary: one inside is left to it
                after = self.skip(pos)
                if data[after] == 0x73:  # 's'
                    raise _Unusual
        elif first == 0x5B:  # '['
            result, pos = self.array(pos + 1)
        elif 0x30 <= first <= 0x39:
            result, pos = self.number_or_reference(pos)
        elif first == 0x28:  # '('
            result, pos = self.string(pos)
        elif first == 0x25 or (first == 0x3C and pos + 1 >= len(data)):
            raise _Unusual if (self.complete or first == 0x25) else _NeedMore
        else:  # a hex string, a boolean, null, a signed number: the original's
            return self.original(pos)
        if result is None:  # a string or number outside the fast paths: the original's
            return self.original(pos)
        result.container_ref = self.container_ref
        return result, pos

    def original(self, pos: int) -> tuple[Any, int]:
        """The value at ``pos`` read by the original (which sets its container)."""
        self.stream.seek(self.start + pos)
        result = ORIGINALS["read_object"](self.stream, self.container_ref)
        pos = self.stream.tell() - self.start
        if pos >= len(self.data) and not self.complete:
            raise _NeedMore
        return result, pos

    def string(self, pos: int) -> tuple[Any, int]:
        """A literal string without escapes or nested parentheses (its first ``)`` ends it, as in
        pyHanko's reading); any other, or one not ended within the bytes read: None."""
        found = _SIMPLE_STRING.match(self.data, pos)
        if found is None:
            return None, pos
        return generic.pdf_string(found.group(1)), found.end()

    def name(self, pos: int) -> tuple[Any, int]:
        data = self.data
        end = _PLAIN_NAME.match(data, pos + 1).end()  # type: ignore[union-attr]
        if end < len(data) and data[end] in _NAME_ENDS:  # nothing to decode, and its end read
            return generic.NameObject("/" + data[pos + 1 : end].decode("ascii")), end
        found = _NAME_END.search(self.data, pos + 1)
        if found is None:
            if not self.complete:
                raise _NeedMore
            end = len(self.data)
        else:
            end = found.start()
        try:
            return generic._decode_name(self.data[pos + 1 : end]), end
        except Exception as exc:  # the original raises it, with the stream where it leaves it
            raise _Unusual from exc

    def number_or_reference(self, pos: int) -> tuple[Any, int]:
        data = self.data
        if pos + 20 > len(data) and not self.complete:
            raise _NeedMore  # pyHanko looks 20 bytes ahead for a reference
        reference = generic.INDIRECT_PATTERN.match(data, pos, pos + 20)
        if reference is not None:
            if b"\x0b" in reference.group(0):  # \s, but not PDF whitespace before the R
                raise _Unusual
            idnum, generation = int(reference.group(1)), int(reference.group(2))
            if idnum <= 0:
                return None, pos  # the original raises its error
            return generic.IndirectObject(idnum, generation, self.handler), reference.end() - 1
        end = _NUMBER.match(data, pos).end()  # type: ignore[union-attr]
        if end >= len(data) and not self.complete:
            raise _NeedMore
        token = data[pos:end]
        if token.isdigit():
            return generic.NumberObject(token.decode("ascii")), end
        if _REAL.fullmatch(token):  # pyHanko: a '.' in the number makes it a FloatObject
            return generic.FloatObject(token.decode("ascii")), end
        return None, pos  # a comma, two dots, a sign inside: the original decides (or raises)

    def dictionary(self, pos: int) -> tuple[Any, int]:
        entries: dict[Any, Any] = {}
        data = self.data
        size = len(data)
        skip, read_value, name_object = self.skip, self.value, generic.NameObject
        while True:
            if pos >= size or data[pos] in _SKIPPED:  # else skip() would return pos as it is
                pos = skip(pos)
            if data[pos] == 0x3E:  # '>'
                if data[pos + 1 : pos + 2] != b">":
                    raise _Unusual if (self.complete or pos + 1 < size) else _NeedMore
                pos += 2
                break
            if data[pos] != 0x2F:
                raise _Unusual  # not a name: the original's error
            end = _PLAIN_NAME.match(data, pos + 1).end()  # type: ignore[union-attr]
            if end < size and data[end] in _NAME_ENDS:  # name()'s first case, inline
                key, pos = name_object("/" + data[pos + 1 : end].decode("ascii")), end
            else:
                key, pos = self.name(pos)
            if pos >= size or data[pos] in _SKIPPED:
                pos = skip(pos)
            value, pos = read_value(pos)
            if key in entries:
                raise _Unusual  # the original warns or refuses
            entries[key] = value
        return generic.DictionaryObject(entries), pos

    def array(self, pos: int) -> tuple[Any, int]:
        items = generic.ArrayObject()
        data, skip, read_value, append = self.data, self.skip, self.value, items.append
        size = len(data)
        while True:
            if pos >= size or data[pos] in _SKIPPED:
                pos = skip(pos)
            if data[pos] == 0x5D:  # ']'
                return items, pos + 1
            value, pos = read_value(pos)
            append(value)


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
    generic.read_object = read_object
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
