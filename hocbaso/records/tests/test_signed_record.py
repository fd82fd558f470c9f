"""The signed record's vocabulary (``records.signed_record``): one table each, read by rendering,
signing and verification; its pure rules, table by table."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from hocbaso.records import rendering, signed_record


@pytest.mark.parametrize(
    ("role", "digitised", "required", "certifies"),
    [
        ("homeroom", False, "frozen", True),
        ("principal", False, "signed_homeroom", False),
        ("school", False, "signed_principal", False),
        ("homeroom", True, None, False),
        ("principal", True, None, False),
        ("school", True, "frozen", True),
    ],
)
def test_required_status_and_certification_per_role(
    role: str, digitised: bool, required: str | None, certifies: bool
) -> None:
    assert signed_record.required_status(role, digitised=digitised) == required
    assert signed_record.certifies(role, digitised=digitised) is certifies


@pytest.mark.parametrize(
    ("status", "role"),
    [("frozen", "homeroom"), ("signed_homeroom", "principal"), ("signed_principal", "school"), ("issued", None)],
)
def test_next_role_is_the_reverse_of_the_required_status(status: str, role: str | None) -> None:
    assert signed_record.next_role(status) == role


def test_each_signature_leads_to_the_status_the_next_one_needs() -> None:
    for earlier, later in zip(signed_record.ROLES, signed_record.ROLES[1:], strict=False):
        assert signed_record.NEXT_STATUS[earlier] == signed_record.REQUIRED_STATUS[later]
    assert signed_record.NEXT_STATUS[signed_record.ROLES[-1]] == "issued"


@pytest.mark.parametrize(
    ("role", "appointment", "title"),
    [
        ("homeroom", "homeroom_teacher", "Giáo viên chủ nhiệm"),
        ("principal", "principal", "Hiệu trưởng"),
        ("principal", "vice_principal", "KT. Hiệu trưởng"),
        ("school", "principal", "Xác nhận của nhà trường"),
        ("school", "clerk", "Xác nhận của nhà trường"),
    ],
)
def test_a_title_reads_back_as_the_role_that_shows_it(role: str, appointment: str, title: str) -> None:
    assert signed_record.title_for(role, appointment) == title
    assert signed_record.ROLE_BY_TITLE[title] == role


def test_every_title_has_its_reverse_and_nothing_else_does() -> None:
    titles = {*signed_record.TITLES.values(), signed_record.SEAL_TITLE}
    assert set(signed_record.ROLE_BY_TITLE) == titles
    assert set(signed_record.ROLE_BY_TITLE.values()) == set(signed_record.ROLES)


def test_rendering_names_and_labels_the_fields_of_the_vocabulary() -> None:
    assert rendering.SIGNATURE_FIELDS == signed_record.ROLES
    assert rendering.DIGITISED_SIGNATURE_FIELDS == signed_record.DIGITISED_ROLES
    assert set(rendering.FIELD_LABELS) == set(signed_record.ROLES)


def _version(**signed: str) -> SimpleNamespace:
    files = {"pdf_name": "a.pdf", "pdf_sha256": "A", "xml_name": "a.xml", "xml_sha256": "X"}
    empty = {"signed_pdf_name": "", "signed_pdf_sha256": "", "signed_xml_name": "", "signed_xml_sha256": ""}
    return SimpleNamespace(**{**files, **empty, **signed})


@pytest.mark.parametrize(
    ("signed", "pdf", "xml"),
    [
        ({}, ("a.pdf", "A"), ("a.xml", "X")),
        (
            {
                "signed_pdf_name": "b.pdf",
                "signed_pdf_sha256": "B",
                "signed_xml_name": "b.xml",
                "signed_xml_sha256": "Y",
            },
            ("b.pdf", "B"),
            ("b.xml", "Y"),
        ),
    ],
)
def test_the_current_files_are_the_last_signed_ones(signed: dict[str, str], pdf: tuple, xml: tuple) -> None:
    version = _version(**signed)
    assert signed_record.current_pdf(version) == pdf
    assert signed_record.current_xml(version) == xml
