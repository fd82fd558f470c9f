"""Helpers for verification tests: fully issued records, their stored files."""

from __future__ import annotations

import uuid
from typing import Any

from hocbaso.ledger import actions as ledger
from hocbaso.records import storage
from hocbaso.records.models import RecordVersion
from hocbaso.signing import workflow
from hocbaso.signing.models import SignatureRole
from hocbaso.signing.pki import DemoPKI
from hocbaso.signing.tests.factories import make_frozen_version, register_credential
from hocbaso.testing import World


def sign_as(world: World, user: str, role: str, version: RecordVersion, source: Any, env: dict[str, Any]) -> None:
    batch = workflow.sign_batch(
        by=world.users[user],
        version_ids=[version.pk],
        role=role,
        signer_source=source,
        idempotency_key=uuid.uuid4().hex,
        timestamper_url=env["tsa_url"],
        trust=env["trust"],
    )
    item = batch.items.get()
    assert item.outcome == "ok", item.message


def issue(world: World, pki: DemoPKI, env: dict[str, Any], *, stop_after: str | None = None) -> RecordVersion:
    """A realistic record (Typst PDF with XML) signed homeroom → principal → school seal (issued, in the log)."""
    version = make_frozen_version(world, realistic=True)
    _c, homeroom = register_credential(pki, world.users["homeroom"])
    _c, principal = register_credential(pki, world.users["principal"], key_type="rsa")
    _c, seal = register_credential(pki, world.users["clerk"], organisation_of=world.school_a)
    for user, role, source in [
        ("homeroom", SignatureRole.HOMEROOM, homeroom),
        ("principal", SignatureRole.PRINCIPAL, principal),
        ("clerk", SignatureRole.SCHOOL, seal),
    ]:
        sign_as(world, user, role, version, source, env)
        if role == stop_after:
            break
    version.refresh_from_db()
    ledger.publish_tree_head(by=None)
    return version


def signed_pdf(version: RecordVersion) -> bytes:
    return storage.get(version.signed_pdf_name, version.signed_pdf_sha256)


def signed_xml(version: RecordVersion) -> bytes:
    return storage.get(version.signed_xml_name, version.signed_xml_sha256)


def tampered(pdf: bytes) -> bytes:
    """One bit flipped inside the first (Typst) revision, which every signature covers."""
    damaged = bytearray(pdf)
    damaged[pdf.index(b"Libertinus")] ^= 0x01
    return bytes(damaged)
