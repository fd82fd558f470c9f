"""The fast hex-string reader gives pyHanko's answer byte for byte — value, type, where the stream is
left, and the same error for a malformed string — including strings a forger would shape to
confuse it (a comment holding ">", stray characters, no end, a string longer than one read)."""

from __future__ import annotations

import io
import os

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfReadError

from hocbaso.signing import pdf_parsing

CASES = [
    b"<48656c6c6f> 0 R",
    b"<>",
    b"<4>",
    b"<48 65\n6C\r\n6c\t6f\x00\x0c>trailing",
    b"<FEFF00480069>",  # a UTF-16 text string
    b"<48 % a comment > with a bracket\n 65>rest",
    b"<48%comment\n65>",
    b"<4G>",
    b"<48 65",  # no end
    b"<48)65>",
    b"<" + os.urandom(40_000).hex().encode() + b">x",  # longer than one read: a signature's /Contents
    b"<" + b"0" * 65_535 + b">",
    b"<" + b"0" * 65_536 + b">",
    b"<" + b"00\n" * 50_000 + b"1",  # long and without an end
]


def _read(reader, data: bytes, prefix: bytes = b"") -> tuple[object, int] | tuple[type, str]:
    stream = io.BytesIO(prefix + data)
    stream.seek(len(prefix))
    try:
        value = reader(stream)
    except (PdfReadError, ValueError) as exc:
        return type(exc), str(exc)
    return (type(value), bytes(value.original_bytes)), stream.tell()


@pytest.mark.parametrize("data", CASES, ids=range(len(CASES)))
def test_the_fast_reader_answers_as_pyhanko(data: bytes) -> None:
    original = pdf_parsing.ORIGINALS["read_hex_string_from_stream"]
    assert _read(pdf_parsing.read_hex_string_from_stream, data) == _read(original, data)
    assert _read(pdf_parsing.read_hex_string_from_stream, data, b"1 0 obj ") == _read(original, data, b"1 0 obj ")


def test_pyhankos_object_reader_uses_it() -> None:
    from hocbaso.signing import pades  # noqa: F401 - installs it

    assert generic.read_hex_string_from_stream is pdf_parsing.read_hex_string_from_stream
    value = generic.read_object(io.BytesIO(b"<< /Contents <0102ff> >>"), generic.Reference(1, 0))
    assert isinstance(value, generic.DictionaryObject)
    assert bytes(value["/Contents"]) == b"\x01\x02\xff"
