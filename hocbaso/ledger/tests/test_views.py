"""The public JSON endpoints, checked as an outside auditor would: independent verifier, public key."""

from __future__ import annotations

import hashlib
import struct

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from django.urls import reverse

from hocbaso.ledger import actions
from hocbaso.ledger.tests.test_merkle import ref_verify_consistency, ref_verify_inclusion

pytestmark = [pytest.mark.django_db]


def append(count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        digest = hashlib.sha256(str(n).encode()).hexdigest()
        actions.append(by=None, record_id=f"r{n}", version=1, xml_sha256=digest, pdf_sha256=digest, event="signed")


def signature_valid(client, head: dict) -> bool:
    """Check a head's signature from scratch: RFC 9162 TreeHeadDataV2 bytes, key from the endpoint."""
    key = load_pem_public_key(client.get(reverse("ledger:public-key")).json()["public_key_pem"].encode())
    root = bytes.fromhex(head["root_hash"])
    signed = struct.pack(">QQB", head["timestamp"], head["tree_size"], len(root)) + root + b"\x00\x00"
    try:
        key.verify(bytes.fromhex(head["signature"]), signed)  # type: ignore[union-attr,call-arg]
    except InvalidSignature:
        return False
    return True


def test_an_auditor_verifies_two_published_heads_over_http(client):
    append(5)
    actions.publish_tree_head()
    append(8, start=5)
    actions.publish_tree_head()

    latest = client.get(reverse("ledger:tree-head")).json()
    older = client.get(reverse("ledger:tree-head-of", args=[5])).json()
    assert (older["tree_size"], latest["tree_size"]) == (5, 13)
    assert signature_valid(client, older)
    assert signature_valid(client, latest)
    assert not signature_valid(client, {**latest, "tree_size": 12})
    assert not signature_valid(client, {**latest, "root_hash": older["root_hash"]})

    for head in (older, latest):
        size, root = head["tree_size"], bytes.fromhex(head["root_hash"])
        for index in range(size):
            entry = client.get(reverse("ledger:entry", args=[index])).json()
            leaf = hashlib.sha256(b"\x00" + entry["leaf_input"].encode()).digest()
            assert leaf.hex() == entry["leaf_hash"]
            response = client.get(reverse("ledger:inclusion"), {"index": index, "size": size})
            assert response.status_code == 200
            path = [bytes.fromhex(p) for p in response.json()["inclusion_path"]]
            assert ref_verify_inclusion(leaf, index, size, path, root)
            assert not ref_verify_inclusion(leaf, (index + 1) % size, size, path, root)
            assert not ref_verify_inclusion(hashlib.sha256(b"\x00tampered").digest(), index, size, path, root)

    body = client.get(reverse("ledger:consistency"), {"first": 5, "second": 13}).json()
    path = [bytes.fromhex(p) for p in body["consistency_path"]]
    old_root, new_root = bytes.fromhex(older["root_hash"]), bytes.fromhex(latest["root_hash"])
    assert ref_verify_consistency(5, 13, old_root, new_root, path)
    assert not ref_verify_consistency(5, 13, new_root, old_root, path)


def test_entry_shows_payload_and_exact_leaf_input(client):
    append(1)
    body = client.get(reverse("ledger:entry", args=[0])).json()
    assert body["payload"]["record_id"] == "r0"
    assert body["leaf_input"].startswith('{"event":"signed"')


def test_public_key_endpoint_names_the_key(client):
    body = client.get(reverse("ledger:public-key")).json()
    assert body["algorithm"] == "Ed25519"
    assert body["public_key_pem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert len(body["key_id"]) == 64


@pytest.mark.parametrize(
    ("name", "params", "status", "code", "field"),
    [
        ("ledger:inclusion", {"index": "a", "size": "3"}, 400, "ledger_bad_parameter", "index"),
        ("ledger:inclusion", {"index": "0"}, 400, "ledger_bad_parameter", "size"),
        ("ledger:inclusion", {"index": "-1", "size": "3"}, 400, "ledger_bad_parameter", "index"),
        ("ledger:inclusion", {"index": "0", "size": "99999999999999999999"}, 400, "ledger_bad_parameter", "size"),
        ("ledger:inclusion", {"index": "2", "size": "2"}, 400, "ledger_out_of_range", "size"),
        ("ledger:inclusion", {"index": "0", "size": "4"}, 400, "ledger_out_of_range", "size"),
        ("ledger:inclusion", {"index": "7", "size": "3"}, 404, "ledger_not_found", "index"),
        ("ledger:consistency", {"first": "0", "second": "3"}, 400, "ledger_out_of_range", "first"),
        ("ledger:consistency", {"first": "3", "second": "2"}, 400, "ledger_out_of_range", "second"),
        ("ledger:consistency", {"first": "1", "second": "x"}, 400, "ledger_bad_parameter", "second"),
    ],
)
def test_bad_parameters_get_stable_json_errors(client, name, params, status, code, field):
    append(3)
    response = client.get(reverse(name), params)
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert (body["code"], body["field"]) == (code, field)
    assert body["message"]


def test_missing_entries_and_heads_are_404_json(client):
    assert client.get(reverse("ledger:tree-head")).json()["code"] == "ledger_not_found"
    append(2)
    actions.publish_tree_head()
    assert client.get(reverse("ledger:tree-head")).status_code == 200
    response = client.get(reverse("ledger:tree-head-of", args=[1]))
    assert (response.status_code, response.json()["code"]) == (404, "ledger_not_found")
    assert client.get(reverse("ledger:entry", args=[2])).status_code == 404


def test_views_are_public_and_read_only(client):
    append(1)
    actions.publish_tree_head()
    assert client.get(reverse("ledger:tree-head")).status_code == 200
    assert client.post(reverse("ledger:tree-head")).status_code == 405
