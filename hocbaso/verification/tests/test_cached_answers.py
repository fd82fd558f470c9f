"""Code lookups answer from the shared cache (ADR 0018) without ever answering out of date: the key
follows the version row (status, reason, files, successor), the log's size, the trust, ended
appointments and the language, read in one statement from the database the answer comes from.
Every lookup is logged, cached or not."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from hocbaso.core import clock, stamps
from hocbaso.directory import actions as directory
from hocbaso.directory.models import Appointment, Role
from hocbaso.ledger import actions as ledger
from hocbaso.records.models import RecordVersion, Status
from hocbaso.signing.models import SignatureRole
from hocbaso.signing.pki import DemoPKI
from hocbaso.testing import World, sign_in_verified
from hocbaso.verification import answers, registry
from hocbaso.verification.models import VerificationLog
from hocbaso.verification.tests.helpers import issue, signed_pdf

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def _page(client: Client, code: str) -> str:
    response = client.get(f"/verify/{code}")
    assert response.status_code == 200
    return response.content.decode()


def _shown(page: str) -> tuple[str, str]:
    """(outcome, reason code) as the page marks them."""
    outcome = page.split('data-outcome="', 1)[1].split('"', 1)[0]
    reason = page.split('id="reason" data-code="', 1)[1].split('"', 1)[0]
    return outcome, reason


def _revoke(version: RecordVersion, reason: str = "") -> None:
    locked = RecordVersion.objects.get(pk=version.pk)
    locked.transition_to(Status.REVOKED, reason=reason)
    locked.save(update_fields=["status", "status_changed_at", "status_reason"])


def test_a_second_lookup_is_the_cached_page_and_asks_the_database_once(
    issued: RecordVersion, django_assert_max_num_queries: Any
) -> None:
    client = Client()
    first = _page(client, issued.issuance_code)
    assert _shown(first) == ("valid", "all_checks_passed")
    # the stamp statement and the log row; the rate limit and the answer are in the cache
    with django_assert_max_num_queries(2):
        assert _page(client, issued.issuance_code) == first


def test_a_revocation_shows_on_the_very_next_lookup(issued: RecordVersion) -> None:
    client = Client()
    assert _shown(_page(client, issued.issuance_code)) == ("valid", "all_checks_passed")
    _page(client, issued.issuance_code)  # now from the cache
    _revoke(issued, "cấp nhầm")
    page = _page(client, issued.issuance_code)
    assert _shown(page) == ("invalid", "status_revoked")
    assert "cấp nhầm" in page


def test_a_superseded_version_names_its_successor_on_the_very_next_lookup(issued: RecordVersion) -> None:
    client = Client()
    assert _shown(_page(client, issued.issuance_code))[0] == "valid"
    # what records.actions.assemble does for a correction: the old version superseded, the new one frozen
    old = RecordVersion.objects.get(pk=issued.pk)
    old.transition_to(Status.SUPERSEDED, reason="superseded by HB-NEXT")
    old.save(update_fields=["status", "status_changed_at", "status_reason"])
    page = _page(client, issued.issuance_code)
    assert _shown(page) == ("invalid", "status_superseded")
    before = answers.registry_stamp(issued.issuance_code)
    successor = RecordVersion.objects.get(pk=issued.pk)
    successor.pk = None
    successor.number, successor.issuance_code, successor.status = 2, "HB-TEST-NEXT-0000-0", Status.DRAFT
    successor.supersedes = old
    successor.signed_pdf_name = successor.signed_pdf_sha256 = ""
    successor.save()
    after = answers.registry_stamp(issued.issuance_code)
    assert after != before and after is not None and after[6] == "HB-TEST-NEXT-0000-0"


def test_a_record_not_issued_yet_is_valid_as_soon_as_the_seal_signs(
    world: World, pki: DemoPKI, signing_env: dict[str, Any]
) -> None:
    registry._trust_cache.clear()
    version = issue(world, pki, signing_env, stop_after=SignatureRole.PRINCIPAL)
    client = Client()
    waiting = _shown(_page(client, version.issuance_code))
    assert waiting[0] != "valid"
    assert _shown(_page(client, version.issuance_code)) == waiting  # cached
    from hocbaso.signing.tests.factories import register_credential
    from hocbaso.verification.tests.helpers import sign_as

    _c, seal = register_credential(pki, world.users["clerk"], organisation_of=world.school_a)
    sign_as(world, "clerk", SignatureRole.SCHOOL, version, seal, signing_env)
    ledger.publish_tree_head(by=None)
    assert _shown(_page(client, version.issuance_code)) == ("valid", "all_checks_passed")


def test_an_appointment_ended_after_the_fact_changes_the_answer_at_once(
    issued: RecordVersion, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    assert _shown(_page(client, issued.issuance_code)) == ("valid", "all_checks_passed")
    appointment = Appointment.objects.get(staff=world.users["homeroom"].staff, role=Role.HOMEROOM_TEACHER)
    yesterday = clock.today() - dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        directory.end_appointment(
            by=world.users["operator"], appointment=appointment, valid_to=yesterday, reason="nghỉ việc từ trước"
        )
    assert _shown(_page(client, issued.issuance_code)) == ("invalid", "signer_not_appointed")


def test_the_key_follows_every_part_of_the_answer(issued: RecordVersion, monkeypatch: pytest.MonkeyPatch) -> None:
    code = issued.issuance_code
    stamp = answers.registry_stamp(code)
    assert stamp is not None
    key = answers.answer_key(code, stamp, kind="page")
    assert answers.answer_key(code, stamp, kind="page") == key  # stable
    assert answers.answer_key(code, stamp, kind="api") != key
    with translation.override("en"):
        assert answers.answer_key(code, stamp, kind="page") != key
    # the log grew (another record issued): the next lookup publishes a head and proves against it
    ledger.append(
        by=None,
        record_id=str(issued.record.public_id),
        version=9,
        xml_sha256="a" * 64,
        pdf_sha256="b" * 64,
        event="issued",
    )
    assert answers.registry_stamp(code) != stamp
    # the trust changed (another root, a new CRL, fetching off): another fingerprint
    original = registry.trust_store()
    offline = type(original)(roots=original.roots, allow_fetching=False, demo=original.demo)
    monkeypatch.setattr(registry, "trust_store", lambda: offline)
    assert answers.answer_key(code, stamp, kind="page") != key


def test_an_answer_made_under_older_appointments_is_not_served(issued: RecordVersion) -> None:
    """The appointments stamp lives inside the answer (ADR 0020): the key stays, the answer is refused."""
    _page(Client(), issued.issuance_code)
    served = answers.cached(issued.issuance_code, kind="page")
    assert served is not None and served.appointments == stamps.read(stamps.APPOINTMENTS)
    stamps.bump(stamps.APPOINTMENTS)
    assert answers.cached(issued.issuance_code, kind="page") is None
    cache.delete(stamps.APPOINTMENTS)  # a stamp lost by the cache: a new one, never the old one
    assert answers.cached(issued.issuance_code, kind="page") is None


def test_the_stamp_follows_the_files_and_the_reason(issued: RecordVersion) -> None:
    code = issued.issuance_code
    stamp = answers.registry_stamp(code)
    # an archive renewal replaces the signed PDF (signing.archive): a new hash
    RecordVersion.objects.filter(pk=issued.pk).update(signed_pdf_sha256="0" * 64)
    renewed = answers.registry_stamp(code)
    assert renewed != stamp
    RecordVersion.objects.filter(pk=issued.pk).update(status_reason="x")
    assert answers.registry_stamp(code) != renewed
    assert answers.registry_stamp("HB-0000-0000-0000-0") is None


def test_the_same_page_in_english_is_another_answer(issued: RecordVersion) -> None:
    client = Client()
    vietnamese = _page(client, issued.issuance_code)
    with translation.override("en"):
        english = _page(client, issued.issuance_code)
    assert 'lang="en"' in english and 'lang="vi"' in vietnamese
    assert english != vietnamese


def test_a_signed_in_visitor_gets_their_own_page_around_the_cached_answer(issued: RecordVersion, world: World) -> None:
    anonymous = _page(Client(), issued.issuance_code)
    assert "X-CSRFToken" not in anonymous and "principal" not in anonymous.split("<main>")[0]
    staff = sign_in_verified(Client(), world.users["principal"])
    page = _page(staff, issued.issuance_code)
    assert "X-CSRFToken" in page and str(world.users["principal"]) in page.split("<main>")[0]
    assert _shown(page) == _shown(anonymous)
    assert _page(Client(), issued.issuance_code) == anonymous  # the signed-in page was not cached for others


def test_every_lookup_is_logged_cached_or_not_and_without_who(issued: RecordVersion) -> None:
    client = Client(REMOTE_ADDR="198.51.100.7", HTTP_USER_AGENT="hostile-agent")
    before = VerificationLog.objects.count()
    for _ in range(3):
        _page(client, issued.issuance_code)
    client.get(f"/verify/{issued.issuance_code}?src=form")
    _revoke(issued)
    _page(client, issued.issuance_code)
    rows = list(VerificationLog.objects.order_by("pk").values("channel", "outcome", "reason", "issuance_code"))[before:]
    assert [(r["channel"], r["outcome"], r["reason"]) for r in rows] == [
        ("qr", "valid", "all_checks_passed"),
        ("qr", "valid", "all_checks_passed"),
        ("qr", "valid", "all_checks_passed"),
        ("code", "valid", "all_checks_passed"),
        ("qr", "invalid", "status_revoked"),
    ]
    assert {r["issuance_code"] for r in rows} == {issued.issuance_code}
    stored = " ".join(str(v) for row in VerificationLog.objects.values_list() for v in row)
    assert "198.51.100.7" not in stored and "hostile" not in stored


def test_the_cached_page_is_the_uncached_page(issued: RecordVersion) -> None:
    client = Client()
    cached_first = _page(client, issued.issuance_code)
    assert _page(client, issued.issuance_code) == cached_first
    cache.clear()
    assert _page(client, issued.issuance_code) == cached_first
    assert registry.verify_document(signed_pdf(issued)).outcome == "valid"


def test_an_unknown_code_is_never_cached(world: World) -> None:
    client = Client()
    page = _page(client, "HB-0000-0000-0000-0")
    assert _shown(page) == ("invalid", "code_unknown")
    assert not [key for key in getattr(cache, "_cache", {}) if "verification:answer" in str(key)]


def test_the_rate_limit_still_counts_cached_lookups(issued: RecordVersion, settings: Any) -> None:
    settings.HOCBASO_VERIFY_RATE_PER_MINUTE = 3
    client = Client(REMOTE_ADDR="203.0.113.9")
    assert [client.get(f"/verify/{issued.issuance_code}").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_a_missed_answer_asks_the_registry_once_more_than_before(
    issued: RecordVersion, django_assert_max_num_queries: Any
) -> None:
    """The miss path: the stamp (twice for a visitor without a session: the cached-lookup middleware
    asks first, ADR 0020), the registry's own queries (version, tree head, log size, signers,
    appointments, ledger entry + proof: 8 at most, ``test_lookup_cache``) and the log row."""
    client = Client()
    _page(client, issued.issuance_code)  # findings cached
    for key in [key for key in getattr(cache, "_cache", {}) if "verification:answer" in str(key)]:
        cache.delete(str(key).split(":", 2)[2])  # ":1:<key>": the answer only, the findings stay
    with django_assert_max_num_queries(11):
        assert _shown(_page(client, issued.issuance_code)) == ("valid", "all_checks_passed")
