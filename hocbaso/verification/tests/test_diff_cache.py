"""The shared reading of the difference analysis (``verification.diff_cache``) decides exactly as
pyHanko's own: the same reverse-xref map for every revision of genuine and tampered records, and a
change made after any one of the signatures is still caught, with the same findings as without
the sharing (real PKI, real TSA on loopback, real rendering)."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import PdfFileWriter

from hocbaso.records import storage
from hocbaso.records.models import RecordVersion
from hocbaso.records.rendering import render_pdf
from hocbaso.signing.pki import DemoPKI
from hocbaso.verification import core, diff_cache, registry
from hocbaso.verification.tests.helpers import signed_pdf
from hocbaso.verification.tests.test_forgeries import _sign_without_checks

pytestmark = pytest.mark.django_db

ROLES = ("homeroom", "principal", "school")


def _page_rewritten(pdf: bytes) -> bytes:
    """An incremental update that replaces the first page's content with other text."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    page_ref, _ = writer.find_page_for_modification(0)
    page = page_ref.get_object()
    content = generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 700 Td (Hoan thanh xuat sac) Tj ET")
    page[generic.NameObject("/Contents")] = writer.add_object(content)
    writer.update_container(page)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _pyhanko_map(pdf: bytes, revision: int) -> dict[Any, Any]:
    resolver = PdfFileReader(BytesIO(pdf)).get_historical_resolver(revision)
    assert not isinstance(resolver, diff_cache.SharedResolver)
    resolver._load_reverse_xref_cache()
    return dict(resolver._indirect_object_access_cache or {})


def _shared_maps(pdf: bytes) -> list[dict[Any, Any]]:
    reader = PdfFileReader(BytesIO(pdf))
    objects = diff_cache.SharedObjects(reader)
    return [
        diff_cache.reverse_xref_cache(objects, revision, reader.get_historical_resolver(revision).trailer_view)
        for revision in range(reader.xrefs.total_revisions)
    ]


def _findings(pdf: bytes, *, shared: bool, monkeypatch: pytest.MonkeyPatch) -> core.Findings:
    with monkeypatch.context() as patch:
        if not shared:
            patch.setattr(diff_cache, "share_object_reads", lambda reader: False)
        return core.examine(pdf, trust=registry.trust_store())


def test_the_shared_walk_maps_every_revision_as_pyhanko_does(issued: RecordVersion) -> None:
    genuine = signed_pdf(issued)
    for pdf in (genuine, _page_rewritten(genuine)):
        shared = _shared_maps(pdf)
        assert len(shared) == PdfFileReader(BytesIO(pdf)).xrefs.total_revisions >= 5
        for revision, mapping in enumerate(shared):
            expected = _pyhanko_map(pdf, revision)
            assert mapping.keys() == expected.keys(), revision
            assert all(mapping[ref] == expected[ref] for ref in expected), revision


def _cross_linked() -> bytes:
    """Three pages, then an update where a link on page 1 points to page 3, the catalog opens on
    page 2, and a made-up catalog entry reaches the page tree root and a page from outside the
    tree: pyHanko enters a page tree node only by its canonical path, and so must the shared walk."""
    writer = PdfFileWriter()
    box = generic.ArrayObject([generic.NumberObject(n) for n in (0, 0, 200, 200)])
    for _ in range(3):
        writer.insert_page(generic.DictionaryObject({_name("/Type"): _name("/Page"), _name("/MediaBox"): box}))
    out = BytesIO()
    writer.write(out)
    update = IncrementalPdfFileWriter(BytesIO(out.getvalue()))
    pages = [update.find_page_for_modification(i)[0] for i in range(3)]
    tree = update.root.raw_get("/Pages")
    link = generic.DictionaryObject(
        {
            _name("/Type"): _name("/Annot"),
            _name("/Subtype"): _name("/Link"),
            _name("/Rect"): box,
            _name("/Dest"): generic.ArrayObject([pages[2], _name("/Fit")]),
            _name("/P"): pages[0],
            _name("/Up"): tree,
        }
    )
    first = pages[0].get_object()
    first[_name("/Annots")] = generic.ArrayObject([update.add_object(link)])
    update.update_container(first)
    update.root[_name("/OpenAction")] = generic.ArrayObject([pages[1], _name("/Fit")])
    update.root[_name("/Extra")] = generic.DictionaryObject(
        {_name("/Kids"): generic.ArrayObject([pages[2]]), _name("/All"): tree}
    )
    update.update_root()
    out = BytesIO()
    update.write(out)
    return out.getvalue()


