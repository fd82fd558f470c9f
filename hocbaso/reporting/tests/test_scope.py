"""Who reads which schools' figures in which year (roles.school_windows through reporting.Scope),
table-driven over the test world's personas: the dated tree, ended appointments, teachers never."""

from __future__ import annotations

import pytest

from hocbaso.directory.roles import Permission, schools_in_year
from hocbaso.reporting.permissions import Scope
from hocbaso.testing import World, add_previous_year

pytestmark = pytest.mark.django_db

# persona → (schools read in 2024-2025, schools read in 2025-2026); "a"/"b" are schools A and B
TABLE = {
    "province_officer": ({"a", "b"}, {"a", "b"}),  # running appointments and links reach earlier years
    "officer": ({"a"}, {"a"}),  # commune 1: school A only
    "officer2": ({"b"}, {"b"}),  # school B's link to commune 2 runs; nothing else
    "district_officer": ({"a"}, set()),  # abolished on 30/6/2025: only the years before
    "principal": ({"a"}, {"a"}),
    "vice": ({"a"}, {"a"}),
    "principal_b": ({"b"}, {"b"}),
    "clerk": (set(), set()),
    "homeroom": (set(), set()),
    "teacher": (set(), set()),
    "former_homeroom": (set(), set()),
    "stranger": (set(), set()),
}


@pytest.mark.parametrize("persona", sorted(TABLE))
def test_schools_read_per_year(world: World, persona: str) -> None:
    past = add_previous_year(world)
    user = world.users[persona]
    names = {world.school_a.pk: "a", world.school_b.pk: "b"}
    scope = Scope(user)
    for year, expected in zip((past.year, world.year), TABLE[persona], strict=True):
        ids = scope.school_ids(year)
        assert ids is not None
        assert {names[pk] for pk in ids} == expected, year
        assert {
            names[pk] for pk in schools_in_year(user, Permission.VIEW_REPORTS, year).values_list("pk", flat=True)
        } == expected
    assert [y.code for y in scope.years] == [y.code for y in (world.year, past.year) if scope.school_ids(y)]


def test_the_operator_reads_everything(world: World) -> None:
    scope = Scope(world.users["operator"])
    assert scope.everything and scope.school_ids(world.year) is None
    assert scope.can_view_unit(world.commune2, world.year) and scope.has_school(world.school_b, world.year)


def test_units_reached(world: World) -> None:
    past = add_previous_year(world)
    district = Scope(world.users["district_officer"])
    assert district.can_view_unit(world.district, past.year)
    assert not district.can_view_unit(world.commune1, world.year)
    commune = Scope(world.users["officer"])
    assert commune.can_view_unit(world.commune1, world.year)
    assert not commune.can_view_unit(world.province, world.year)
    assert not commune.can_view_unit(world.commune2, world.year)
    assert not Scope(world.users["principal"]).reaches_unit(world.commune1)
