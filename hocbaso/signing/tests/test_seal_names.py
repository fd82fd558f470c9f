"""Whether an organisation certificate bears a unit's name (``signing.seal_names``)."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from hocbaso.signing.seal_names import bears_any, bears_name, folded


def _subject(organisation: str | None = None, common_name: str | None = None) -> x509.Name:
    attributes = []
    if organisation is not None:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    if common_name is not None:
        attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ủy ban nhân dân Xã Bình Sơn", "uy ban nhan dan xa binh son"),
        ("UBND  XÃ   BÌNH SƠN", "ubnd xa binh son"),
        ("Sở Giáo dục và Đào tạo", "so giao duc va dao tao"),
        ("  ", ""),
    ],
)
def test_names_compare_folded(text: str, expected: str) -> None:
    assert folded(text) == expected


@pytest.mark.parametrize(
    ("organisation", "common_name", "name", "borne"),
    [
        ("Ủy ban nhân dân Xã Bình Sơn", None, "Xã Bình Sơn", True),
        (None, "UBND XA BINH SON", "Xã Bình Sơn", True),
        ("UBND Xã Bình Sơn, Tỉnh Quảng Ngãi", None, "Xã Bình Sơn", True),
        ("Sở Giáo dục và Đào tạo (Tỉnh Quảng Ngãi)", None, "Sở Giáo dục và Đào tạo", True),
        # a longer name that ends otherwise, or a neighbour's name, is not the unit's
        ("UBND Xã Bình Sơn Đông", None, "Xã Bình Sơn", False),
        ("UBND Xã Tây Bình Sơn", None, "Xã Bình Sơn", False),
        ("UBND Phường Trương Quang Trọng", "Phường Trương Quang Trọng", "Xã Bình Sơn", False),
        ("Trường Tiểu học Bình Sơn", None, "Xã Bình Sơn", False),
        # the locality attribute or another field never counts, and an empty name is borne by nobody
        (None, None, "Xã Bình Sơn", False),
        ("UBND Xã Bình Sơn", None, "", False),
        ("UBND Xã Bình Sơn", None, "   ", False),
    ],
)
def test_a_subject_bears_a_name(organisation: str | None, common_name: str | None, name: str, borne: bool) -> None:
    assert bears_name(_subject(organisation, common_name), name) is borne


def test_any_of_the_names_will_do() -> None:
    subject = _subject("Sở Giáo dục và Đào tạo Quảng Ngãi")
    assert bears_any(subject, ["Tỉnh Quảng Ngãi", "Sở Giáo dục và Đào tạo Quảng Ngãi"])
    assert not bears_any(subject, ["Tỉnh Quảng Ngãi"])
    assert not bears_any(subject, [])
