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
    if "Name.__eq__" in pdf_parsing.ORIGINALS:
        monkeypatch.setattr(asn1_x509.Name, "__eq__", pdf_parsing.ORIGINALS["Name.__eq__"])


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


def _tiny_pdf() -> bytes:
    from pyhanko.pdf_utils.writer import PdfFileWriter

    out = BytesIO()
    PdfFileWriter().write(out)
    return out.getvalue()


def _object_outcome(function: Any, data: bytes, container: Any) -> tuple[Any, ...]:
    """What an object reader makes of ``data``: the object as types, values and containers (or the
    error), and where the stream is left."""

    def shape(obj: Any) -> Any:
        own = (type(obj), obj.container_ref is container)
        if isinstance(obj, generic.StreamObject):
            return (*own, shape_dict(obj), obj.encoded_data)
        if isinstance(obj, dict):
            return (*own, shape_dict(obj))
        if isinstance(obj, list):
            return (*own, [shape(v) for v in obj])
        if isinstance(obj, generic.IndirectObject):
            return (*own, obj.idnum, obj.generation, obj.reference.pdf is container.pdf)
        return (*own, obj)

    def shape_dict(obj: Any) -> Any:
        return [(type(k), k, shape(v)) for k, v in obj.items()]

    stream = BytesIO(data)
    try:
        value = function(stream, container)
    except RecursionError:  # where it strikes depends on the stack the reading started on
        return ("error", RecursionError)
    except Exception as exc:
        return ("error", type(exc), str(exc), stream.tell())
    return (shape(value), stream.tell())


OBJECT_TOKENS = [
    b"<<", b">>", b"[", b"]", b"/Type", b"/A#20B", b"/", b"12", b"0", b"-3", b"+4", b"4.5", b".5", b"1,2",
    b"1 0 R", b"12 0 R", b"0 0 R", b"3 0\x0bR", b"3\x0b0 R", b"7  2\nR", b"true", b"false", b"null", b"(s)",
    b"(a(b)c)", b"<4142>", b"<>", b"%c\n", b"stream\nabc\nendstream", b" ", b"\n", b"\x00", b"\x0b", b"R",
    b"/Length 3", b"/K", b">", b"<", b"Vi\xe1\xbb\x87t", b"/Vi\xe1\xbb\x87t", b"endobj", b"1 0 obj",
    b"(U5x0y0)", b"()", b"(a\\)b)", b"(a\\(b)", b"(\xfe\xff\x00A)", b"(x", b")", b"(", b"5.", b"0.92156863",
    b"1.2.3", b"4,5", b"7.5.", b"/A#", b"/a#2", b"/\x7f", b"/x\x01", b"(\r\n)",
]  # fmt: skip


def _object_cases() -> list[bytes]:
    chance = random.Random(1919)
    cases = [
        b"<</Type/StructElem/S/TD/P 16 0 R/A[<</O/Table/Headers[]>><</O/Layout/BorderStyle/Solid>>]/K[10]>>",
        b"<< /Length 3 >>\nstream\nabc\nendstream\nendobj",
        b"<< /A << /Length 3 >> stream\nabc\nendstream >>",
        b"<< /A 1 /A 2 >>",
        b"[1 2 0 R 3 4 5 6 R 0.92156863 0.5 -1 (x) <41> true false null /N]",
        b"<< /A 1 >x",
        b"[" * 5000 + b"]" * 5000,
        b"<< /K [" + b"1 0 R " * 3000 + b"] >>",  # longer than the first read-ahead
        b"<< /A %comment\n 1 >>",
        b"<</A 1>>",
        b"",
        b"  << /A 1 >>",
    ]
    for _ in range(3000):
        start = chance.choice([b"<<", b"[", b""])
        body = b"".join(
            chance.choice(OBJECT_TOKENS) + chance.choice([b"", b" ", b"\n"]) for _ in range(chance.randrange(0, 14))
        )
        end = chance.choice([b">>", b"]", b"", b">> endobj", b"] endobj"])
        cases.append(start + body + end)
    # pyHanko's own reader never stops on a comment at an object's start with no line end after it
    return [case for case in cases if not (case.startswith(b"%") and b"\n" not in case and b"\r" not in case)]


