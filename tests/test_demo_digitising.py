"""The demo's paper school An Vĩnh has two digitised paper books, certified by its demo seal,
that verify as digitised copies of paper originals."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from hocbaso.demo import digitising
from hocbaso.records.digitising_models import DigitisedBook
from hocbaso.records.models import Origin, Status
from hocbaso.verification import registry


@pytest.mark.django_db
def test_demo_digitised_books(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.VAR_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("demo-data", "--seed", "1")
    call_command("pki", "init")
    registry._trust_cache.clear()
    assert digitising.load(say=lambda _line: None) == 2
    books = list(DigitisedBook.objects.select_related("version", "school"))
    assert len(books) == 2 and {b.school.name for b in books} == {"Trường Tiểu học An Vĩnh"}
    for book in books:
        version = book.version
        assert version is not None
        assert version.origin == Origin.DIGITISED and version.status == Status.ISSUED
        assert book.transcribed_by_id != book.compared_by_id
        report = registry.verify_code(version.issuance_code)
        assert report.outcome == "valid", [c for c in report.checks if c.status != "passed"]
        assert report.document is not None and report.document.digitised
    assert digitising.load(say=lambda _line: None) == 2  # safe to run again
    assert DigitisedBook.objects.count() == 2
