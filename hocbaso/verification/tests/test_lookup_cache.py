"""Code lookups reuse a document's cached findings (keyed by the stored file's registered hash)
without changing any answer: the same report as uncached, the stored file not read again, and a
status change shown at once. The core's shared validation context gives pyHanko's reports."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.cache import cache

from hocbaso.records import storage
from hocbaso.records.models import RecordVersion, Status
from hocbaso.signing import pades
from hocbaso.signing.models import SignatureRole
from hocbaso.signing.order import SIGNING_ROLES
from hocbaso.verification import core, registry
from hocbaso.verification.tests.helpers import signed_pdf, tampered

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def _report(version: RecordVersion) -> dict[str, Any]:
    return registry.verify_code(version.issuance_code).to_json()


def test_a_cached_lookup_gives_the_uncached_report_and_reads_no_file(
    issued: RecordVersion, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = signed_pdf(issued)
    uncached = _report(issued)
    assert uncached["outcome"] == "valid"
    key = registry._findings_key(issued.signed_pdf_sha256, registry.trust_store())
    assert isinstance(cache.get(key), core.Findings)

    def no_read(*args: Any, **kwargs: Any) -> bytes:
        raise AssertionError("a cached lookup read the stored file")

    monkeypatch.setattr(storage, "get", no_read)
    assert _report(issued) == uncached
    # An upload of the same file finds the same cache entry and the same verdict.
    assert registry.verify_document(document).to_json() == uncached


def test_a_lookup_without_cached_findings_examines_the_stored_file(issued: RecordVersion) -> None:
    first = _report(issued)
    cache.clear()
    assert _report(issued) == first


def test_a_cached_lookup_asks_the_database_little(issued: RecordVersion, django_assert_max_num_queries: Any) -> None:
    _report(issued)
    with django_assert_max_num_queries(8):  # version, tree head, log size, signers, appointments, ledger entry + proof
        assert registry.verify_code(issued.issuance_code).outcome == "valid"


@pytest.mark.parametrize(
    ("status", "reason_text", "outcome", "reason"),
    [
        (Status.REVOKED, "thu hồi do nhầm lẫn", "invalid", "status_revoked"),
        (Status.SUPERSEDED, "", "invalid", "status_superseded"),
    ],
)
def test_a_status_change_shows_at_once_despite_cached_findings(
    issued: RecordVersion, status: str, reason_text: str, outcome: str, reason: str
) -> None:
    assert _report(issued)["outcome"] == "valid"  # findings now cached
    version = RecordVersion.objects.get(pk=issued.pk)
    version.transition_to(status, reason=reason_text)
    version.save()
    report = registry.verify_code(issued.issuance_code)
    assert (report.outcome, report.reason, report.status) == (outcome, reason, status)
    if reason_text:
        assert report.reason_params == {"reason": reason_text}


def test_the_shared_validation_context_gives_pyhankos_reports(issued: RecordVersion) -> None:
    trust = registry.trust_store()
    for document in (signed_pdf(issued), tampered(signed_pdf(issued)), b"%PDF-1.7 not really"):
        reports, _reader, _order = core._validate_signatures(document, trust)
        assert reports == pades.validate_pdf(document, trust.pades_trust())


def test_the_embedded_xml_is_the_same_through_the_validation_reader(issued: RecordVersion) -> None:
    from hocbaso.records import rendering

    document = signed_pdf(issued)
    _reports, reader, _order = core._validate_signatures(document, registry.trust_store())
    assert core._embedded_xml(document, reader) == rendering.extract_embedded_xml(document)


def test_the_trust_fingerprint_is_stable_and_tells_stores_apart(issued: RecordVersion) -> None:
    trust = registry.trust_store()
    first = trust.fingerprint()
    assert trust.fingerprint() == first
    offline = core.TrustStore(roots=trust.roots, allow_fetching=False)
    assert offline.fingerprint() != first


@pytest.mark.parametrize(
    ("statuses", "ttl"),
    [
        (("passed", "passed"), registry.FINDINGS_TTL),
        (("passed", "failed"), registry.FINDINGS_TTL),
        (("passed", "not_checked"), registry.UNSURE_FINDINGS_TTL),
        (("failed", "not_checked"), registry.UNSURE_FINDINGS_TTL),
    ],
)
def test_findings_that_could_not_be_checked_are_reused_briefly(statuses: tuple[str, ...], ttl: int) -> None:
    checks = tuple(core.Check(f"c{i}", status, "x") for i, status in enumerate(statuses))  # type: ignore[arg-type]
    assert registry.findings_ttl(core.Findings(None, checks, ())) == ttl


DAY = dt.date(2025, 1, 15)


SIGNED_AT = dt.datetime(2025, 1, 20, 9, 0, tzinfo=dt.UTC)


def _appointment(
    staff: int, role: str, *, school: int = 1, class_group: int | None = None, start: int = 0, recorded: int = -1
) -> Any:
    """``recorded``: days from the signature's instant the appointment was written (negative: before)."""
    return SimpleNamespace(
        staff_id=staff,
        role=role,
        school_id=school,
        class_group_id=class_group,
        valid_from=DAY + dt.timedelta(days=start),
        valid_to=None,
        recorded_at=SIGNED_AT + dt.timedelta(days=recorded),
    )


HOMEROOM = sorted(SIGNING_ROLES[SignatureRole.HOMEROOM])[0]
PRINCIPAL = sorted(SIGNING_ROLES[SignatureRole.PRINCIPAL])[0]


@pytest.mark.parametrize(
    ("role", "appointments", "expected"),
    [
        # the signer's homeroom appointment in the version's class
        (SignatureRole.HOMEROOM, [_appointment(7, HOMEROOM, class_group=3)], [0]),
        # the same position in another class does not entitle
        (SignatureRole.HOMEROOM, [_appointment(7, HOMEROOM, class_group=4)], []),
        # another person's appointment does not entitle
        (SignatureRole.HOMEROOM, [_appointment(8, HOMEROOM, class_group=3)], []),
        # a principal's signature: a principal position at the version's school
        (SignatureRole.PRINCIPAL, [_appointment(7, PRINCIPAL, school=1)], [0]),
        (SignatureRole.PRINCIPAL, [_appointment(7, PRINCIPAL, school=2)], []),
        # a position that does not entitle to the role
        (SignatureRole.PRINCIPAL, [_appointment(7, HOMEROOM, school=1, class_group=3)], []),
        # several periods, in the given (valid_from) order
        (
            SignatureRole.HOMEROOM,
            [_appointment(7, HOMEROOM, class_group=3), _appointment(7, HOMEROOM, class_group=3, start=200)],
            [0, 200],
        ),
        # recorded after the signature (e.g. backdated later): proves nothing
        (SignatureRole.HOMEROOM, [_appointment(7, HOMEROOM, class_group=3, recorded=1)], []),
        (SignatureRole.PRINCIPAL, [_appointment(7, PRINCIPAL, school=1, start=-2000, recorded=3)], []),
    ],
)
def test_entitled_periods(role: SignatureRole, appointments: list[Any], expected: list[int]) -> None:
    event = SimpleNamespace(role=role, signer_id=7, signed_at=SIGNED_AT)
    version = SimpleNamespace(school_id=1, class_group_id=3)
    periods = registry.entitled_periods(event, version, appointments)  # type: ignore[arg-type]
    assert [(start - DAY).days for start, _end, _recorded in periods] == expected
