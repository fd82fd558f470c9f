"""merkle.py against RFC 9162 §2.1: proofs are checked by an independent verifier written here.

The verifier and the reference tree hash below use plain hashlib and follow the RFC's text
(§2.1.1 definition, §2.1.3.2 and §2.1.4.2 algorithms); they do not import merkle.py.
"""

from __future__ import annotations

import hashlib

import pytest

from hocbaso.ledger import merkle

MAX_SIZE = 33


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def ref_mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1 MTH over raw leaf data, by the recursive definition."""
    n = len(leaves)
    if n == 0:
        return sha(b"")
    if n == 1:
        return sha(b"\x00" + leaves[0])
    k = 1 << ((n - 1).bit_length() - 1)
    return sha(b"\x01" + ref_mth(leaves[:k]) + ref_mth(leaves[k:]))


def ref_verify_inclusion(leaf_hash: bytes, index: int, size: int, path: list[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2, step by step."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf_hash
    for p in path:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = sha(b"\x01" + p + r)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = sha(b"\x01" + r + p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def ref_verify_consistency(first: int, second: int, first_hash: bytes, second_hash: bytes, path: list[bytes]) -> bool:
    """RFC 9162 §2.1.4.2, step by step (for 0 < first < second)."""
    if not path:
        return False
    if first & (first - 1) == 0:
        path = [first_hash, *path]
    fn, sn = first - 1, second - 1
    while fn % 2 == 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            fr, sr = sha(b"\x01" + c + fr), sha(b"\x01" + c + sr)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = sha(b"\x01" + sr + c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_hash and sr == second_hash and sn == 0


def data(i: int) -> bytes:
    return f"leaf-{i}".encode()


LEAVES = [data(i) for i in range(MAX_SIZE)]
LEAF_HASHES = [sha(b"\x00" + d) for d in LEAVES]
ROOTS = [ref_mth(LEAVES[:n]) for n in range(MAX_SIZE + 1)]
TREE = merkle.MemoryTree(LEAF_HASHES)


def test_hashing_is_domain_separated():
    assert merkle.leaf_hash(b"abc") == sha(b"\x00abc")
    assert merkle.node_hash(b"L" * 32, b"R" * 32) == sha(b"\x01" + b"L" * 32 + b"R" * 32)
    empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert merkle.EMPTY_ROOT.hex() == empty


@pytest.mark.parametrize("size", range(MAX_SIZE + 1))
def test_root_matches_the_rfc_definition(size):
    assert merkle.root(LEAF_HASHES[:size]) == ROOTS[size]
    assert merkle.root(TREE, size) == ROOTS[size]
    frontier = merkle.Frontier(0, {})
    for leaf in LEAF_HASHES[:size]:
        frontier.append(leaf)
    assert frontier.root() == ROOTS[size]


@pytest.mark.parametrize("size", range(1, MAX_SIZE + 1))
def test_inclusion_proofs_verify_independently_for_every_index(size):
    for index in range(size):
        path = merkle.inclusion_proof(index, size, TREE)
        assert path == merkle.inclusion_proof(index, size, LEAF_HASHES[:size])
        assert ref_verify_inclusion(LEAF_HASHES[index], index, size, path, ROOTS[size])
        assert merkle.verify_inclusion(LEAF_HASHES[index], index, size, path, ROOTS[size])


@pytest.mark.parametrize("second", range(2, MAX_SIZE + 1))
def test_consistency_proofs_verify_independently_for_every_pair(second):
    for first in range(1, second):
        path = merkle.consistency_proof(first, second, TREE)
        assert path == merkle.consistency_proof(first, second, LEAF_HASHES[:second])
        assert ref_verify_consistency(first, second, ROOTS[first], ROOTS[second], path)
        assert merkle.verify_consistency(first, second, ROOTS[first], ROOTS[second], path)


def test_consistency_of_equal_sizes_is_an_empty_proof():
    assert merkle.consistency_proof(5, 5, TREE) == []
    assert merkle.verify_consistency(5, 5, ROOTS[5], ROOTS[5], [])
    assert not merkle.verify_consistency(5, 5, ROOTS[5], ROOTS[6], [])


@pytest.mark.parametrize("size", [1, 2, 3, 7, 8, 13, 32, 33])
def test_inclusion_tampering_fails(size):
    altered = sha(b"\x00" + b"altered")
    for index in range(size):
        path = merkle.inclusion_proof(index, size, TREE)
        for verify in (ref_verify_inclusion, merkle.verify_inclusion):
            assert not verify(altered, index, size, path, ROOTS[size])
            assert not verify(LEAF_HASHES[index], index, size, path, ROOTS[size - 1])
            if size > 1:
                assert not verify(LEAF_HASHES[index], (index + 1) % size, size, path, ROOTS[size])
        if path:
            broken = [*path[:-1], sha(path[-1])]
            assert not merkle.verify_inclusion(LEAF_HASHES[index], index, size, broken, ROOTS[size])
            assert not merkle.verify_inclusion(LEAF_HASHES[index], index, size, path[:-1], ROOTS[size])
            assert not merkle.verify_inclusion(LEAF_HASHES[index], index, size, [*path, path[0]], ROOTS[size])


@pytest.mark.parametrize("second", [2, 3, 8, 9, 20, 33])
def test_consistency_tampering_fails(second):
    for first in range(1, second):
        path = merkle.consistency_proof(first, second, TREE)
        for verify in (ref_verify_consistency, merkle.verify_consistency):
            assert not verify(first, second, sha(b"x"), ROOTS[second], path)
            assert not verify(first, second, ROOTS[first], sha(b"x"), path)
            assert not verify(first, second, ROOTS[first], ROOTS[second], [sha(p) for p in path])
        assert not merkle.verify_consistency(first, second, ROOTS[first], ROOTS[second], [])
        assert not merkle.verify_consistency(second, first, ROOTS[second], ROOTS[first], path)


@pytest.mark.parametrize(
    ("call", "args"),
    [
        (merkle.inclusion_proof, (0, 0, LEAF_HASHES)),
        (merkle.inclusion_proof, (5, 5, LEAF_HASHES)),
        (merkle.inclusion_proof, (-1, 5, LEAF_HASHES)),
        (merkle.consistency_proof, (0, 5, LEAF_HASHES)),
        (merkle.consistency_proof, (6, 5, LEAF_HASHES)),
    ],
)
def test_out_of_range_requests_are_refused(call, args):
    with pytest.raises(ValueError):
        call(*args)


def test_malformed_hashes_do_not_verify():
    path = merkle.inclusion_proof(3, 8, TREE)
    assert not merkle.verify_inclusion(LEAF_HASHES[3][:31], 3, 8, path, ROOTS[8])
    assert not merkle.verify_inclusion(LEAF_HASHES[3], 3, 8, [*path[:-1], b"short"], ROOTS[8])


def test_frontier_closes_the_same_subtrees_as_the_memory_tree():
    frontier = merkle.Frontier(0, {})
    for index, leaf in enumerate(LEAF_HASHES):
        for level, position, value in frontier.append(leaf):
            assert TREE.node(level, position) == value
        assert frontier.size == index + 1
    resumed = merkle.Frontier(21, {key: TREE.node(*key) for key in merkle.frontier_keys(21)})
    for leaf in LEAF_HASHES[21:]:
        resumed.append(leaf)
    assert resumed.root() == ROOTS[MAX_SIZE]


def test_required_nodes_are_few_and_sufficient():
    big = merkle.MemoryTree(sha(i.to_bytes(4, "big")) for i in range(1000))
    keys = merkle.required_nodes(lambda node: merkle.inclusion_proof(617, 1000, node))
    assert len(keys) <= 2 * 10
    known = {key: big.node(*key) for key in keys}
    assert merkle.inclusion_proof(617, 1000, lambda lv, ix: known[(lv, ix)]) == merkle.inclusion_proof(617, 1000, big)


def test_tree_head_signing_input_is_the_rfc_9162_structure():
    encoded = merkle.tree_head_signing_input(7, ROOTS[7], 1_700_000_000_123)
    assert len(encoded) == 51
    assert encoded[:8] == (1_700_000_000_123).to_bytes(8, "big")
    assert encoded[8:16] == (7).to_bytes(8, "big")
    assert encoded[16] == 32
    assert encoded[17:49] == ROOTS[7]
    assert encoded[49:] == b"\x00\x00"
