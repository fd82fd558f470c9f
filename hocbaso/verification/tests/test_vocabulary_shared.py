"""Verification judges the order and the roles with the signed record's vocabulary
(``records.signed_record``), the same tables rendering and signing use."""

from __future__ import annotations

from hocbaso.records import signed_record
from hocbaso.signing.models import SignatureRole
from hocbaso.verification import core


def test_the_core_reads_the_roles_and_titles_of_the_vocabulary() -> None:
    assert core.ROLES == signed_record.ROLES == tuple(SignatureRole.values)
    assert core.DIGITISED_ROLES == signed_record.DIGITISED_ROLES
    assert core.SCAN_NAME == signed_record.SCAN_NAME
    for title, role in signed_record.ROLE_BY_TITLE.items():
        assert core.role_label(role) != role, title  # every role read back from a title has its words
