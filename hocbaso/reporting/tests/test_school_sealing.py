"""A school's year-end summary sealed with the school's own seal (the organisation credential its
records' school seal uses): the principal seals it on the school's dashboard and pdfsig, pyHanko,
the detached XAdES over the .xlsx's hash and ``hocbaso report-seal verify`` accept it; what an
insider would try is refused with nothing queued — a teacher, a clerk or a vice-principal, the
principal of another school, the commune's officer who reads the school's figures, the operator,
a wrong password (counted), a school without a seal — another school's seal is never used, and a
changed file no longer passes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from hocbaso.audit.models import AuditEvent
from hocbaso.core import clock
from hocbaso.core.errors import DomainError
from hocbaso.directory.actions import end_appointment
from hocbaso.directory.models import Appointment, SchoolYear
from hocbaso.directory.roles import Role
from hocbaso.reporting import actions, sealing
from hocbaso.reporting.models import PendingAuthorisation, ReportRun
from hocbaso.reporting.tests.data import Data, build
from hocbaso.reporting.tests.sealed_files import check_sealed_run, seal_from_page
from hocbaso.signing import seals
from hocbaso.signing.models import SigningCredential
from hocbaso.signing.pki import DemoPKI
from hocbaso.signing.tests.conftest import nss_db, pki, services, trust  # noqa: F401
from hocbaso.signing.tests.factories import PASSWORD, register_credential, signing_env  # noqa: F401
from hocbaso.testing import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(world: World, signing_env: dict[str, Any]) -> Data:  # noqa: F811
    return build(world)


def _year() -> SchoolYear:
    return SchoolYear.objects.get(code="2025-2026")


def _school_seal(data: Data, pki: DemoPKI, persona: str = "principal", school: Any = None) -> SigningCredential:  # noqa: F811
    """Register a school's organisation credential, as the school seal on its records is."""
    w = data.world
    credential, _source = register_credential(pki, w.users[persona], organisation_of=school or w.school_a)
    return credential


def test_the_school_seal_is_the_newest_valid_one_of_that_school(data: Data, pki: DemoPKI) -> None:  # noqa: F811
    w = data.world
    # the test data's seal of school A has expired: it is never the one applied
    assert seals.current(w.school_a) is None
    first = _school_seal(data, pki)
    assert seals.current(w.school_a) == first
    other = _school_seal(data, pki, "principal_b", w.school_b)
    newer = _school_seal(data, pki)
    assert seals.current(w.school_a) == newer and seals.current(w.school_b) == other


@pytest.mark.parametrize(
    ("persona", "may"),
    [
        ("principal", True),
        ("clerk", True),  # holds apply_school_seal (but reads no figures: refused below)
        ("vice", False),
        ("teacher", False),
        ("principal_b", False),
        ("officer", False),  # the commune's officer reads school A's figures, not its seal
        ("operator", False),
    ],
)
def test_who_applies_the_school_seal(data: Data, persona: str, may: bool) -> None:
    assert seals.may_apply(data.world.users[persona], data.world.school_a) is may


def test_the_principal_seals_the_summary_on_the_page(  # type: ignore[no-untyped-def]
    data: Data,
    pki: DemoPKI,  # noqa: F811
    trust,  # noqa: F811
    nss_db: str,  # noqa: F811
    tmp_path: Path,
    login,
    django_capture_on_commit_callbacks,
) -> None:
    w = data.world
    seal = _school_seal(data, pki)
    other = _school_seal(data, pki, "principal_b", w.school_b)  # newer, of another school: never used
    client = login("principal")
    run, page = seal_from_page(
        client=client,
        capture=django_capture_on_commit_callbacks,
        page=reverse("reporting:school", args=[w.school_a.pk]),
        generate=reverse("reporting:school_generate", args=[w.school_a.pk]),
        seal=seal,
        sealed_by=w.users["principal"],
    )
    assert seal.subject_name in page and seal.fingerprint != other.fingerprint
    assert run.kind == ReportRun.Kind.SCHOOL_SUMMARY and run.school == w.school_a
    shown = client.get(reverse("reporting:run", args=[run.pk])).content.decode()
    assert w.school_a.name in shown and seal.fingerprint in shown
    pdf, xlsx, seal_xml = check_sealed_run(
        client=client,
        run=run,
        seal=seal,
        signer=w.school_a.name,
        pki=pki,
        trust=trust,
        nss_db=nss_db,
        tmp_path=tmp_path,
    )
    # the seal document names the school (its code and name) and the file's hash
    assert f"<UnitCode>{w.school_a.code}</UnitCode>".encode() in seal_xml
    assert f"<UnitName>{w.school_a.name}</UnitName>".encode() in seal_xml
    event = AuditEvent.objects.get(action="report.sealed", object_id=str(run.pk))
    assert event.changes["seal"] == seal.fingerprint
    forged = seal_xml.replace(w.school_a.name.encode(), w.school_b.name.encode())
    assert sealing.verify(pdf, xlsx, forged, trust).outcome == "invalid"


