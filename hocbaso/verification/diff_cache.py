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
is pyHanko's own algorithm, step for step (an unchanged subtree is replayed from an earlier
revision's walk only when every decision of the walk there is provably the same: see
:func:`reverse_xref_cache`) — the same special handling of the page tree and the
structure tree, the same paths, the same result — so every signature's difference analysis takes
exactly the decisions it took before; only the reading is shared. Every other use of the resolver
(the diff rules' reads, the signature checks) is pyHanko's, unchanged. Should the shared walk fail
in any way (a damaged or hostile file), the resolver falls back to pyHanko's own walk, which then
fails or succeeds exactly as it always did. Encrypted files are left to pyHanko entirely. The
search for a revision's orphaned objects (:func:`find_orphans`), which pyHanko redoes for every
signature compared against that revision, is likewise done once per revision of the file.
The page and structure trees that steer a revision's walk are likewise found once and reused by
a later revision's walk when nothing read to find them changed (:meth:`SharedObjects.trees`).
Everything remembered lives on the file's :class:`SharedObjects`, made anew for each reader:
nothing is ever shared between two files.
:func:`reverse_xref_cache` is the walk itself, exposed for the tests that compare it with
pyHanko's on genuine and tampered files.
"""

from __future__ import annotations

import bisect
from typing import Any

from pyhanko.pdf_utils import generic, misc
from pyhanko.pdf_utils.reader import HistoricalResolver, PdfFileReader, RawPdfPath
from pyhanko.sign.diff_analysis import policies

_MISSING = object()
_NEVER = 1 << 30  # no cut: deeper than any path


class InternedPath(RawPdfPath):
    """A :class:`RawPdfPath` whose tag and hash are computed once (pyHanko recomputes both at
    every set insertion and comparison); equal to, and hashed as, the plain path of the same
    entries. One instance per distinct path of a file, shared by all its revisions' maps."""

    def __init__(self, *path: str | int) -> None:
        super().__init__(*path)
        self._tag_value = tuple([(isinstance(x, int), x) for x in path])  # a list first: ~2x a generator
        self._hash_value = hash(self._tag_value)

    def _tag(self) -> tuple[tuple[bool, str | int], ...]:
        return self._tag_value

    def __hash__(self) -> int:
        return self._hash_value


class _Walk:
    """One revision's walk, kept so a later revision's walk can replay its unchanged subtrees.

    ``seen``: every indirect reference met, in order (also those cut as a cycle), as
    ``(number, generation)``; ``trace``: every ``(reference, path)`` recorded, in order. A subtree's
    share of both is a slice. ``page_tree``/``struct_tree``: the revision's page and structure
    tree nodes, which steer the walk."""

    __slots__ = ("_positions", "page_tree", "revision", "seen", "struct_tree", "trace")

    def __init__(self, revision: int, page_tree: dict[Any, Any], struct_tree: set[Any]) -> None:
        self.revision = revision
        self.seen: list[tuple[int, int]] = []
        self.trace: list[tuple[generic.Reference, tuple[Any, ...]]] = []
        self.page_tree = page_tree
        self.struct_tree = struct_tree
        self._positions: dict[int, list[int]] | None = None

    def _index(self) -> dict[int, list[int]]:
        positions = self._positions
        if positions is None:
            positions = {}
            for index, (number, _generation) in enumerate(self.seen):
                positions.setdefault(number, []).append(index)
            self._positions = positions
        return positions

    def where(self, idnums: frozenset[int]) -> list[int]:
        """The positions in ``seen`` of the objects numbered ``idnums``, sorted."""
        index = self._index()
        return sorted(position for idnum in idnums for position in index.get(idnum, ()))

    def meets(self, idnum: int, start: int, end: int) -> bool:
        """Whether an object numbered ``idnum`` is among ``seen[start:end]``."""
        return _within(self._index().get(idnum), start, end)


def _within(positions: list[int] | None, start: int, end: int) -> bool:
    """Whether a sorted list of positions has one in ``[start, end)``."""
    if not positions:
        return False
    at = bisect.bisect_left(positions, start)
    return at < len(positions) and positions[at] < end


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
        # The walks' memory (see reverse_xref_cache): subtree (object, absolute path, inside the
        # structure tree?) → (walk, seen start, seen end, trace start, trace end).
        self.subtrees: dict[tuple[Any, ...], tuple[_Walk, int, int, int, int]] = {}
        self.paths: dict[tuple[Any, ...], InternedPath] = {}
        self._touched: dict[int, frozenset[int]] = {}
        self._changed: dict[tuple[int, int], frozenset[int]] = {}
        self.orphans: dict[int, frozenset[generic.Reference]] = {}
        # The page and structure trees of the walks (see trees): their key, revision, the object
        # numbers read to find them, and the trees; and the numbers read by the finding under way.
        self._trees: list[tuple[tuple[Any, ...], int, frozenset[int], Any]] = []
        self.reading: set[int] | None = None

    def trees(self, revision: int, root: Any, find: Any) -> Any:
        """``find()``: the page and structure trees of ``revision`` (whose catalog is ``root``),
        found once per file and reused in a later walk when both are provably the same: the
        catalog names the same page tree root and structure tree root, each by reference, and no
        object read in finding them (all read through the walk's ``resolve``, which records them
        here) is in a cross-reference section between the two revisions. A finding that raises is
        not remembered."""
        raw = (dict.get(root, "/Pages"), dict.get(root, "/StructTreeRoot"))  # as written, not followed
        memorable = all(value is None or isinstance(value, generic.IndirectObject) for value in raw)
        key = tuple(value.reference if isinstance(value, generic.IndirectObject) else None for value in raw)
        if memorable:
            for known_key, known_revision, read, found in self._trees:
                if known_key == key and not read & self.changed_between(known_revision, revision):
                    return found
        self.reading = set()
        try:
            found = find()
            read = frozenset(self.reading)
        finally:
            self.reading = None
        if memorable:
            self._trees.append((key, revision, read, found))
        return found

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

    def touched(self, revision: int) -> frozenset[int]:
        """The object numbers with any entry (in use, in an object stream, freed; the hybrid
        section's too) in ``revision``'s cross-reference section: the only objects whose
        resolution can differ between the revision before and this one."""
        known = self._touched.get(revision)
        if known is None:
            numbers: set[int] = set()
            data: Any = self.reader.xrefs.get_xref_data(revision)
            while data is not None:
                numbers.update(data.standard_xrefs, data.xrefs_in_objstm, data.freed)
                numbers.update(idnum for idnum, _generation in data.explicit_refs_in_revision)
                data = data.hybrid.xref_data if data.hybrid is not None else None
            known = self._touched[revision] = frozenset(numbers)
        return known

    def changed_between(self, first: int, second: int) -> frozenset[int]:
        """The object numbers whose version may differ between revisions ``first`` and ``second``
        (any entry in a section after the older up to the newer): every other object resolves to
        the very same version (the same parsed object) in both."""
        low, high = min(first, second), max(first, second)
        known = self._changed.get((low, high))
        if known is None:
            numbers: set[int] = set()
            for revision in range(low + 1, high + 1):
                numbers |= self.touched(revision)
            known = self._changed[(low, high)] = frozenset(numbers)
        return known

    def path(self, entries: tuple[Any, ...]) -> InternedPath:
        """The one :class:`InternedPath` of ``entries`` for this file."""
        found = self.paths.get(entries)
        if found is None:
            found = self.paths[entries] = InternedPath(*entries)
        return found


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
    are a dict of (number, generation) → depth kept as the walk goes down and up (pyHanko's list
    of them, searched at each step).

    Across revisions of one file (``objects``), the walk of an indirect object's subtree is
    replayed from an earlier revision's walk instead of walked again when every decision the walk
    takes there is provably the same: the same object reached by the same absolute path, with the
    same "inside the structure tree" flag; the same page tree and structure tree nodes in both
    revisions (they steer the walk); no object met in the subtree, nor the object itself, changed
    between the two revisions (:meth:`SharedObjects.changed_between`: then each is the very same
    parsed object); and none of them on the current path (a cycle cut there would have been cut
    otherwise). A subtree whose walk was cut at a reference above it (on the path outside the
    subtree) is never remembered. The replay adds the very entries the walk added then; the map
    is the same, the order of insertion aside."""
    reader = objects.reader

    def resolve(ref: generic.Reference) -> Any:
        read = objects.reading
        if read is not None:
            read.add(ref.idnum)
        return objects.resolve(ref, revision)

    root_ref = reader.trailer.raw_get("/Root", revision=revision).reference
    root = resolve(root_ref)  # PdfHandler.root: no second dereference
    if not isinstance(root, generic.DictionaryObject):
        raise misc.PdfReadError("The catalog is not a dictionary")

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

    def trees() -> tuple[dict[generic.Reference, tuple[Any, ...]], set[generic.Reference]]:
        pages_ref = root.raw_get("/Pages")
        pages_path = ("/Root", "/Pages")
        page_tree_objs: dict[generic.Reference, tuple[Any, ...]] = {}
        if isinstance(pages_ref, generic.IndirectObject):
            page_tree_objs[pages_ref.reference] = pages_path
        for ref, path in page_tree_refs(_deref(pages_ref, resolve), pages_path):
            if ref in page_tree_objs:
                raise misc.PdfReadError("Circular reference in page tree in mapping stage")
            page_tree_objs[ref] = path
        struct_tree_objs: set[generic.Reference] = set()
        try:
            struct_tree_root = _deref(root.raw_get("/StructTreeRoot"), resolve)
            for ref in struct_tree_refs(struct_tree_root):
                if ref in struct_tree_objs:
                    raise misc.PdfReadError("Circular reference in structure tree in mapping stage")
                struct_tree_objs.add(ref)
        except KeyError:
            pass
        return page_tree_objs, struct_tree_objs

    page_tree_objs, struct_tree_objs = objects.trees(revision, root, trees)

    walk = _Walk(revision, page_tree_objs, struct_tree_objs)
    seen, trace = walk.seen, walk.trace
    subtrees = objects.subtrees
    remembered: dict[tuple[Any, ...], tuple[_Walk, int, int, int, int]] = {}
    # the earlier walks whose subtrees may be replayed: the same page and structure trees
    # (and the objects changed since, with where each earlier walk met them)
    comparable: dict[int, tuple[frozenset[int], list[int]]] = {}
    for earlier in {id(entry[0]): entry[0] for entry in subtrees.values()}.values():
        if earlier.page_tree == page_tree_objs and earlier.struct_tree == struct_tree_objs:
            changed = objects.changed_between(earlier.revision, revision)
            comparable[id(earlier)] = (changed, earlier.where(changed))
    on_path: dict[tuple[int, int], int] = {}  # (number, generation) → its depth on the current path
    cuts = [_NEVER]  # per open subtree: the shallowest depth a cycle was cut at inside it
    struct_tree_entry = ("/Root", "/StructTreeRoot")
    indirect, dictionary, array = generic.IndirectObject, generic.DictionaryObject, generic.ArrayObject

    def replayable(key: tuple[int, int], memo: tuple[_Walk, int, int, int, int]) -> bool:
        earlier, seen_start, seen_end, _trace_start, _trace_end = memo
        found = comparable.get(id(earlier))
        if found is None or key[0] in found[0] or _within(found[1], seen_start, seen_end):
            return False
        return not any(earlier.meets(number, seen_start, seen_end) for number, _generation in on_path)

    def children(obj: Any, cur_path: tuple[Any, ...], is_struct_tree: bool) -> None:
        if isinstance(obj, dictionary):
            for k, v in obj.items():  # raw values, as in pyHanko
                if k == "/Parent" or (is_struct_tree and k == "/P"):
                    continue
                compute(v, (*cur_path, k), is_struct_tree or (k == "/K" and cur_path == struct_tree_entry))
        elif isinstance(obj, array):
            for ix, v in enumerate(obj):  # raw values
                compute(v, (*cur_path, ix), is_struct_tree)

    def compute(obj: Any, cur_path: tuple[Any, ...], is_struct_tree: bool) -> None:
        if not isinstance(obj, indirect):
            children(obj, cur_path, is_struct_tree)
            return
        obj_ref = obj.reference
        key = (obj_ref.idnum, obj_ref.generation)
        seen.append(key)
        depth = on_path.get(key)
        if depth is not None:
            if depth < cuts[-1]:
                cuts[-1] = depth
            return
        trace.append((obj_ref, cur_path))
        obj = resolve(obj_ref)
        if page_tree_objs.get(obj_ref, cur_path) != cur_path:
            return
        if not is_struct_tree and obj_ref in struct_tree_objs:
            return
        subtree = (key, cur_path, is_struct_tree)
        seen_start, trace_start = len(seen), len(trace)
        memo = subtrees.get(subtree)
        if memo is not None and replayable(key, memo):
            earlier, old_seen_start, old_seen_end, old_trace_start, old_trace_end = memo
            seen.extend(earlier.seen[old_seen_start:old_seen_end])
            trace.extend(earlier.trace[old_trace_start:old_trace_end])
            remembered[subtree] = (walk, seen_start, len(seen), trace_start, len(trace))
            return
        depth = len(on_path)
        on_path[key] = depth
        cuts.append(_NEVER)
        children(obj, cur_path, is_struct_tree)
        del on_path[key]
        cut = cuts.pop()
        if cut >= depth:  # no cycle cut at a reference above this subtree: its walk stands alone
            remembered[subtree] = (walk, seen_start, len(seen), trace_start, len(trace))
        elif cut < cuts[-1]:
            cuts[-1] = cut

    compute(trailer, (), False)
    subtrees.update(remembered)  # only a walk that completed is remembered
    collected: dict[generic.Reference, set[RawPdfPath]] = {}
    intern = objects.path
    for ref, path in trace:
        found = collected.get(ref)
        if found is None:
            found = collected[ref] = set()
        found.add(intern(path))
    return collected


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


_PYHANKO_FIND_ORPHANS = policies._find_orphans


def find_orphans(hist_rev: HistoricalResolver) -> set[generic.Reference]:
    """``policies._find_orphans`` (the new objects of a revision no older object reaches: a pure
    function of the file and the revision), computed once per revision of a shared file rather
    than once per signature whose analysis compares against that revision. A copy is returned;
    any other resolver, or a search that fails, is pyHanko's own."""
    if not isinstance(hist_rev, SharedResolver):
        return _PYHANKO_FIND_ORPHANS(hist_rev)  # type: ignore[no-any-return]
    known = hist_rev.shared_objects.orphans
    found = known.get(hist_rev.revision)
    if found is None:
        found = known[hist_rev.revision] = frozenset(_PYHANKO_FIND_ORPHANS(hist_rev))
    return set(found)


def share_object_reads(reader: PdfFileReader) -> bool:
    """Make every revision's resolver of ``reader`` a :class:`SharedResolver` over one
    :class:`SharedObjects`. Call right after opening the file: a resolver pyHanko created before is
    kept as it is. Returns False, changing nothing, for an encrypted file."""
    if reader.encrypted:
        return False
    policies._find_orphans = find_orphans  # idempotent; shared resolvers only, pyHanko's otherwise
    objects = SharedObjects(reader)
    cache = reader._historical_resolver_cache
    for revision in range(reader.xrefs.total_revisions):
        cache.setdefault(revision, SharedResolver(reader, revision, objects))
    return True
