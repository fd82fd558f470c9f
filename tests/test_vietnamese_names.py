"""Codes become words: subjects and points by their curriculum names, file names as Vietnamese
slugs ("tong-hop-3A-cuoi-nam-hoc.xlsx", never "…-year_end.xlsx")."""

from __future__ import annotations

from typing import Any

import pytest

from hocbaso.core import labels
from hocbaso.core.text import ascii_slug
from hocbaso.testing import World


@pytest.mark.parametrize(
    ("words", "slug"),
    [
        ("Cuối năm học", "cuoi-nam-hoc"),
        ("Giữa học kì II", "giua-hoc-ki-ii"),
        ("Đỗ Thị Đào", "do-thi-dao"),
        ("  Nguyễn   Văn An ", "nguyen-van-an"),
        ("3A", "3a"),
        ("a/b\\c..d", "a-b-c-d"),
        ("", ""),
        (None, ""),
    ],
)
def test_ascii_slug(words: str | None, slug: str) -> None:
    assert ascii_slug(words) == slug


@pytest.mark.parametrize(
    ("kind", "code", "words"),
    [
        ("subject", "math", "Toán"),
        ("subject", "foreign_language_1", "Ngoại ngữ 1"),
        ("point", "year_end", "Cuối năm học"),
        ("competency", "patriotism", "Yêu nước"),
        ("subject", "", ""),
        ("subject", "no_such_subject", "no_such_subject"),  # unknown: the lint on the pages catches it
        ("nobody_registered_this", "x", "x"),
    ],
)
def test_labels_name_codes_of_each_kind(kind: str, code: str, words: str) -> None:
    assert labels.label(kind, code) == words


@pytest.mark.django_db
@pytest.mark.parametrize(("point", "name"), [("year_end", "cuoi-nam-hoc"), ("mid1", "giua-hoc-ki-i")])
def test_download_names_are_vietnamese_slugs(world: World, login: Any, point: str, name: str) -> None:
    client = login("homeroom")
    summary = client.get(f"/classes/{world.class_3a.pk}/summary/{point}/", {"format": "xlsx"})
    assert summary.status_code == 200
    assert summary["Content-Disposition"] == f'attachment; filename="tong-hop-3A-{name}.xlsx"'
    template = client.get(f"/classes/{world.class_3a.pk}/assessments/{point}/template.xlsx")
    assert template.status_code == 200
    assert template["Content-Disposition"] == f'attachment; filename="A1-3A-2025-2026-{name}.xlsx"'
