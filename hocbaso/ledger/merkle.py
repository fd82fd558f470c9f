"""Merkle tree hashing, proofs and their verification as in RFC 9162 §2.1 (pure Python, no Django).

Hashes are SHA-256 over domain-separated inputs:

* leaf hash ``SHA-256(0x00 || data)``; node hash ``SHA-256(0x01 || left || right)``;
* the root of an empty tree is ``SHA-256()``; of ``n > 1`` leaves it is the node hash of the
  root of the first ``k`` leaves and the root of the rest, ``k`` the largest power of two < ``n``.

Proofs are computed from *complete subtrees*: the subtree at ``(level, index)`` covers leaves
``[index * 2**level, (index + 1) * 2**level)``. Once the log holds its last leaf such a subtree
never changes, so storage can keep it (``LedgerNode``) and any proof or root then needs only
O(log n) of them, with no rebuild of the tree. Functions take a ``source``: either a sequence of
leaf hashes (a ``MemoryTree`` is built from it, O(n)) or a ``NodeFn`` ``(level, index) -> hash``.

The signed tree head covers the RFC 9162 §4.10 ``TreeHeadDataV2`` structure, see
``tree_head_signing_input``. This module is importable by offline verifiers.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()

NodeFn = Callable[[int, int], bytes]
Source = Sequence[bytes] | NodeFn
Key = tuple[int, int]
T = TypeVar("T")


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162 leaf hash of ``data``: ``SHA-256(0x00 || data)``."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 interior node hash: ``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _split(size: int) -> int:
    """The largest power of two strictly smaller than ``size`` (``size >= 2``)."""
    return 1 << ((size - 1).bit_length() - 1)


class MemoryTree:
    """Every complete subtree of a list of leaf hashes, in memory: O(n) to build, O(1) per node.

    ``levels[j][i]`` is the hash of the complete subtree ``(j, i)``. ``append`` adds a leaf and
    completes the subtrees it closes, so a growing tree is never rebuilt.
    """

    def __init__(self, leaf_hashes: Iterable[bytes] = ()):
        self.levels: list[list[bytes]] = [[]]
        for leaf in leaf_hashes:
            self.append(leaf)

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def append(self, leaf: bytes) -> None:
        """Add one leaf hash at index ``size``."""
        h, level = leaf, 0
        while True:
            if level == len(self.levels):
                self.levels.append([])
            row = self.levels[level]
            row.append(h)
            if len(row) % 2:
                return
            h = node_hash(row[-2], row[-1])
            level += 1

    def node(self, level: int, index: int) -> bytes:
        """Hash of the complete subtree ``(level, index)``; IndexError if it is not complete."""
        return self.levels[level][index]

    __call__ = node


def _node_fn(source: Source) -> NodeFn:
    if callable(source):
        return source
    return MemoryTree(source).node


def subtree_hash(start: int, end: int, node: NodeFn) -> bytes:
    """MTH of leaves ``[start, end)``, a range the RFC's recursion produces (``start`` aligned).

    The range splits into complete subtrees of the sizes of ``end - start``'s set bits, largest
    first; the RFC's definition folds them from the right.
    """
    size = end - start
    if size <= 0:
        raise ValueError("empty or inverted range")
    blocks: list[bytes] = []
    position = start
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            if position % (1 << level):
                raise ValueError(f"range [{start}, {end}) is not aligned to complete subtrees")
            blocks.append(node(level, position >> level))
            position += 1 << level
    h = blocks[-1]
    for block in reversed(blocks[:-1]):
        h = node_hash(block, h)
    return h


def root(source: Source, size: int | None = None) -> bytes:
    """MTH of the first ``size`` leaves (all of a sequence when ``size`` is None)."""
    if size is None:
        if callable(source):
            raise ValueError("size is required with a node function")
        size = len(source)
    if size == 0:
        return EMPTY_ROOT
    return subtree_hash(0, size, _node_fn(source))


def inclusion_proof(index: int, size: int, source: Source) -> list[bytes]:
    """RFC 9162 §2.1.3.1 ``PATH(index, D[0:size])``, nearest sibling first.

    Raises ValueError unless ``0 <= index < size``.
    """
    if not 0 <= index < size:
        raise ValueError(f"index {index} is outside a tree of size {size}")
    node = _node_fn(source)
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            path.append(subtree_hash(start + k, end, node))
            end = start + k
        else:
            path.append(subtree_hash(start, start + k, node))
            start += k
    path.reverse()
    return path


def consistency_proof(first: int, second: int, source: Source) -> list[bytes]:
    """RFC 9162 §2.1.4.1 ``PROOF(first, D[0:second])``; empty when ``first == second``.

    Raises ValueError unless ``0 < first <= second``.
    """
    if not 0 < first <= second:
        raise ValueError(f"need 0 < first <= second, got {first} and {second}")
    node = _node_fn(source)
    path: list[bytes] = []
    start, end, m, complete = 0, second, first, True
    while True:
        size = end - start
        if m == size:
            if not complete:
                path.append(subtree_hash(start, end, node))
            break
        k = _split(size)
        if m <= k:
            path.append(subtree_hash(start + k, end, node))
            end = start + k
        else:
            path.append(subtree_hash(start, start + k, node))
            start += k
            m -= k
            complete = False
    path.reverse()
    return path


def _valid_hashes(*hashes: bytes) -> bool:
    return all(isinstance(h, bytes) and len(h) == HASH_SIZE for h in hashes)


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root_hash: bytes) -> bool:
    """True if ``proof`` shows leaf hash ``leaf`` at ``index`` in the tree of ``size`` with ``root_hash``.

    The algorithm of RFC 9162 §2.1.3.2.
    """
    if not 0 <= index < size or not _valid_hashes(leaf, root_hash, *proof):
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and hmac.compare_digest(r, root_hash)


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]) -> bool:
    """True if ``proof`` shows the tree of size ``first`` is a prefix of the tree of size ``second``.

    The algorithm of RFC 9162 §2.1.4.2, plus: equal sizes need an empty proof and equal roots.
    """
    if not 0 < first <= second or not _valid_hashes(first_root, second_root, *proof):
        return False
    if first == second:
        return not proof and hmac.compare_digest(first_root, second_root)
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and hmac.compare_digest(fr, first_root) and hmac.compare_digest(sr, second_root)


# --- Appending with stored complete subtrees -------------------------------------------------


def frontier_keys(size: int) -> list[Key]:
    """The complete subtrees whose fold is the root of a tree of ``size`` leaves, highest first.

    They are also exactly what appending the next leaf may need as left siblings.
    """
    keys = []
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            keys.append((level, (size >> level) - 1))
    return keys


class Frontier:
    """The right edge of a tree (one complete subtree per set bit of ``size``): enough to append
    leaves and to compute the root without reading anything else.
    """

    def __init__(self, size: int, nodes: dict[Key, bytes]):
        self.size = size
        self.nodes = {key: nodes[key] for key in frontier_keys(size)}

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add the leaf at index ``size``; returns every complete subtree it closes, level 0 first.

        ``(0, index, leaf)`` is always first; the rest are interior nodes to store.
        """
        index = self.size
        closed = [(0, index, leaf)]
        h, level, position = leaf, 0, index
        while position & 1:
            h = node_hash(self.nodes[(level, position - 1)], h)
            level += 1
            position >>= 1
            closed.append((level, position, h))
        self.size += 1
        every = {**self.nodes, **{(lv, ix): hv for lv, ix, hv in closed}}
        self.nodes = {key: every[key] for key in frontier_keys(self.size)}
        return closed

    def root(self) -> bytes:
        """MTH of the ``size`` leaves."""
        if self.size == 0:
            return EMPTY_ROOT
        blocks = [self.nodes[key] for key in frontier_keys(self.size)]
        h = blocks[-1]
        for block in reversed(blocks[:-1]):
            h = node_hash(block, h)
        return h


