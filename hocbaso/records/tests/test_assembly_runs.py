"""Bulk assembly: a run freezes complete students, skips incomplete ones with the reason (nothing
stored for them), resumes without re-assembling, from the web (progress page) and the CLI."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.urls import reverse

from hocbaso.audit.models import AuditEvent
from hocbaso.core.errors import DomainError
from hocbaso.records import actions, tasks
from hocbaso.records.actions import assemble
from hocbaso.records.models import AssemblyRun, Record, RecordVersion, Status
from hocbaso.records.tests.conftest import fill_year, open_window


def stored_files() -> int:
    folders = default_storage.listdir("records")[0] if default_storage.exists("records") else []
    return sum(len(default_storage.listdir(f"records/{folder}")[1]) for folder in folders)


@pytest.mark.django_db
def test_freezing_a_student_with_an_empty_cell_is_refused_and_stores_nothing(world) -> None:
    open_window(world)
    fill_year(world, "an", blank="music")
    with pytest.raises(DomainError) as refused:
        assemble(by=world.users["homeroom"], student=world.students["an"], class_group=world.class_3a)
    assert refused.value.code == "year_incomplete"
    assert "missing" in str(refused.value.message) or "thiếu" in str(refused.value.message)
    assert not RecordVersion.objects.exists() and not Record.objects.exists()
    assert stored_files() == 0


@pytest.mark.django_db
def test_run_skips_incomplete_students_with_reasons_and_resumes(world, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    open_window(world)
    fill_year(world, "an")
    with django_capture_on_commit_callbacks(execute=True):  # the run is queued when committed
        run = actions.start_assembly(
            by=world.users["homeroom"], school=world.school_a, school_year=world.year, class_group=world.class_3a
        )
    run.refresh_from_db()
    assert (run.state, run.total, run.done, run.frozen) == ("finished", 2, 2, 1)
    assert [(s["name"], s["class"]) for s in run.skipped] == [("Trần Thị Bình", "3A")]
    assert run.skipped[0]["reason"]
    an_version = RecordVersion.objects.get(record__student=world.students["an"])
    assert an_version.status == Status.FROZEN
    assert not Record.objects.filter(student=world.students["binh"]).exists()
    assert AuditEvent.objects.filter(action="record.assembly_start", object_id=str(run.pk)).exists()

    fill_year(world, "binh")
    resumed = tasks.execute(run.pk)
    assert (resumed.state, resumed.done, resumed.frozen, resumed.skipped) == ("finished", 2, 2, [])
    assert RecordVersion.objects.filter(record__student=world.students["an"]).get() == an_version  # not redone
    assert RecordVersion.objects.filter(record__student=world.students["binh"], status=Status.FROZEN).count() == 1


@pytest.mark.django_db
def test_web_assembly_button_and_progress_page(world, login, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    open_window(world)
    fill_year(world, "an")
    client = login("homeroom")
    page = client.get(reverse("records:class", args=[world.class_3a.pk]))
    assert page.status_code == 200
    assert f'action="{reverse("records:class_assemble", args=[world.class_3a.pk])}"' in page.content.decode()
    button = f'action="{reverse("records:class_assemble", args=[world.class_3a.pk])}"'
    clerk_page = login("clerk").get(reverse("records:class", args=[world.class_3a.pk])).content.decode()
    assert "Nguyễn Văn An" in clerk_page and button not in clerk_page  # a clerk sees the list, cannot assemble
    assert login("principal_b").get(reverse("records:class", args=[world.class_3a.pk])).status_code == 404
    client = login("homeroom")
    with django_capture_on_commit_callbacks(execute=True):  # the run is queued when committed
        response = client.post(reverse("records:class_assemble", args=[world.class_3a.pk]))
    run = AssemblyRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("records:run", args=[run.pk])
    progress = client.get(reverse("records:run", args=[run.pk]))
    text = progress.content.decode()
    assert progress.status_code == 200 and "Trần Thị Bình" in text and "2" in text
    assert 'hx-trigger="every 2s"' not in text  # finished: no more polling
    partial = client.get(reverse("records:run", args=[run.pk]), headers={"HX-Request": "true"})
    assert partial.status_code == 200 and "<html" not in partial.content.decode()

    AssemblyRun.objects.filter(pk=run.pk).update(state="running")
    polling = client.get(reverse("records:run", args=[run.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in polling


@pytest.mark.django_db
def test_school_assembly_by_principal_only(world, login, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    open_window(world)
    fill_year(world, "an")
    refused = login("homeroom").post(
        reverse("records:school_assemble", args=[world.school_a.pk]), {"year": world.year.code}
    )
    assert refused.status_code == 404 and not AssemblyRun.objects.exists()
    client = login("principal")
    with django_capture_on_commit_callbacks(execute=True):  # the run is queued when committed
        response = client.post(reverse("records:school_assemble", args=[world.school_a.pk]), {"year": world.year.code})
    run = AssemblyRun.objects.get()
    assert response["Location"] == reverse("records:run", args=[run.pk])
    assert (run.class_group, run.total, run.frozen) == (None, 3, 1)  # 3A: An, Bình; 3B: Cường
    assert {s["name"] for s in run.skipped} == {"Trần Thị Bình", "Lê Văn Cường"}
    with pytest.raises(DomainError) as caught:
        actions.start_assembly(by=world.users["homeroom"], school=world.school_a, school_year=world.year)
    assert caught.value.code == "not_allowed"


@pytest.mark.django_db
def test_cli_assemble_prints_progress_and_skips(world) -> None:
    open_window(world)
    fill_year(world, "an")
    out = io.StringIO()
    call_command("records", "assemble", "--class-id", str(world.class_3a.pk), "--year", world.year.code, stdout=out)
    text = out.getvalue()
    assert "2/2" in text and "SKIPPED 3A Trần Thị Bình" in text and "1 frozen" in text
    with pytest.raises(CommandError):
        call_command("records", "assemble", "--school", "NOPE", "--year", world.year.code, stdout=io.StringIO())
    out = io.StringIO()
    call_command("records", "assemble", "--school", "A1", "--year", world.year.code, stdout=out)
    assert "3/3" in out.getvalue() and RecordVersion.objects.count() == 1