@pytest.mark.parametrize("strict", [False, True])
def test_objects_read_in_one_pass_as_pyhanko_reads_them(strict: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """The one-pass object reader against pyHanko's (its nested reads pyHanko's own too): the same
    objects, types, containers, errors and end positions, on fixed odd objects and 3,000 random
    mixes of tokens (references split by odd whitespace, reals, duplicate keys, streams inside
    dictionaries, comments, unbalanced brackets)."""
    pdf_parsing.install()
    reader = PdfFileReader(BytesIO(_tiny_pdf()), strict=strict)
    container = generic.Reference(1, 0, reader)
    cases = _object_cases()
    fast = [_object_outcome(pdf_parsing.read_object, case, container) for case in cases]
    _originals(monkeypatch)
    original = pdf_parsing.ORIGINALS["read_object"]
    for case, outcome in zip(cases, fast, strict=True):
        assert outcome == _object_outcome(original, case, container), case


def test_a_comment_running_to_the_end_cannot_hang_the_reader() -> None:
    """pyHanko's reader, at a comment where an object starts, reads to a line end that never
    comes (it loops on the empty read at the end of the data). The one-pass reader checks for the
    line end first and refuses the object: an object stream whose last object is such a comment,
    read as the examine reads it, fails promptly."""
    from pyhanko.pdf_utils.misc import PdfReadError

    pdf_parsing.install()
    for data in (b"%", b"% no line end", b"%" + b"x" * 10_000):
        with pytest.raises(PdfReadError, match="comment runs to the end"):
            generic.read_object(BytesIO(data), generic.Reference(1, 0))
    value = generic.read_object(BytesIO(b"%ok\n 7 "), generic.Reference(1, 0))
    assert value == 7
    pdf = _object_stream_ending_in_a_comment()
    reader = PdfFileReader(BytesIO(pdf), strict=False)
    with pytest.raises(PdfReadError):
        reader.get_object(generic.Reference(4, 0), transparent_decrypt=False)
    findings = core.examine(pdf, trust=core.TrustStore(roots=(), allow_fetching=False))
    assert core.report_of(findings.checks).outcome != "valid"


def _object_stream_ending_in_a_comment() -> bytes:
    """A minimal PDF whose catalog names object 4, the only object of an (uncompressed) object
    stream, whose text is a comment without a line end."""
    parts = [b"%PDF-1.7\n"]
    offsets = {}
    objstm_body = b"4 0 %" + b"a comment to the end of the stream"
    header = b"4 0 "
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R /Names 4 0 R >>",
        2: b"<< /Type /Pages /Kids [] /Count 0 >>",
        3: b"<< /Type /ObjStm /N 1 /First %d /Length %d >>\nstream\n" % (len(header), len(objstm_body))
        + objstm_body
        + b"\nendstream",
    }
    for number, body in objects.items():
        offsets[number] = sum(len(p) for p in parts)
        parts.append(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref_at = sum(len(p) for p in parts)
    rows = [b"\x00\x00\x00\xff"]
    rows += [b"\x01" + offsets[n].to_bytes(2, "big") + b"\x00" for n in (1, 2, 3)]
    rows += [b"\x02\x00\x03\x00", b"\x01" + xref_at.to_bytes(2, "big") + b"\x00"]
    table = b"".join(rows)
    parts.append(
        b"5 0 obj\n<< /Type /XRef /Size 6 /W [1 2 1] /Root 1 0 R /Length %d >>\nstream\n" % len(table)
        + table
        + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_at
    )
    return b"".join(parts)
