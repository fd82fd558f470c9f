"""A cohort of paper books as one batch: progress, refused rows listed, the command's manifest."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from hocbaso.records import digitising_actions, digitising_tasks
from hocbaso.records.digitising_models import DigitisationRun, DigitisedBook
from hocbaso.testing import World
from hocbaso.verification.tests.digitised import scan_image

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


def _entry(world: World, student: str, **change: object) -> dict:  # type: ignore[type-arg]
    return {
        "student_id": world.students[student].pk,
        "class_group_id": world.class_3a.pk,
        "book_number": f"{student}/2026",
        "original_pages": "3-4",
        "original_date": dt.date(2026, 5, 25),
        "printed_homeroom": "Nguyễn Thị Hoa",
        "printed_principal": "Trần Văn Bảy",
        "printed_principal_title": "",
        "files": [scan_image(text=student)],
        **change,
    }


def test_a_cohort_is_processed_with_progress_and_refusals_listed(world: World) -> None:
    entries = [_entry(world, "an"), _entry(world, "cuong"), _entry(world, "binh")]  # Cường is in 3B
    run = digitising_actions.start_batch(by=world.users["clerk"], school=world.school_a, entries=entries, enqueue=False)
    seen: list[tuple[int, int]] = []
    run = digitising_tasks.execute(run.pk, progress=lambda done, total: seen.append((done, total)))
    assert run.state == DigitisationRun.State.FINISHED
    assert (run.done, run.total, run.created) == (3, 3, 2)
    assert seen[-1] == (3, 3)
    assert [s["name"] for s in run.skipped] == ["Lê Văn Cường"]
    assert DigitisedBook.objects.filter(run=run).count() == 2
    again = digitising_tasks.execute(run.pk)  # a rerun creates nothing twice
    assert again.created == 2 and DigitisedBook.objects.count() == 2


def test_a_batch_with_a_bomb_is_refused_whole_before_anything_is_kept(world: World) -> None:
    from hocbaso.core.errors import DomainError

    entries = [_entry(world, "an"), _entry(world, "binh", files=[b"GIF89a not a scan"])]
    with pytest.raises(DomainError) as caught:
        digitising_actions.start_batch(by=world.users["clerk"], school=world.school_a, entries=entries, enqueue=False)
    assert caught.value.code == "scan_unsupported"
    assert not DigitisationRun.objects.exists()


def test_another_schools_principal_cannot_start_a_batch(world: World) -> None:
    from hocbaso.core.errors import DomainError

    with pytest.raises(DomainError) as caught:
        digitising_actions.start_batch(
            by=world.users["principal_b"], school=world.school_a, entries=[_entry(world, "an")], enqueue=False
        )
    assert caught.value.code == "not_allowed"


def test_the_command_reads_a_manifest(world: World, tmp_path: Path) -> None:
    (tmp_path / "an-1.png").write_bytes(scan_image(text="trang 1"))
    (tmp_path / "an-2.jpg").write_bytes(scan_image(text="trang 2", kind="JPEG"))
    manifest = tmp_path / "books.csv"
    manifest.write_text(
        "class,year,student,book_number,pages,original_date,homeroom,principal,files\n"
        f"3A,2025-2026,{world.students['an'].pk},17/2026,5-6,25/05/2026,"
        "Nguyễn Thị Hoa,Trần Văn Bảy,an-1.png;an-2.jpg\n",
        encoding="utf-8",
    )
    out = StringIO()
    call_command("digitise-batch", str(manifest), school=world.school_a.code, by="clerk", stdout=out)
    assert "1 scans stored, 0 refused" in out.getvalue()
    book = DigitisedBook.objects.get()
    assert (book.book_number, book.scan_pages, book.original_date) == ("17/2026", 2, dt.date(2026, 5, 25))