def _name(text: str) -> generic.NameObject:
    return generic.NameObject(text)


def test_pages_reached_from_outside_the_page_tree_map_as_pyhanko_maps_them() -> None:
    pdf = _cross_linked()
    shared = _shared_maps(pdf)
    assert len(shared) == 2
    for revision, mapping in enumerate(shared):
        assert mapping == _pyhanko_map(pdf, revision), revision


def test_the_validation_reader_shares_its_reads(issued: RecordVersion) -> None:
    reader = PdfFileReader(BytesIO(signed_pdf(issued)))
    assert diff_cache.share_object_reads(reader)
    resolvers = [reader.get_historical_resolver(r) for r in range(reader.xrefs.total_revisions)]
    shared = [r for r in resolvers if isinstance(r, diff_cache.SharedResolver)]
    assert len(shared) == len(resolvers)
    assert len({id(r.shared_objects) for r in shared}) == 1


def test_a_failing_shared_walk_falls_back_to_pyhanko(issued: RecordVersion, monkeypatch: pytest.MonkeyPatch) -> None:
    pdf = signed_pdf(issued)

    def broken(*args: Any) -> Any:
        raise KeyError("/Kids")

    monkeypatch.setattr(diff_cache, "reverse_xref_cache", broken)
    reader = PdfFileReader(BytesIO(pdf))
    diff_cache.share_object_reads(reader)
    resolver = reader.get_historical_resolver(1)
    resolver._load_reverse_xref_cache()
    assert resolver._indirect_object_access_cache == _pyhanko_map(pdf, 1)


