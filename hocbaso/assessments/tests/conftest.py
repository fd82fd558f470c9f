"""Fixtures of the assessments tests."""

from __future__ import annotations

import pytest

from hocbaso.assessments import actions
from hocbaso.directory.models import ClassGroup, Role
from hocbaso.testing import appoint, enrol, make_student


@pytest.fixture
def big_class(world):  # type: ignore[no-untyped-def]
    actions.set_window(
        by=world.users["principal"], school=world.school_a, school_year=world.year, point="year_end", open_=True
    )
    class_group = ClassGroup.objects.create(school=world.school_a, school_year=world.year, grade=4, name="4A")
    for n in range(30):
        enrol(make_student(world.school_a, f"Nguyễn Văn Học Sinh {n:02d}"), class_group)
    appoint(world.users["homeroom"], Role.HOMEROOM_TEACHER, class_group=class_group)
    return class_group
