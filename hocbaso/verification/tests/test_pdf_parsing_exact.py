"""``signing.pdf_parsing`` reads exactly as pyHanko and asn1crypto do: the same value (or the
same error) and the stream left at the same place, on genuine, odd and hostile input, every object
of an issued record parsed the same; and a record whose signature bytes were changed is still
refused (real PKI, real TSA on loopback, real rendering)."""

from __future__ import annotations

import random
import re
from io import BytesIO
from typing import Any

import pytest
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

from hocbaso.records.models import RecordVersion
from hocbaso.signing import pdf_parsing
from hocbaso.verification import core, registry
from hocbaso.verification.tests.helpers import signed_pdf


def _outcome(function: Any, data: bytes, at: int = 0) -> tuple[Any, ...]:
    """What ``function`` makes of ``data`` read from ``at``: (value and its type, or the error), end position."""
    stream = BytesIO(data)
    stream.seek(at)
    try:
        value = function(stream)
    except Exception as exc:
        return ("error", type(exc), str(exc), stream.tell())
    return (type(value), value, stream.tell())


HEX_CASES = [
    b"<48656c6c6f>",
    b"<>",
    b"<414>",
    b"<41 42\n43\r44\t45\x0046\x0c>rest",
    b"<4142%comment with > inside\n43>",
    b"<41%c\n>",
    b"<41G2>",
    b"<41<42>",
    b"<4142",
    b"<",
    b"<" + b"ab" * 20_000 + b">tail",
    b"<" + b"a" * 4095 + b"%x\n>",
    b"<" + b"0" * 9000 + b" >",
    b"<FEFF0054>",
]


@pytest.mark.parametrize("data", HEX_CASES)
def test_hex_strings_read_as_pyhanko_reads_them(data: bytes) -> None:
    original = pdf_parsing.ORIGINALS["read_hex_string_from_stream"]
    assert _outcome(pdf_parsing.read_hex_string_from_stream, data) == _outcome(original, data)


DELIMITED = [b"abc def", b"abc", b"", b"/Name/Other", b"x" * 600 + b"(", b"x" * 256, b"a\x00b", b"12]", b"a%b"]


@pytest.mark.parametrize("data", DELIMITED)
def test_tokens_end_where_pyhanko_ends_them(data: bytes) -> None:
    original = pdf_parsing.ORIGINALS["read_until_delimiter"]
    assert _outcome(pdf_parsing.read_until_delimiter, data) == _outcome(original, data)


NAMES = [b"Type", b"", b"A#20B", b"A#2", b"A#G0", b"Vi\xe1\xbb\x87t", b"caf\xe9", b"a~!", b"x" * 300, b"#41"]


@pytest.mark.parametrize("data", NAMES)
def test_names_decode_as_pyhanko_decodes_them(data: bytes) -> None:
    def decode(function: Any) -> tuple[Any, ...]:
        try:
            value = function(data)
        except Exception as exc:
            return ("error", type(exc), str(exc))
        return (type(value), value)

    assert decode(pdf_parsing._decode_name) == decode(pdf_parsing.ORIGINALS["_decode_name"])


def test_random_hostile_bytes_read_the_same() -> None:
    """Random mixes of digits, whitespace, comments, brackets and stray bytes, read from every start."""
    chance = random.Random(19)
    alphabet = b"0123456789abcdefABCDEFG \n\r\t\x00\x0c%<>/()[]#\xe9"
    hex_original = pdf_parsing.ORIGINALS["read_hex_string_from_stream"]
    token_original = pdf_parsing.ORIGINALS["read_until_delimiter"]
    for _ in range(3000):
        data = b"<" + bytes(chance.choice(alphabet) for _ in range(chance.randrange(0, 40)))
        assert _outcome(pdf_parsing.read_hex_string_from_stream, data) == _outcome(hex_original, data), data
        at = chance.randrange(0, len(data))
        assert _outcome(pdf_parsing.read_until_delimiter, data, at) == _outcome(token_original, data, at), data


def test_name_values_are_prepared_as_asn1crypto_prepares_them() -> None:
    pdf_parsing.install()
    original = pdf_parsing.ORIGINALS["_ldap_string_prep"]
    value = None  # the preparation does not use its object
    for text in ["Nguyễn Văn  An", "TRƯỜNG TIỂU HỌC", " a ", "ﬁ\u00ad\u200bx", "", "Ａ"]:
        assert asn1_x509.NameTypeAndValue._ldap_string_prep(value, text) == original(value, text)
    for _ in range(2):  # an error is raised every time, never remembered as a value
        with pytest.raises(ValueError):
            original(value, "\ufffd")
        with pytest.raises(ValueError):
            asn1_x509.NameTypeAndValue._ldap_string_prep(value, "\ufffd")


def _name(*rdns: tuple[str, str]) -> asn1_x509.Name:
    return asn1_x509.Name.build(dict(rdns))


