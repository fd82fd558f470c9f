"""The order of an import's checks: what is refused anyway (an admission bundle, a bundle already
imported, a child already here, a decision that does not list the records) is refused before the
records are examined — seen from the refusal code: each bundle below also carries a record the
examine refuses (``bundle_record_invalid``), sealed and listed by the sending school as if genuine."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import pytest

from hocbaso.signing.models import SignatureRole
from hocbaso.signing.tests.factories import PASSWORD
from hocbaso.testing import World
from hocbaso.transfers import asic, bundles, documents, signature
from hocbaso.transfers.tests.test_bundles import entries, import_into_b, refused, the_child_already_at_school_b
from hocbaso.transfers.trust import trust_for_import

BROKEN = "records/2024-2025/record.pdf"


def resealed(
    world: World,
    credentials: dict[str, Any],
    raw: bytes,
    *,
    changed: dict[str, bytes] | None = None,
    records: Callable[[list[dict[str, str]]], list[Any]] | None = None,
    admission: bool = False,
) -> bytes:
    """``raw`` with the files ``changed``, its decision signed again by the sending principal
    listing the bundle's records as they now are (passed through ``records``), sealed again by the sending
    school: every cheap check passes unless the test breaks one on purpose. ``admission``: an
    admission bundle (no decision)."""
    files = {n: c for n, c, _m in entries(raw) if n not in ("mimetype", asic.MANIFEST, asic.SIGNATURES)}
    files.update(changed or {})
    header = json.loads(files[bundles.HEADER])
    if admission:
        del files[bundles.DECISION]
        header.update(kind="admission", decision=None)
        files[bundles.HEADER] = json.dumps(header, ensure_ascii=False, sort_keys=True).encode()
    else:
        data = documents.parse(files[bundles.DECISION], kind="TransferDecision")
        by_code = {r["issuance_code"]: r for r in header["records"]}
        honest = [
            {
                **item,
                "PdfSha256": hashlib.sha256(files[by_code[item["IssuanceCode"]]["pdf"]]).hexdigest(),
                "XmlSha256": hashlib.sha256(files[by_code[item["IssuanceCode"]]["xml"]]).hexdigest(),
            }
            for item in data["Records"]
        ]
        data["Records"] = records(honest) if records is not None else honest
        with _school_a_signs(world, credentials, "principal", SignatureRole.PRINCIPAL) as (kit, title):
            files[bundles.DECISION] = signature.sign_document(documents.build("TransferDecision", data), kit, title)
    with _school_a_signs(world, credentials, "clerk", SignatureRole.SCHOOL) as (kit, title):
        return asic.pack(files, key=kit.xml_key, cert_chain=[kit.certificate, *kit.chain], role=title)


def _school_a_signs(world: World, credentials: dict[str, Any], user: str, role: str) -> Any:
    """School A's signing kit for ``role``: its principal's own credential, or the school seal the
    clerk applies."""
    credential = credentials["seal_a" if role == SignatureRole.SCHOOL else user]
    return signature.opened(
        by=world.users[user], credential=credential, authorisation=PASSWORD, role=role, school=world.school_a
    )


def with_a_broken_record(world: World, credentials: dict[str, Any], raw: bytes, **kwargs: Any) -> bytes:
    pdf = {n: c for n, c, _m in entries(raw)}[BROKEN]
    return resealed(world, credentials, raw, changed={BROKEN: pdf[: len(pdf) // 2]}, **kwargs)


def test_a_broken_record_listed_and_sealed_by_the_sending_school_is_still_refused(
    world: World, sent, credentials
) -> None:  # type: ignore[no-untyped-def]
    _t, raw = sent
    refused(world, credentials, with_a_broken_record(world, credentials, raw), "bundle_record_invalid")
    # and the same re-sealing of unchanged files is imported: only the broken record was refused
    received, _receipt = import_into_b(world, credentials, resealed(world, credentials, raw))
    assert received.records.count() == 2


def test_a_bundle_already_imported_is_refused_before_its_records_are_examined(world: World, sent, credentials) -> None:  # type: ignore[no-untyped-def]
    _t, raw = sent
    import_into_b(world, credentials, raw)
    refused(world, credentials, with_a_broken_record(world, credentials, raw), "bundle_already_imported")


def test_a_child_already_here_is_refused_before_the_records_are_examined(world: World, sent, credentials) -> None:  # type: ignore[no-untyped-def]
    _t, raw = sent
    the_child_already_at_school_b(world)
    refused(world, credentials, with_a_broken_record(world, credentials, raw), "bundle_duplicate_student")


def test_an_admission_bundle_is_refused_before_its_records_are_examined(world: World, sent, credentials) -> None:  # type: ignore[no-untyped-def]
    _t, raw = sent
    refused(world, credentials, with_a_broken_record(world, credentials, raw, admission=True), "bundle_format_unknown")


@pytest.mark.parametrize(
    "change",
    [
        "missing_hash",  # an item without its XML hash
        "not_an_item",  # an item that is text, not a record
        "twice",  # a record listed twice
        "one_less",  # a record carried but not listed
        "empty",  # no record listed
        "other_hash",  # a record listed with another file's hash
    ],
)
def test_a_decision_that_does_not_list_the_records_carried(world: World, sent, credentials, change: str) -> None:  # type: ignore[no-untyped-def]
    _t, raw = sent

    def records(listed: list[dict[str, str]]) -> list[Any]:
        changed: dict[str, list[Any]] = {
            "missing_hash": [{k: v for k, v in listed[0].items() if k != "XmlSha256"}, *listed[1:]],
            "not_an_item": ["HB-khong-phai", *listed[1:]],
            "twice": [*listed, listed[0]],
            "one_less": listed[1:],
            "empty": [],
            "other_hash": [{**listed[0], "PdfSha256": listed[1]["PdfSha256"]}, *listed[1:]],
        }
        return changed[change]

    # the broken record shows the list is judged before any record is examined
    refused(
        world, credentials, with_a_broken_record(world, credentials, raw, records=records), "bundle_decision_mismatch"
    )


def test_open_bundle_hashes_each_file_once_and_verify_is_both_steps(sent) -> None:  # type: ignore[no-untyped-def]
    _t, raw = sent
    trust = trust_for_import()
    opened = bundles.open_bundle(raw, trust=trust)
    files = {n: c for n, c, _m in entries(raw)}
    assert [y.school_year for y in opened.years] == ["2024-2025", "2025-2026"]
    for year in opened.years:
        assert year.pdf == files[f"records/{year.school_year}/record.pdf"]
        assert year.pdf_sha256 == hashlib.sha256(year.pdf).hexdigest()
        assert year.xml_sha256 == hashlib.sha256(year.xml).hexdigest()
        assert year.data["issuance_code"] == year.issuance_code
    verified = bundles.verify(raw, trust=trust)
    assert verified == bundles.examine_records(opened, trust=trust)
    assert verified.sha256 == hashlib.sha256(raw).hexdigest()
