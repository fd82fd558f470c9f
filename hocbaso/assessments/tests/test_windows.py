"""Entry windows: closed until opened by the principal; reopening needs a reason and is logged."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hocbaso.assessments import actions, windows
from hocbaso.assessments.models import EntryWindow
from hocbaso.assessments.permissions import write_scope
from hocbaso.audit.models import AuditEvent
from hocbaso.core.errors import DomainError


def test_windows_start_closed(world) -> None:
    assert not windows.is_open(world.school_a.pk, world.year.pk, "mid1")
    with pytest.raises(windows.WindowClosed) as caught:
        windows.require_open(world.school_a.pk, world.year.pk, "mid1")
    assert caught.value.code == "window_closed"


def test_principal_opens_closes_and_reopens_with_reason(world) -> None:
    principal = world.users["principal"]
    actions.set_window(by=principal, school=world.school_a, school_year=world.year, point="mid1", open_=True)
    assert windows.is_open(world.school_a.pk, world.year.pk, "mid1")
    actions.set_window(by=principal, school=world.school_a, school_year=world.year, point="mid1", open_=False)
    with pytest.raises(DomainError) as caught:
        actions.set_window(by=principal, school=world.school_a, school_year=world.year, point="mid1", open_=True)
    assert caught.value.code == "reopen_reason_required"
    assert not windows.is_open(world.school_a.pk, world.year.pk, "mid1")
    actions.set_window(
        by=principal,
        school=world.school_a,
        school_year=world.year,
        point="mid1",
        open_=True,
        reason="Sửa điểm sau phúc khảo",
    )
    window = EntryWindow.objects.get(school=world.school_a, point="mid1")
    assert window.is_open and window.times_reopened == 1
    recorded = list(AuditEvent.objects.filter(object_type="assessments.entrywindow").values_list("action", flat=True))
    assert recorded == ["window.open", "window.close", "window.reopen"]
    assert AuditEvent.objects.get(action="window.reopen").changes["reason"] == [None, "Sửa điểm sau phúc khảo"]


@pytest.mark.parametrize("persona", ["homeroom", "teacher", "clerk", "principal_b", "stranger"])
def test_only_the_schools_principal_manages_windows(world, persona: str) -> None:
    with pytest.raises(DomainError) as caught:
        actions.set_window(
            by=world.users[persona], school=world.school_a, school_year=world.year, point="mid1", open_=True
        )
    assert caught.value.code == "not_principal"
    assert not EntryWindow.objects.exists()


@pytest.mark.parametrize(
    ("persona", "class_key", "whole", "subjects"),
    [
        ("homeroom", "class_3a", True, set()),
        ("homeroom", "class_3b", False, set()),
        ("teacher", "class_3b", False, {"foreign_language_1"}),
        ("teacher", "class_3a", False, set()),
        ("principal", "class_3a", False, set()),
        ("stranger", "class_3a", False, set()),
    ],
)
def test_write_scope(world, persona: str, class_key: str, whole: bool, subjects: set[str]) -> None:
    scope = write_scope(world.users[persona], getattr(world, class_key))
    assert scope.whole_class == whole
    assert set(scope.subjects) == subjects


def test_windows_page_for_principal_only(world, login) -> None:
    url = reverse("assessments:windows", args=[world.school_a.pk])
    assert login("principal").get(url).status_code == 200
    assert login("homeroom").get(url).status_code == 404
    response = login("principal").post(url, {"year": world.year.pk, "point": "end1", "open": "1"})
    assert response.status_code == 302
    assert windows.is_open(world.school_a.pk, world.year.pk, "end1")