def test_names_compare_as_asn1crypto_compares_them() -> None:
    """Name equality is remembered per pair of DER encodings; it answers as asn1crypto's RFC 5280
    comparison, also for names equal only after preparation (case, spaces), names differing in one
    value, a name changed after a first comparison, and something that is not a name."""
    pdf_parsing.install()
    original = pdf_parsing.ORIGINALS["Name.__eq__"]
    names = [
        _name(("common_name", "Nguyễn Văn An"), ("country_name", "VN")),
        _name(("common_name", "nguyễn  văn an"), ("country_name", "VN")),
        _name(("common_name", "Nguyễn Văn Anh"), ("country_name", "VN")),
        _name(("common_name", "Nguyễn Văn An")),
        _name(("organization_name", "TRƯỜNG TIỂU HỌC"), ("common_name", "Nguyễn Văn An")),
    ]
    for _ in range(2):  # the second time from memory
        for first in names:
            for second in names:
                assert (first == second) is original(first, second), (first.human_friendly, second.human_friendly)
                assert (first != second) is (not original(first, second))
    assert names[0] == names[1] and names[0] != names[2]
    assert names[0] != "Nguyễn Văn An"
    changed = asn1_x509.Name.load(names[0].dump())
    assert changed == names[0]
    changed.chosen[0][0]["value"] = asn1_x509.DirectoryString(name="utf8_string", value="Trần Thị Bình")
    assert changed != names[0] and not original(changed, names[0])


def _all_objects(pdf: bytes) -> list[Any]:
    reader = PdfFileReader(BytesIO(pdf))
    objects = []
    for revision in range(reader.xrefs.total_revisions):
        for ref in reader.xrefs.explicit_refs_in_revision(revision):
            objects.append(reader.get_object(generic.Reference(ref.idnum, ref.generation), revision))
    return objects


def _shape(obj: Any) -> Any:
    """An object as plain values (references as numbers) to compare two parses."""
    if isinstance(obj, generic.StreamObject):
        return ("stream", _shape(dict(obj)), obj.encoded_data)
    if isinstance(obj, dict):
        return {(type(k), k): _shape(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_shape(v) for v in obj]
    if isinstance(obj, generic.IndirectObject):
        return ("ref", obj.idnum, obj.generation)
    return (type(obj), obj)


@pytest.mark.django_db
def test_every_object_of_an_issued_record_parses_the_same(
    issued: RecordVersion, monkeypatch: pytest.MonkeyPatch
) -> None:
    pdf = signed_pdf(issued)
    pdf_parsing.install()
    fast = [_shape(o) for o in _all_objects(pdf)]
    _originals(monkeypatch)
    assert fast == [_shape(o) for o in _all_objects(pdf)]
    assert len(fast) > 300


def _originals(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, function in pdf_parsing.ORIGINALS.items():
        if hasattr(generic, name):
            monkeypatch.setattr(generic, name, function)
    if "_ldap_string_prep" in pdf_parsing.ORIGINALS:
        monkeypatch.setattr(asn1_x509.NameTypeAndValue, "_ldap_string_prep", pdf_parsing.ORIGINALS["_ldap_string_prep"])


@pytest.mark.django_db
def test_changed_signature_bytes_are_judged_as_before(issued: RecordVersion, monkeypatch: pytest.MonkeyPatch) -> None:
    """One hex digit of each signature's ``/Contents`` changed (inside the CMS): the findings are
    check for check those of pyHanko's own reading, and each of the three people's signatures
    changed makes the file invalid (a later signature's digest covers it)."""
    pdf = signed_pdf(issued)
    trust = registry.trust_store()
    contents = [m.start(1) for m in re.finditer(rb"/Contents\s*<([0-9a-fA-F]{64})", pdf)]
    assert len(contents) == 4
    changed = []
    for at in (start + 200 for start in contents):
        changed.append(pdf[:at] + (b"0" if pdf[at : at + 1] != b"0" else b"1") + pdf[at + 1 :])
    pdf_parsing.install()
    fast = [core.examine(document, trust=trust) for document in changed]
    for findings in fast[:3]:
        assert core.report_of(findings.checks).outcome == "invalid"
    with monkeypatch.context() as patch:
        _originals(patch)
        assert fast == [core.examine(document, trust=trust) for document in changed]


@pytest.mark.django_db
def test_a_signature_hex_string_with_a_comment_inside_reads_as_before(
    issued: RecordVersion, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A signature's ``/Contents`` hex string split by whitespace and a comment (legal PDF syntax,
    a forger's way round a naive reader): the original reader decides, the verdict is unchanged."""
    pdf = signed_pdf(issued)
    found = re.search(rb"/Contents\s*<([0-9a-fA-F]{64})", pdf)
    assert found is not None
    at = found.start(1) + 32
    odd = pdf[:at] + b"%\n" + pdf[at + 2 :]  # two digits replaced by an empty comment: same length
    pdf_parsing.install()
    fast = core.examine(odd, trust=registry.trust_store())
    assert core.report_of(fast.checks).outcome == "invalid"
    _originals(monkeypatch)
    assert fast == core.examine(odd, trust=registry.trust_store())