@pytest.mark.parametrize("tampered_after", range(1, len(ROLES) + 1))
def test_a_change_after_any_one_signature_is_caught(
    tampered_after: int,
    issued: RecordVersion,
    pki: DemoPKI,
    signing_env: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Sign in order, rewrite the page after the ``tampered_after``-th signature, then let the
    remaining signers sign the rewritten file: every signature made before the change reports it,
    and the findings are those of pyHanko's unshared analysis, check for check."""
    pdf = render_pdf(storage.get(issued.xml_name, issued.xml_sha256), draft=False)
    key, cert = pki.issue_personal("Người Ký Thử")
    for position, role in enumerate(ROLES, start=1):
        pdf = _sign_without_checks(pdf, role, key, cert, pki, signing_env["tsa_url"])
        if position == tampered_after:
            pdf = _page_rewritten(pdf)
    findings = _findings(pdf, shared=True, monkeypatch=monkeypatch)
    failed = {check.name for check in findings.checks if check.status == "failed"}
    for role in ROLES[:tampered_after]:
        assert failed & {f"changes_after:{role}", f"signature:{role}"}, (role, failed)
    for role in ROLES[tampered_after:]:
        assert not failed & {f"changes_after:{role}", f"signature:{role}"}, (role, failed)
    assert findings.checks == _findings(pdf, shared=False, monkeypatch=monkeypatch).checks
    report = core.verify(pdf, trust=registry.trust_store(), registry=None, tree_head=None)
    assert report.outcome == "invalid"


def _inner_object_changed(pdf: bytes) -> bytes:
    """An incremental update that changes only an object *inside* the first page (the first
    indirect dictionary the page refers to gains an entry reaching a new object); the page itself,
    and every object above it, stay as they were: a walk that replayed the page's subtree from an
    earlier revision would miss the new object."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    page_ref, _ = writer.find_page_for_modification(0)
    page = page_ref.get_object()
    inner = next(
        value.get_object()
        for key, value in page.items()
        if key != "/Parent"
        and isinstance(value, generic.IndirectObject)
        and isinstance(value.get_object(), generic.DictionaryObject)
    )
    inner[_name("/HocbasoExtra")] = writer.add_object(generic.DictionaryObject({_name("/Note"): _name("/Added")}))
    writer.update_container(inner)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _maps_in_order(pdf: bytes, order: list[int]) -> tuple[dict[int, dict[Any, Any]], diff_cache.SharedObjects]:
    reader = PdfFileReader(BytesIO(pdf))
    objects = diff_cache.SharedObjects(reader)
    maps = {}
    for revision in order:
        trailer = reader.get_historical_resolver(revision).trailer_view
        maps[revision] = diff_cache.reverse_xref_cache(objects, revision, trailer)
    return maps, objects


def test_replayed_subtrees_map_every_revision_as_pyhanko_in_any_order(issued: RecordVersion) -> None:
    """The walks remember subtrees and replay them in later walks of the same file, whichever
    revision comes first: every map is still pyHanko's, also when only an object deep inside a
    page changed (its page and everything above it unchanged), or the page was rewritten."""
    genuine = signed_pdf(issued)
    for pdf in (genuine, _inner_object_changed(genuine), _page_rewritten(genuine)):
        total = PdfFileReader(BytesIO(pdf)).xrefs.total_revisions
        ascending = list(range(total))
        for order in (ascending, ascending[::-1], ascending[1::2] + ascending[::2]):
            maps, objects = _maps_in_order(pdf, order)
            assert objects.subtrees, "the walks remembered subtrees"
            for revision in order:
                assert maps[revision] == _pyhanko_map(pdf, revision), (order, revision)


def test_the_change_deep_inside_a_page_shows_in_the_map(issued: RecordVersion) -> None:
    pdf = _inner_object_changed(signed_pdf(issued))
    total = PdfFileReader(BytesIO(pdf)).xrefs.total_revisions
    maps, _objects = _maps_in_order(pdf, list(range(total)))
    added = set(maps[total - 1]) - set(maps[total - 2])
    assert added, "the new object is reached in the last revision only"
    assert all(any("/HocbasoExtra" in path for path in maps[total - 1][ref]) for ref in added)


def test_remembered_walks_belong_to_one_file(issued: RecordVersion) -> None:
    """Two files sharing their first revisions byte for byte (a record and a tampered copy) have
    their own memories: walking one first never changes the other's maps."""
    genuine = signed_pdf(issued)
    tampered = _inner_object_changed(genuine)
    readers = [PdfFileReader(BytesIO(pdf)) for pdf in (genuine, tampered)]
    for reader in readers:
        assert diff_cache.share_object_reads(reader)
    shared = [reader.get_historical_resolver(0) for reader in readers]
    assert isinstance(shared[0], diff_cache.SharedResolver) and isinstance(shared[1], diff_cache.SharedResolver)
    assert shared[0].shared_objects is not shared[1].shared_objects
    for pdf, reader in zip((genuine, tampered), readers, strict=True):
        for revision in range(reader.xrefs.total_revisions):
            resolver = reader.get_historical_resolver(revision)
            resolver._load_reverse_xref_cache()
            assert resolver._indirect_object_access_cache == _pyhanko_map(pdf, revision), revision


def test_orphans_are_searched_once_per_revision_with_pyhankos_answer(issued: RecordVersion) -> None:
    pdf = _inner_object_changed(signed_pdf(issued))
    reader = PdfFileReader(BytesIO(pdf))
    diff_cache.share_object_reads(reader)
    plain = PdfFileReader(BytesIO(pdf))
    for revision in range(1, reader.xrefs.total_revisions):
        resolver = reader.get_historical_resolver(revision)
        expected = diff_cache._PYHANKO_FIND_ORPHANS(plain.get_historical_resolver(revision))
        first = diff_cache.find_orphans(resolver)
        assert first == expected == diff_cache.find_orphans(resolver), revision
        first.add(generic.Reference(99999, 0))  # the caller's copy: the remembered answer is unchanged
        assert diff_cache.find_orphans(resolver) == expected
    assert isinstance(resolver, diff_cache.SharedResolver)
    assert set(resolver.shared_objects.orphans) == set(range(1, reader.xrefs.total_revisions))


def test_interned_paths_equal_and_hash_as_pyhankos() -> None:
    from pyhanko.pdf_utils.reader import RawPdfPath

    for entries in [("/Root", "/Pages", "/Kids", 0), ("/Root",), (), ("/Root", 1, "/K", 12)]:
        interned, plain = diff_cache.InternedPath(*entries), RawPdfPath(*entries)
        assert interned == plain and plain == interned and hash(interned) == hash(plain)
        assert len({interned, plain}) == 1
    assert diff_cache.InternedPath("/Root", 1) != RawPdfPath("/Root", "1")


def _children(node: generic.DictionaryObject) -> list[Any]:
    kids = node.raw_get("/K") if "/K" in node else None
    if isinstance(kids, generic.IndirectObject) and isinstance(kids.get_object(), generic.ArrayObject):
        kids = kids.get_object()
    return list(kids) if isinstance(kids, generic.ArrayObject) else [kids]


def _first_element(node: generic.DictionaryObject) -> Any:
    """The first child of ``node`` that is a structure element by reference, or None."""
    for kid in _children(node):
        if isinstance(kid, generic.IndirectObject):
            target = kid.get_object()
            if isinstance(target, generic.DictionaryObject) and "/S" in target:
                return kid
    return None


def _struct_element_added(pdf: bytes) -> bytes:
    """An incremental update that gives a structure element deep in the tree a new child element:
    the catalog and the structure tree root stay as they were, only that element changes."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    element_ref = _first_element(writer.root["/StructTreeRoot"])
    assert element_ref is not None
    while (below := _first_element(element_ref.get_object())) is not None:
        element_ref = below
    element = element_ref.get_object()
    child = writer.add_object(
        generic.DictionaryObject(
            {_name("/Type"): _name("/StructElem"), _name("/S"): _name("/Span"), _name("/P"): element_ref}
        )
    )
    kids = [kid for kid in _children(element) if kid is not None]
    element[_name("/K")] = generic.ArrayObject([*kids, child])
    writer.update_container(element)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _struct_root_replaced(pdf: bytes) -> bytes:
    """An incremental update whose catalog names a new structure tree root (a copy of the old one
    under a new number)."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    old = writer.root["/StructTreeRoot"]
    copy = generic.DictionaryObject({key: old.raw_get(key) for key in old})
    writer.root[_name("/StructTreeRoot")] = writer.add_object(copy)
    writer.update_root()
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def test_the_trees_found_once_are_found_again_when_they_change(issued: RecordVersion) -> None:
    """The page and structure trees of a revision are reused by a later walk only when nothing
    read to find them changed: a new element deep in the structure tree, or a new structure tree
    root, is seen, and every map is pyHanko's, in any order of the walks."""
    genuine = signed_pdf(issued)
    findings: dict[tuple[str, int], int] = {}
    for name, pdf in (
        ("genuine", genuine),
        ("element", _struct_element_added(genuine)),
        ("root", _struct_root_replaced(genuine)),
    ):
        total = PdfFileReader(BytesIO(pdf)).xrefs.total_revisions
        ascending = list(range(total))
        for direction, order in enumerate((ascending, ascending[::-1])):
            maps, objects = _maps_in_order(pdf, order)
            for revision in order:
                assert maps[revision] == _pyhanko_map(pdf, revision), (name, order, revision)
            findings[name, direction] = len(objects._trees)
            assert findings[name, direction] < total, "the trees were reused"
    for direction in (0, 1):  # the tampered files' last revision found its trees anew
        assert findings["element", direction] == findings["root", direction] == findings["genuine", direction] + 1
    added = _struct_element_added(genuine)
    total = PdfFileReader(BytesIO(added)).xrefs.total_revisions
    maps, _objects = _maps_in_order(added, list(range(total)))
    assert set(maps[total - 1]) - set(maps[total - 2]), "the new element is reached in the last revision"
