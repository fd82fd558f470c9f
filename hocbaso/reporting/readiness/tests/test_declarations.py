"""Declaring a school's conditions: who may, the rules, the history, the audit."""

from __future__ import annotations

from typing import Any

import pytest

from hocbaso.audit.models import AuditEvent
from hocbaso.core.errors import InvalidInput, PermissionRefused, ValidationFailed
from hocbaso.reporting.readiness import actions
from hocbaso.reporting.readiness.models import ReadinessDeclaration
from hocbaso.testing import World, add_previous_year

FIGURES: dict[str, Any] = {
    "computers": 10,
    "internet": "stable",
    "staff_total": 20,
    "certified_staff": 12,
    "trained_staff": 18,
    "intention": "digital",
}


def declare(world: World, persona: str, **change: Any) -> ReadinessDeclaration:
    values = {**FIGURES, **change}
    school = values.pop("school", world.school_a)
    year = values.pop("school_year", world.year)
    return actions.declare(by=world.users[persona], school=school, school_year=year, **values)


@pytest.mark.django_db
def test_the_principal_declares_then_updates_and_the_history_stays(world: World) -> None:
    first = declare(world, "principal")
    second = declare(world, "vice", computers=14, intention="paper", note="Thiếu máy ")
    assert (first.revision, second.revision) == (1, 2)
    assert second.note == "Thiếu máy"
    assert actions.latest_declaration(world.school_a, world.year) == second
    assert ReadinessDeclaration.objects.filter(school=world.school_a).count() == 2
    events = AuditEvent.objects.filter(action="readiness.declare").order_by("pk")
    assert [e.changes["revision"] for e in events] == [1, 2]
    assert events[1].changes["computers"] == [10, 14]
    assert events[1].changes["intention"] == ["digital", "paper"]
    assert "staff_total" not in events[1].changes  # only what changed
    assert events[1].school_id == world.school_a.pk


@pytest.mark.django_db
def test_the_same_figures_again_are_refused(world: World) -> None:
    declare(world, "principal")
    with pytest.raises(ValidationFailed) as refused:
        declare(world, "principal")
    assert refused.value.code == "readiness_unchanged"


@pytest.mark.django_db
def test_a_declaration_is_never_edited_nor_deleted(world: World) -> None:
    declaration = declare(world, "principal")
    declaration.computers = 99
    with pytest.raises(ValueError):
        declaration.save()
    with pytest.raises(ValueError):
        declaration.delete()
    assert ReadinessDeclaration.objects.get().computers == 10


@pytest.mark.django_db
@pytest.mark.parametrize(
    "persona",
    [
        "clerk",
        "homeroom",
        "teacher",
        "principal_b",
        "officer",
        "province_officer",
        "district_officer",
        "stranger",
        "operator",
    ],
)
def test_only_the_schools_heads_declare(world: World, persona: str) -> None:
    with pytest.raises(PermissionRefused):
        declare(world, persona)
    assert not ReadinessDeclaration.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "codes"),
    [
        ({"certified_staff": 21}, {"readiness_more_than_staff"}),
        ({"computers": -1, "trained_staff": 30}, {"readiness_count_range", "readiness_more_than_staff"}),
        ({"internet": "satellite"}, {"readiness_choice"}),
        ({"intention": "both"}, {"readiness_choice"}),
    ],
)
def test_figures_that_break_a_rule_are_refused(world: World, change: dict[str, Any], codes: set[str]) -> None:
    with pytest.raises(InvalidInput) as refused:
        declare(world, "principal", **change)
    assert {e.code for e in refused.value.errors} == codes
    assert not ReadinessDeclaration.objects.exists()


@pytest.mark.django_db
def test_a_past_year_is_not_declared_after_the_fact(world: World) -> None:
    past = add_previous_year(world)
    with pytest.raises(InvalidInput) as refused:
        declare(world, "principal", school_year=past.year)
    assert refused.value.code == "readiness_year_closed"


@pytest.mark.django_db
def test_the_page_declares_and_shows_refusals_on_the_field(world: World, login: Any) -> None:
    client = login("principal")
    url = f"/readiness/schools/{world.school_a.pk}/declare/?year=2025-2026"
    page = client.get(url)
    assert page.status_code == 200
    body = {**FIGURES, "certified_staff": 25, "year": "2025-2026"}
    refused = client.post(url, body)
    assert refused.status_code == 200
    assert "không được nhiều hơn số cán bộ" in refused.content.decode()
    assert not ReadinessDeclaration.objects.exists()
    done = client.post(url, {**body, "certified_staff": 5})
    assert done.status_code == 302
    shown = client.get(done["Location"]).content.decode()
    assert "5 khai báo · 0 trên hệ thống" in shown


@pytest.mark.django_db
def test_a_teacher_cannot_open_the_declaration_form(world: World, login: Any) -> None:
    assert login("homeroom").get(f"/readiness/schools/{world.school_a.pk}/declare/").status_code == 403
