"""A previewed upload is kept only until it is applied, or deleted when abandoned."""

from __future__ import annotations

import datetime as dt
import io
import os

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse

from hocbaso.assessments import actions, importing, tasks
from hocbaso.assessments.models import AssessmentEntry
from hocbaso.assessments.tests.test_import import filled, upload
from hocbaso.core import clock


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


def kept() -> list[str]:
    if not default_storage.exists(importing.UPLOADS):
        return []
    return sorted(default_storage.listdir(importing.UPLOADS)[1])


def age(token: str, hours: int) -> None:
    """Pretend the upload of ``token`` was kept ``hours`` ago."""
    path = default_storage.path(f"{importing.UPLOADS}/{token}.xlsx")
    then = (clock.now() - dt.timedelta(hours=hours)).timestamp()
    os.utime(path, (then, then))


def test_an_applied_upload_is_deleted_and_cannot_be_applied_twice(big_class, login) -> None:
    client = login("homeroom")
    token = upload(client, big_class, filled(big_class)).context["token"]
    assert kept() == [f"{token}.xlsx"]
    path = reverse("assessments:import", args=[big_class.pk, "year_end"])
    done = client.post(path, {"token": token, "filename": "lop.xlsx"})
    assert "ô đã được lưu" in done.content.decode()
    assert kept() == []
    saved = AssessmentEntry.objects.count()
    again = client.post(path, {"token": token, "filename": "lop.xlsx"})
    assert "không còn được lưu giữ" in again.content.decode()
    assert AssessmentEntry.objects.count() == saved


def test_the_same_file_previewed_twice_is_kept_twice(big_class, login) -> None:
    client = login("homeroom")
    content = filled(big_class)
    first = upload(client, big_class, content).context["token"]
    second = upload(client, big_class, content).context["token"]
    assert first != second
    client.post(reverse("assessments:import", args=[big_class.pk, "year_end"]), {"token": first})
    assert kept() == [f"{second}.xlsx"]


def test_a_refused_apply_deletes_the_upload_too(big_class, login) -> None:

    client = login("homeroom")
    token = upload(client, big_class, filled(big_class)).context["token"]
    actions.set_window(
        by=big_class.school.appointments.get(role="principal").staff.user,
        school=big_class.school,
        school_year=big_class.school_year,
        point="year_end",
        open_=False,
    )
    client.post(reverse("assessments:import", args=[big_class.pk, "year_end"]), {"token": token})
    assert AssessmentEntry.objects.count() == 0
    assert kept() == []


def test_abandoned_uploads_expire(big_class) -> None:
    old, fresh = actions.keep_upload(b"old"), actions.keep_upload(b"fresh")
    age(old, 25)
    age(fresh, 23)
    assert actions.expire_uploads() == 1
    assert kept() == [f"{fresh}.xlsx"]
    age(fresh, 3)
    out = io.StringIO()
    call_command("imports", "expire", "--hours", "2", stdout=out)
    assert out.getvalue().strip() == "1 abandoned import uploads deleted."
    assert kept() == []


def test_the_daily_task_expires_them(big_class) -> None:
    token = actions.keep_upload(b"x")
    age(token, 48)
    assert tasks.expire_import_uploads.call() == 1
    assert kept() == []
    assert tasks.expire_import_uploads.call() == 0