@pytest.mark.parametrize(
    ("persona", "code"),
    [
        ("teacher", "not_allowed"),
        ("clerk", "not_allowed"),  # holds the seal, reads no figures
        ("vice", "school_seal_not_allowed"),  # reads the figures, does not hold the seal
        ("principal_b", "not_allowed"),
        ("officer", "school_seal_not_allowed"),
        ("operator", "school_seal_not_allowed"),
    ],
)
def test_no_one_else_applies_the_school_seal(data: Data, pki: DemoPKI, persona: str, code: str) -> None:  # noqa: F811
    w = data.world
    _school_seal(data, pki)
    with pytest.raises(DomainError) as refused:
        actions.start_report(by=w.users[persona], school_year=_year(), school=w.school_a, seal_authorisation=PASSWORD)
    assert refused.value.code == code
    assert not ReportRun.objects.exists() and not PendingAuthorisation.objects.exists()
    assert not AuditEvent.objects.filter(action="certificate.wrong_secret").exists()


def test_the_principal_of_another_school_never_uses_its_seal_here(data: Data, pki: DemoPKI) -> None:  # noqa: F811
    """Principal B holds school B's seal: asking school A's summary sealed is refused, and school
    B's own summary is sealed with school B's seal, never school A's."""
    w = data.world
    seal_a = _school_seal(data, pki)
    seal_b = _school_seal(data, pki, "principal_b", w.school_b)
    with pytest.raises(DomainError):
        actions.start_report(
            by=w.users["principal_b"], school_year=_year(), school=w.school_a, seal_authorisation=PASSWORD
        )
    run = actions.start_report(
        by=w.users["principal_b"], school_year=_year(), school=w.school_b, seal_authorisation=PASSWORD
    )
    assert run.seal_credential == seal_b != seal_a and run.sealed_by == w.users["principal_b"]


def test_a_wrong_password_or_no_seal_queues_nothing(data: Data, pki: DemoPKI) -> None:  # noqa: F811
    w = data.world
    principal = w.users["principal"]
    with pytest.raises(DomainError) as missing:
        actions.start_report(by=principal, school_year=_year(), school=w.school_a, seal_authorisation=PASSWORD)
    assert missing.value.code == "school_seal_missing"
    seal = _school_seal(data, pki)
    with pytest.raises(DomainError) as wrong:
        actions.start_report(by=principal, school_year=_year(), school=w.school_a, seal_authorisation="sai")
    assert wrong.value.code == "pkcs12_unreadable"
    assert AuditEvent.objects.filter(action="certificate.wrong_secret", object_id=str(seal.pk)).count() == 1
    assert not ReportRun.objects.exists() and not PendingAuthorisation.objects.exists()
    # left empty, the summary is built unsealed, as before
    run = actions.start_report(by=principal, school_year=_year(), school=w.school_a)
    assert run.seal_credential is None and run.total == 3


@pytest.mark.parametrize("persona", ["vice", "officer"])
def test_the_form_asks_for_the_seal_only_of_who_applies_it(data: Data, pki: DemoPKI, login, persona: str) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    w = data.world
    url = reverse("reporting:school", args=[w.school_a.pk]) + "?year=2025-2026"
    principal = login("principal")
    assert 'name="seal_authorisation"' not in principal.get(url).content.decode()  # no seal yet
    _school_seal(data, pki)
    assert 'name="seal_authorisation"' in principal.get(url).content.decode()
    reader = login(persona, on=principal.__class__())
    page = reader.get(url)
    assert page.status_code == 200 and 'name="seal_authorisation"' not in page.content.decode()
    # a password posted anyway is refused, nothing queued
    reader.post(
        reverse("reporting:school_generate", args=[w.school_a.pk]),
        {"year": "2025-2026", "point": "year_end", "seal_authorisation": PASSWORD},
    )
    assert not ReportRun.objects.exists() and not PendingAuthorisation.objects.exists()


def test_a_principal_whose_appointment_has_ended_no_longer_seals(data: Data, pki: DemoPKI) -> None:  # noqa: F811
    """The seal follows the appointment, not the account: once the principal's appointment has
    ended (yesterday, recorded by the operator with a reason), the summary is refused sealed,
    nothing queued, and the password is not even tried."""
    w = data.world
    _school_seal(data, pki)
    appointment = Appointment.objects.get(staff__user=w.users["principal"], role=Role.PRINCIPAL, school=w.school_a)
    end_appointment(
        by=w.users["operator"],
        appointment=appointment,
        valid_to=clock.today() - dt.timedelta(days=1),
        reason="Chuyển công tác",
    )
    with pytest.raises(DomainError):
        actions.start_report(
            by=w.users["principal"], school_year=_year(), school=w.school_a, seal_authorisation=PASSWORD
        )
    assert not seals.may_apply(w.users["principal"], w.school_a)
    assert not ReportRun.objects.exists() and not PendingAuthorisation.objects.exists()
    assert not AuditEvent.objects.filter(action="certificate.wrong_secret").exists()
