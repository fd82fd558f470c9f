"""The signed record's vocabulary, once: its signatures, their order, names and titles.

Rendering (the empty signature fields), signing (who signs when, the title each signature shows)
and verification (the order, the roles read back from titles) all read these tables, so an edit
here changes every side at once and no side can drift from another. Pure data and pure functions,
no Django import: the offline verifier (``verification.core``) imports it.

Contracts:

- :data:`ROLES` are the three signatures of a born-digital record in the order they are given:
  ``homeroom`` (the homeroom teacher, certification signature) → ``principal`` (the principal or a
  vice-principal) → ``school`` (the school seal, which issues the record). The PDF signature field
  of a role is named as the role (:data:`FIELD_NAMES`) and labelled :data:`FIELD_LABELS`.
  ``signing.models.SignatureRole`` holds the same values (a test checks it).
- A digitised copy of a paper book takes the school seal alone (:data:`DIGITISED_ROLES`), on
  ``frozen``; that seal is its certification signature (:func:`certifies`).
- :func:`required_status` / :data:`NEXT_STATUS`: the record version status (``records.models.Status``
  values) a role's signature needs, and the status it leads to.
- Titles are document text (Vietnamese, shown in the PDF signature's reason and the XAdES
  ClaimedRole): :data:`TITLES` by appointment role, :data:`SEAL_TITLE` for the seal, and their
  reverse :data:`ROLE_BY_TITLE` (title → signature role), derived here so the two never disagree.
- :func:`current_pdf` / :func:`current_xml`: a version's files as they stand now — the last signed
  ones once any signature exists, else the rendered ones — as (storage name, SHA-256).
"""

from __future__ import annotations

from typing import Any

HOMEROOM = "homeroom"
PRINCIPAL = "principal"
SCHOOL = "school"

# The signatures of a born-digital record, in the order they are given.
ROLES: tuple[str, ...] = (HOMEROOM, PRINCIPAL, SCHOOL)
# A digitised copy: the school seal's conversion certification only.
DIGITISED_ROLES: tuple[str, ...] = (SCHOOL,)
# Personal signatures: one person gives at most one of them on a version (the seal is the school's).
PERSONAL_ROLES: tuple[str, ...] = (HOMEROOM, PRINCIPAL)

# The PDF signature field of each role is named as the role; its readable name (PDF /TU).
FIELD_NAMES: tuple[str, ...] = ROLES
FIELD_LABELS: dict[str, str] = {
    HOMEROOM: "Chữ ký số của giáo viên chủ nhiệm",
    PRINCIPAL: "Chữ ký số của hiệu trưởng",
    SCHOOL: "Chữ ký số của nhà trường",
}
SCAN_NAME = "ban-quet.pdf"  # the paper book's scan attached to a digitised copy

# Record version statuses (``records.models.Status`` values) a signature needs and leads to.
FROZEN = "frozen"
REQUIRED_STATUS: dict[str, str] = {HOMEROOM: FROZEN, PRINCIPAL: "signed_homeroom", SCHOOL: "signed_principal"}
NEXT_STATUS: dict[str, str] = {HOMEROOM: "signed_homeroom", PRINCIPAL: "signed_principal", SCHOOL: "issued"}

# Titles by appointment role (``directory.models.Role`` values), and the seal's.
TITLES: dict[str, str] = {
    "homeroom_teacher": "Giáo viên chủ nhiệm",
    "principal": "Hiệu trưởng",
    "vice_principal": "KT. Hiệu trưởng",
}
SEAL_TITLE = "Xác nhận của nhà trường"
# The signature role each appointment role signs in.
SIGNS_AS: dict[str, str] = {"homeroom_teacher": HOMEROOM, "principal": PRINCIPAL, "vice_principal": PRINCIPAL}
# The reverse of the titles: a title (first line of a XAdES ClaimedRole) → the signature role.
ROLE_BY_TITLE: dict[str, str] = {
    **{title: SIGNS_AS[appointment] for appointment, title in TITLES.items()},
    SEAL_TITLE: SCHOOL,
}


def roles_of(*, digitised: bool) -> tuple[str, ...]:
    """The signatures a version carries once issued."""
    return DIGITISED_ROLES if digitised else ROLES


def required_status(role: str, *, digitised: bool) -> str | None:
    """The status a version must have to take ``role``'s signature; None when it never takes it
    (a digitised copy takes only the school seal, on ``frozen``)."""
    if digitised:
        return FROZEN if role == SCHOOL else None
    return REQUIRED_STATUS[role]


def certifies(role: str, *, digitised: bool) -> bool:
    """Whether ``role``'s PDF signature is the certification signature (DocMDP "fill forms"): the
    homeroom teacher's on a born-digital record, the school seal's on a digitised copy."""
    return role == (SCHOOL if digitised else HOMEROOM)


def next_role(status: str) -> str | None:
    """The signature role a born-digital version in ``status`` waits for, or None."""
    for role, required in REQUIRED_STATUS.items():
        if required == status:
            return role
    return None


def title_for(role: str, appointment_role: str) -> str:
    """The title ``role``'s signature shows when given through an appointment as ``appointment_role``."""
    return SEAL_TITLE if role == SCHOOL else TITLES[appointment_role]


def current_pdf(version: Any) -> tuple[str, str]:
    """(storage name, SHA-256) of the version's PDF as it stands: the last signed one, else the rendered one."""
    if version.signed_pdf_name:
        return version.signed_pdf_name, version.signed_pdf_sha256
    return version.pdf_name, version.pdf_sha256


def current_xml(version: Any) -> tuple[str, str]:
    """(storage name, SHA-256) of the version's XML as it stands: the last signed one, else the assembled one."""
    if version.signed_xml_name:
        return version.signed_xml_name, version.signed_xml_sha256
    return version.xml_name, version.xml_sha256
