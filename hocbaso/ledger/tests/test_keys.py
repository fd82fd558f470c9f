"""The log key: generated once under VAR_DIR, or read from HOCBASO_LEDGER_KEY_FILE."""

from __future__ import annotations

import stat

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ImproperlyConfigured

from hocbaso.ledger import keys, merkle


def pem(key) -> bytes:  # type: ignore[no-untyped-def]
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def test_key_is_generated_once_with_private_permissions(settings):
    path = settings.VAR_DIR / "ledger" / "log-key.pem"
    assert not path.exists()
    first = keys.public_key_pem()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    keys._loaded.clear()
    assert keys.public_key_pem() == first


def test_key_file_from_environment(tmp_path, monkeypatch):
    key = Ed25519PrivateKey.generate()
    path = tmp_path / "configured.pem"
    path.write_bytes(pem(key))
    monkeypatch.setenv(keys.ENV_KEY_FILE, str(path))
    expected = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert keys.public_key_pem().encode() == expected
    root = merkle.EMPTY_ROOT
    signature = keys.sign(merkle.tree_head_signing_input(0, root, 1))
    assert merkle.verify_tree_head_signature(expected, 0, root, 1, signature)
    assert not merkle.verify_tree_head_signature(expected, 0, root, 2, signature)


def test_missing_or_wrong_configured_key_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv(keys.ENV_KEY_FILE, str(tmp_path / "absent.pem"))
    with pytest.raises(ImproperlyConfigured):
        keys.signing_key()
    wrong = tmp_path / "ec.pem"
    wrong.write_bytes(pem(generate_private_key(SECP256R1())))
    monkeypatch.setenv(keys.ENV_KEY_FILE, str(wrong))
    with pytest.raises(ImproperlyConfigured):
        keys.signing_key()
