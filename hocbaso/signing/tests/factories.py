"""Factories for signing-workflow tests: frozen record versions and registered credentials.

``make_frozen_version`` stores a small XML (``<Record><Content Id="content">…``, the shape of the
real record XML) and a small PDF with the three empty signature fields through
``records.storage``; with ``realistic=True`` it renders the real record (Typst, PDF/A-3b with the
XML embedded) from the sample data instead.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import pytest
import typst
from cryptography import x509

from hocbaso.core import clock
from hocbaso.directory.models import ClassGroup, Student
from hocbaso.records import issuance, storage
from hocbaso.records.models import Level, Record, RecordVersion, Status
from hocbaso.signing import actions, pades
from hocbaso.signing.backends import KeySource
from hocbaso.signing.models import SigningCredential
from hocbaso.signing.pki import DemoPKI
from hocbaso.testing import World, enrol, make_student

PASSWORD = "mat-khau-thu"  # PKCS#12 password of test credentials


@lru_cache(maxsize=1)
def blank_pdf_without_fields() -> bytes:
    with tempfile.TemporaryDirectory() as directory:
        source = Path(directory) / "record.typ"
        source.write_text('#set text(lang: "vi")\n= Học bạ số (thử)\nNội dung thử nghiệm.\n', encoding="utf-8")
        return bytes(typst.compile(str(source)))


def _small_xml(version_code: str, student: Student) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Record xmlns="urn:hocbaso:test:1"><Content Id="content">'
        f"<IssuanceCode>{version_code}</IssuanceCode><Student>{student.full_name}</Student>"
        "</Content></Record>"
    ).encode()


def _realistic_files(
    code: str, record: Record, class_group: ClassGroup, format_version: str = "", number: int = 1
) -> tuple[bytes, bytes, dict[str, Any]]:
    """The sample record's files, naming the version's own school (by code), school year, version
    number and this deployment's verify address, as a real assembly does (the paper seal binds the
    school seal to the first two; the log's entry names the number; the command asks the last);
    ``format_version="1.0"``: in the previous XML format."""
    from hocbaso.records.assembly import verify_url
    from hocbaso.records.rendering import render_pdf
    from hocbaso.records.samples import as_format_1_0, sample_record_data
    from hocbaso.records.xml import build_xml

    data = sample_record_data(issuance_code=code, record_id=str(record.public_id), version=number)
    data["school"]["code"] = class_group.school.code
    data["verify_url"] = verify_url(code)  # this deployment's address, as the assembly writes it
    data["year"]["school_year"] = class_group.school_year.code
    if format_version == "1.0":  # a record issued before format 1.1
        data = as_format_1_0(data)
    xml = build_xml(data)
    return xml, render_pdf(xml, draft=False), data


def make_frozen_version(
    world: World,
    *,
    student: Student | None = None,
    class_group: ClassGroup | None = None,
    realistic: bool = False,
    format_version: str = "",
) -> RecordVersion:
    """A version of ``student`` (default: a new student enrolled in ``class_group``, default 3A) in status frozen;
    ``format_version="1.0"`` makes a realistic record in the previous XML format."""
    class_group = class_group or world.class_3a
    if student is None:
        count = Student.objects.filter(school=class_group.school).count()
        student = make_student(class_group.school, f"Học Sinh Thử {count + 1:03d}")
        enrol(student, class_group)
    record, _created = Record.objects.get_or_create(student=student, level=Level.PRIMARY)
    code = issuance.new_code()
    number = RecordVersion.objects.filter(record=record).count() + 1
    if realistic:
        xml, pdf, data = _realistic_files(code, record, class_group, format_version, number)
    else:
        xml = _small_xml(code, student)
        pdf = pades.add_signature_fields(blank_pdf_without_fields())
        data = {"issuance_code": code, "student": {"full_name": student.full_name}}
    return store_frozen(record, class_group, number=number, code=code, xml=xml, pdf=pdf, data=data)


def store_frozen(
    record: Record, class_group: ClassGroup, *, number: int, code: str, xml: bytes, pdf: bytes, data: dict[str, Any]
) -> RecordVersion:
    """Store ``xml`` and ``pdf`` and make version ``number`` of ``record`` in ``class_group``, frozen."""
    xml_name, xml_sha = storage.put(xml, ".xml")
    pdf_name, pdf_sha = storage.put(pdf, ".pdf")
    version = RecordVersion.objects.create(
        record=record,
        school_year=class_group.school_year,
        class_group=class_group,
        school=class_group.school,
        number=number,
        status=Status.DRAFT,
        issuance_code=code,
        data=data,
        xml_name=xml_name,
        xml_sha256=xml_sha,
        pdf_name=pdf_name,
        pdf_sha256=pdf_sha,
        assembled_at=clock.now(),
    )
    version.transition_to(Status.FROZEN)
    version.save(update_fields=["status", "status_changed_at"])
    return version


def make_class_versions(world: World, count: int, *, class_group: ClassGroup | None = None) -> list[RecordVersion]:
    return [make_frozen_version(world, class_group=class_group) for _ in range(count)]


def register_credential(
    pki: DemoPKI,
    user: Any,
    *,
    organisation_of: Any = None,
    key_type: Literal["ec", "rsa"] = "ec",
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
) -> tuple[SigningCredential, KeySource]:
    """Issue a certificate for ``user`` (or the seal of ``organisation_of``); register it as a PKCS#12 credential."""
    staff = user.staff
    if organisation_of is not None:
        key, cert = pki.issue_organisation(
            organisation_of.name, key_type=key_type, not_before=not_before, not_after=not_after
        )
    else:
        key, cert = pki.issue_personal(staff.full_name, key_type=key_type, not_before=not_before, not_after=not_after)
    credential = actions.register_pkcs12(
        by=None,
        staff=staff,
        pkcs12=pki.export_pkcs12(key, cert, PASSWORD),
        password=PASSWORD,
        label=f"Test {cert.serial_number:X}",
        school=organisation_of,
        for_organisation=organisation_of is not None,
        folder="test-credentials",
    )
    return credential, KeySource(key, cert, pki.chain())


def certificate_of(credential: SigningCredential) -> x509.Certificate:
    return x509.load_pem_x509_certificate(credential.certificate_pem.encode())


@pytest.fixture
def signing_env(settings: Any, tmp_path: Path, services: Any, pki: DemoPKI) -> dict[str, Any]:
    """Files under a temporary VAR_DIR/MEDIA_ROOT; the session PKI's TSA and root as the deployment's."""
    settings.VAR_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.HOCBASO_TSA_URL = services.tsa_url
    settings.HOCBASO_TRUSTED_ROOTS = str(pki.directory / "roots.pem")
    return {"tsa_url": services.tsa_url, "trust": pades.Trust.of(pki.roots())}
