"""A faster reader of PDF hex strings for pyHanko, giving exactly its result.

pyHanko reads a hex string (``<…>``) one byte at a time through a generator, and every signature's
``/Contents`` is a hex string of ~8-20 kB: reading the earlier signatures again before each new
one, and all of them for the validation data, was ~17 % of signing a class (profiled,
bench/README.md). :func:`read_hex_string_from_stream` finds the closing ``>`` in one read and
decodes the digits at once when the string holds only hex digits and PDF whitespace; anything else
(a comment, a stray character, no ``>`` before the end) goes to pyHanko's own reader from the same
position, so errors and edge cases are pyHanko's. :func:`install` puts it in ``pyhanko.pdf_utils.
generic`` (where ``read_object`` looks it up); ``hocbaso.signing.pades`` calls it on import. No
Django import: the offline verifier may import this package.
"""

from __future__ import annotations

import binascii
from typing import Any

from pyhanko.pdf_utils import generic

_ORIGINAL = generic.read_hex_string_from_stream
_WHITESPACE = b" \n\r\t\f\x00"  # pyhanko.pdf_utils.misc.PDF_WHITESPACE
_HEX_AND_WHITESPACE = b"0123456789abcdefABCDEF" + _WHITESPACE
_BLOCK = 1 << 16


def read_hex_string_from_stream(stream: Any) -> Any:
    """pyHanko's ``read_hex_string_from_stream``: the stream at ``<``, left after ``>``."""
    start = stream.tell()
    stream.read(1)  # the "<"
    parts = []
    while True:
        block = stream.read(_BLOCK)
        end = block.find(b">")
        if end >= 0:
            parts.append(block[:end])
            break
        if len(block) < _BLOCK:  # no ">" before the end: pyHanko's error
            stream.seek(start)
            return _ORIGINAL(stream)
        parts.append(block)
    body = b"".join(parts)
    if body.translate(None, _HEX_AND_WHITESPACE):  # a comment or a stray character: pyHanko decides
        stream.seek(start)
        return _ORIGINAL(stream)
    stream.seek(start + 1 + len(body) + 1)
    digits = body.translate(None, _WHITESPACE)
    if len(digits) % 2:
        digits += b"0"
    return generic.pdf_string(binascii.unhexlify(digits))


def install() -> None:
    """Use :func:`read_hex_string_from_stream` in pyHanko's object reader (idempotent)."""
    generic.read_hex_string_from_stream = read_hex_string_from_stream