def required_nodes(compute: Callable[[NodeFn], object]) -> list[Key]:
    """The complete subtrees ``compute(node_fn)`` reads, found by a dry run with placeholder hashes.

    The proof and root functions read the same subtrees whatever their hashes are, so a caller
    can fetch them all in one query and then run ``compute`` for real.
    """
    seen: dict[Key, None] = {}

    def record(level: int, index: int) -> bytes:
        seen[(level, index)] = None
        return bytes(HASH_SIZE)

    compute(record)
    return list(seen)


# --- Signed tree heads -----------------------------------------------------------------------


def tree_head_signing_input(size: int, root_hash: bytes, timestamp_ms: int) -> bytes:
    """The bytes a tree head signature covers: RFC 9162 §4.10 ``TreeHeadDataV2``, no extensions.

    TLS encoding: ``uint64 timestamp`` (ms since the Unix epoch), ``uint64 tree_size``,
    ``opaque root_hash<32..2^8-1>`` (one length byte, 0x20, then the hash) and an empty
    ``sth_extensions<0..2^16-1>`` (two zero bytes) — 51 bytes, all big-endian.
    """
    if len(root_hash) != HASH_SIZE:
        raise ValueError("root hash must be 32 bytes")
    return struct.pack(">QQB", timestamp_ms, size, HASH_SIZE) + root_hash + b"\x00\x00"


def verify_tree_head_signature(
    public_key_pem: str | bytes, size: int, root_hash: bytes, timestamp_ms: int, signature: bytes
) -> bool:
    """True if ``signature`` is the log key's Ed25519 signature over ``tree_head_signing_input``."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    key = load_pem_public_key(public_key_pem.encode() if isinstance(public_key_pem, str) else public_key_pem)
    if not isinstance(key, Ed25519PublicKey):
        return False
    try:
        key.verify(signature, tree_head_signing_input(size, root_hash, timestamp_ms))
    except (InvalidSignature, ValueError):
        return False
    return True
