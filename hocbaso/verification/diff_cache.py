"""One difference analysis's worth of object reading, shared by every signature of a PDF.

pyHanko's difference analysis (``StandardDiffPolicy.review_file``) compares the revision each
signature signed with every later revision. Before the first comparison it maps, for the signed
revision, every indirect object to all the paths through which it is reached from the trailer
(``HistoricalResolver._load_reverse_xref_cache``): a walk of the whole object graph. A record has
four signatures (three people and the archive timestamp), so four walks, each through a
``HistoricalResolver`` that copies ("subsumes") every object it reads — and the objects of the
first revision (the page content, the fonts, the structure tree: nearly all of the file) are the
same in all four. Profiled, those walks were 62 % of one examine.

:func:`share_object_reads` installs, for every revision of one reader, a resolver whose walk reads
each version of each object once for the whole file (a version is an object number at one xref
location; unchanged objects are the reader's own parsed objects) and never copies them. The walk
is pyHanko's own algorithm, step for step — the same special handling of the page tree and the
structure tree, the same paths, the same result — so every signature's difference analysis takes
exactly the decisions it took before; only the reading is shared. Every other use of the resolver
(the diff rules' reads, the signature checks) is pyHanko's, unchanged. Should the shared walk fail
in any way (a damaged or hostile file), the resolver falls back to pyHanko's own walk, which then
fails or succeeds exactly as it always did. Encrypted files are left to pyHanko entirely.
:func:`reverse_xref_cache` is the walk itself, exposed for the tests that compare it with
pyHanko's on genuine and tampered files.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pyhanko.pdf_utils import generic, misc
from pyhanko.pdf_utils.reader import HistoricalResolver, PdfFileReader, RawPdfPath

_MISSING = object()


class SharedObjects:
    """The objects of one file as of any revision, each version read once (without copying).

    ``resolve(ref, revision)`` returns what ``reader.get_historical_resolver(revision)(ref)``
    returns, up to the copy: the current object when it did not change after ``revision`` (the
    reader's cached parse), else the version at the xref location the revision points to, read
    once per location. Errors (a missing object in strict mode, a damaged object) propagate as
    they would from the resolver.
    """

    def __init__(self, reader: PdfFileReader) -> None:
        self.reader = reader
        self._last_change: dict[tuple[int, int], int | None] = {}
        self._versions: dict[tuple[int, int, Any], Any] = {}

    def resolve(self, ref: generic.Reference, revision: int) -> Any:
        reader = self.reader
        key = (ref.idnum, ref.generation)
        last_change = self._last_change.get(key, _MISSING)
        if last_change is _MISSING:
            try:
                last_change = reader.xrefs.get_last_change(ref)
            except KeyError:
                last_change = None
            self._last_change[key] = last_change
        if last_change is not None and last_change <= revision:  # type: ignore[operator]
            return reader.get_object(ref, transparent_decrypt=False)
        marker = reader.xrefs.get_historical_ref(ref, revision)
        version = (ref.idnum, ref.generation, marker)
        obj = self._versions.get(version, _MISSING)
        if obj is _MISSING:
            obj = reader.get_object(ref, revision, transparent_decrypt=False)
            self._versions[version] = obj
        return obj


def _deref(obj: Any, resolve: Any) -> Any:
    """``IndirectObject.get_object`` within the revision (one level of reference to a reference)."""
    if isinstance(obj, generic.IndirectObject):
        obj = resolve(obj.reference)
        if isinstance(obj, generic.IndirectObject):
            obj = resolve(obj.reference)
    return obj


def _item(dictionary: Any, key: str, resolve: Any) -> Any:
    """``DictionaryObject.__getitem__`` within the revision: dereferenced, KeyError on null."""
    value = _deref(dict.__getitem__(dictionary, key), resolve)
    if isinstance(value, generic.NullObject):
        raise KeyError(key)
    return value


def reverse_xref_cache(objects: SharedObjects, revision: int, trailer: Any) -> dict[generic.Reference, set[RawPdfPath]]:
    """What ``HistoricalResolver._load_reverse_xref_cache`` computes for ``revision`` (pyHanko
    0.38.0, ``pdf_utils/reader.py``: a page tree node is entered only through its canonical path
    from ``/Root /Pages``, a structure element only from inside the structure tree), read through
    ``objects``. ``trailer``: the revision's flattened trailer (``resolver.trailer_view``).

    Step for step pyHanko's walk; only the bookkeeping is cheaper: a path is a tuple (pyHanko's
    cons lists compare element by element, as tuples do), and the references on the current path
    are a set of (number, generation) pairs kept as the walk goes down and up (pyHanko's list of
    them, searched at each step)."""
    reader = objects.reader

    def resolve(ref: generic.Reference) -> Any:
        return objects.resolve(ref, revision)

    collected: defaultdict[generic.Reference, set[tuple[Any, ...]]] = defaultdict(set)
    root_ref = reader.trailer.raw_get("/Root", revision=revision).reference
    root = resolve(root_ref)  # PdfHandler.root: no second dereference
    if not isinstance(root, generic.DictionaryObject):
        raise misc.PdfReadError("The catalog is not a dictionary")
    on_path: set[tuple[int, int]] = set()
    struct_tree_entry = ("/Root", "/StructTreeRoot")
    indirect, dictionary, array = generic.IndirectObject, generic.DictionaryObject, generic.ArrayObject

    def compute(
        obj: Any,
        cur_path: tuple[Any, ...],
        page_tree_objs: dict[generic.Reference, tuple[Any, ...]],
        is_struct_tree: bool,
        struct_tree_objs: set[generic.Reference],
    ) -> None:
        key = None
        if isinstance(obj, indirect):
            obj_ref = obj.reference
            key = (obj_ref.idnum, obj_ref.generation)
            if key in on_path:
                return
            collected[obj_ref].add(cur_path)
            obj = resolve(obj_ref)
            if page_tree_objs.get(obj_ref, cur_path) != cur_path:
                return
            if not is_struct_tree and obj_ref in struct_tree_objs:
                return
            on_path.add(key)
        try:
            if isinstance(obj, dictionary):
                for k, v in obj.items():  # raw values, as in pyHanko
                    if k == "/Parent" or (is_struct_tree and k == "/P"):
                        continue
                    compute(
                        v,
                        (*cur_path, k),
                        page_tree_objs,
                        is_struct_tree or (k == "/K" and cur_path == struct_tree_entry),
                        struct_tree_objs,
                    )
            elif isinstance(obj, array):
                for ix, v in enumerate(obj):  # raw values
                    compute(v, (*cur_path, ix), page_tree_objs, is_struct_tree, struct_tree_objs)
        finally:
            if key is not None:
                on_path.discard(key)

    def page_tree_refs(pages_obj: Any, path: tuple[Any, ...]) -> Any:
        for ix, kid in enumerate(_item(pages_obj, "/Kids", resolve)):
            kid_path = (*path, "/Kids", ix)
            if isinstance(kid, generic.IndirectObject):
                yield kid.reference, kid_path
            kid = _deref(kid, resolve)
            if kid.get("/Type", None) == "/Pages":
                yield from page_tree_refs(kid, kid_path)

    def struct_tree_refs(struct_elem: Any) -> Any:
        try:
            children = _item(struct_elem, "/K", resolve)
        except KeyError:
            return
        if not isinstance(children, generic.ArrayObject):
            children = (children,)
        for child in children:
            child_ref = None
            if isinstance(child, generic.IndirectObject):
                child_ref = child.reference
                child = _deref(child, resolve)
            if not isinstance(child, generic.DictionaryObject):
                continue
            try:
                if _item(child, "/Type", resolve) != "/StructElem":
                    continue
            except KeyError:
                pass
            if child_ref is not None:
                yield child_ref
            yield from struct_tree_refs(child)

    pages_ref = root.raw_get("/Pages")
    pages_path = ("/Root", "/Pages")
    page_tree_nodes: dict[generic.Reference, tuple[Any, ...]] = {}
    if isinstance(pages_ref, generic.IndirectObject):
        page_tree_nodes[pages_ref.reference] = pages_path
    for ref, path in page_tree_refs(_deref(pages_ref, resolve), pages_path):
        if ref in page_tree_nodes:
            raise misc.PdfReadError("Circular reference in page tree in mapping stage")
        page_tree_nodes[ref] = path
    struct_tree_nodes: set[generic.Reference] = set()
    try:
        struct_tree_root = _deref(root.raw_get("/StructTreeRoot"), resolve)
        for ref in struct_tree_refs(struct_tree_root):
            if ref in struct_tree_nodes:
                raise misc.PdfReadError("Circular reference in structure tree in mapping stage")
            struct_tree_nodes.add(ref)
    except KeyError:
        pass
    compute(trailer, (), page_tree_nodes, False, struct_tree_nodes)
    return {ref: {RawPdfPath(*p) for p in paths} for ref, paths in collected.items()}


class SharedResolver(HistoricalResolver):
    """pyHanko's resolver for one revision; only the reverse-xref walk reads through the
    file's :class:`SharedObjects` (falling back to pyHanko's walk if that fails)."""

    def __init__(self, reader: PdfFileReader, revision: int, objects: SharedObjects) -> None:
        super().__init__(reader, revision)
        self.shared_objects = objects

    def _load_reverse_xref_cache(self) -> None:
        if self._indirect_object_access_cache is not None:
            return
        try:
            self._indirect_object_access_cache = reverse_xref_cache(
                self.shared_objects, self.revision, self.trailer_view
            )
        except Exception:  # whatever went wrong, pyHanko's own walk decides (and fails as it would)
            self._indirect_object_access_cache = None
            super()._load_reverse_xref_cache()


def share_object_reads(reader: PdfFileReader) -> bool:
    """Make every revision's resolver of ``reader`` a :class:`SharedResolver` over one
    :class:`SharedObjects`. Call right after opening the file: a resolver pyHanko created before is
    kept as it is. Returns False, changing nothing, for an encrypted file."""
    if reader.encrypted:
        return False
    objects = SharedObjects(reader)
    cache = reader._historical_resolver_cache
    for revision in range(reader.xrefs.total_revisions):
        cache.setdefault(revision, SharedResolver(reader, revision, objects))
    return True
