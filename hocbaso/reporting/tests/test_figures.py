"""Every figure against the hand-counted data of ``data.py`` (read its docstring first)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hocbaso.reporting import figures
from hocbaso.reporting.tests.data import Data, build
from hocbaso.testing import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(world: World) -> Data:
    return build(world)


def _fields(counts: figures.Counts) -> dict[str, object]:
    found = counts.as_dict()
    found.pop("results")
    return found


ZERO = _fields(figures.Counts())


def test_school_a_at_ghk1(data: Data) -> None:
    w = data.world
    rows = figures.compute([w.school_a.pk], w.year, "mid1")
    row = rows[w.school_a.pk]
    assert row.window_open and not row.paper_mode
    assert _fields(row.counts) == {
        **ZERO,
        "schools": 1,
        "classes": 2,
        "students": 4,
        "cells_entered": 4,
        "cells_expected": 100,
        "windows_open": 1,
        "frozen": 3,
        "signed_homeroom": 2,
        "signed_principal": 1,
        "issued": 1,
        "missing_cells": 1,
        "missing_appointment": 1,
        "expired_certificates": 1,
        "expiring_certificates": 1,
        "corrections_pending": 1,
        "corrections": 2,
    }
    assert row.counts.results == {3: Counter({"htxs": 1, "htt": 1, "cht": 1})}
    assert row.counts.cells_percent == 4
    assert row.counts.issued_percent == 25
    assert row.counts.blocked == 3


def test_school_b_and_the_paper_school(data: Data) -> None:
    w = data.world
    rows = figures.compute([w.school_b.pk, data.school_c.pk], w.year, "mid1")
    assert _fields(rows[w.school_b.pk].counts) == {
        **ZERO,
        "schools": 1,
        "classes": 1,
        "students": 1,
        "cells_expected": 25,
        "missing_year_page": 1,
        "missing_appointment": 1,
    }
    assert not rows[w.school_b.pk].window_open
    paper = rows[data.school_c.pk]
    assert paper.paper_mode
    assert _fields(paper.counts) == {
        **ZERO,
        "schools": 1,
        "paper_schools": 1,
        "classes": 1,
        "students": 2,
        "cells_entered": 2,  # Hoa's math rating and test score (grade 4 has a GHK1 test)
        "cells_expected": 56,
        "missing_cells": 2,
        "missing_appointment": 2,  # 4A without a homeroom teacher, the school without a head
    }


def test_cells_at_another_point_count_tests(data: Data) -> None:
    w = data.world
    # CHK1: grade 3 tests TV, Toán, NN1, Tin&CN — 29 cells a pupil; nothing entered yet
    row = figures.compute([w.school_a.pk], w.year, "end1")[w.school_a.pk]
    assert (row.counts.cells_entered, row.counts.cells_expected, row.counts.windows_open) == (0, 116, 0)


def test_classes_of_a_school(data: Data) -> None:
    w = data.world
    report = figures.school_report(w.school_a, w.year, "mid1")
    assert [r.name for r in report.rows] == ["3A", "3B"]
    a, b = report.rows
    assert (a.counts.students, a.counts.cells_entered, a.counts.cells_expected) == (2, 4, 50)
    assert (a.counts.frozen, a.counts.signed_homeroom, a.counts.issued, a.counts.missing_appointment) == (2, 2, 1, 0)
    assert (a.counts.corrections, a.counts.corrections_pending) == (2, 1)
    assert (b.counts.students, b.counts.missing_cells, b.counts.missing_appointment, b.counts.frozen) == (2, 1, 1, 1)
    assert a.window_open and b.window_open
    assert report.total.students == 4 and report.total.schools == 1
    assert figures.class_counts(w.class_3b, "mid1").counts.students == 2


def test_province_roll_up_2025_2026(data: Data) -> None:
    w = data.world
    report = figures.unit_report(w.province, w.year, "mid1")
    t = report.total
    assert (t.schools, t.paper_schools, t.classes, t.students) == (3, 1, 4, 7)
    assert (t.cells_entered, t.cells_expected, t.windows_open) == (6, 181, 1)
    assert (t.frozen, t.signed_homeroom, t.signed_principal, t.issued) == (3, 2, 1, 1)
    assert (t.missing_cells, t.missing_year_page, t.missing_appointment, t.expired_certificates) == (3, 1, 4, 1)
    assert (t.expiring_certificates, t.corrections, t.corrections_pending) == (1, 2, 1)
    assert t.results == {3: Counter({"htxs": 1, "htt": 1, "ht": 1, "cht": 1})}
    children = {unit.name if unit else None: counts for unit, counts in report.children}
    assert set(children) == {"Xã Bình Sơn", "Phường Cẩm Thành"}  # the district no longer exists
    assert (children["Xã Bình Sơn"].schools, children["Xã Bình Sơn"].students) == (1, 4)
    commune2 = children["Phường Cẩm Thành"]
    assert (commune2.schools, commune2.paper_schools, commune2.students, commune2.cells_expected) == (2, 1, 3, 81)
    assert [r.name for r in report.rows] == sorted(r.name for r in report.rows)
    assert report.deadline == dt.date(2025, 11, 14)


def test_legacy_district_year(data: Data) -> None:
    w, past = data.world, data.past
    report = figures.unit_report(w.province, past.year, "year_end")
    assert [unit.name for unit, _c in report.children if unit] == [w.district.name]
    t = report.total
    assert (t.schools, t.classes, t.students, t.issued, t.frozen) == (1, 1, 1, 1, 1)
    assert (t.cells_expected, t.missing_appointment, t.missing_cells) == (23, 0, 0)  # grade 2 at CN: 8 + 13 + 2 tests
    assert t.results == {2: Counter({"htt": 1})}
    district = figures.unit_report(w.district, past.year, "year_end")
    assert [r.pk for r in district.rows] == [w.school_a.pk]
    # the communes did not exist in 2024-2025; the district has no school in 2025-2026
    assert figures.unit_report(w.commune1, past.year, "year_end").rows == []
    assert figures.unit_report(w.district, w.year, "year_end").rows == []


def test_scope_narrows_a_unit_report(data: Data) -> None:
    w = data.world
    report = figures.unit_report(
        w.province, w.year, "mid1", scope=w.school_b.__class__.objects.filter(pk=w.school_b.pk)
    )
    assert [r.pk for r in report.rows] == [w.school_b.pk]
    assert report.total.schools == 1


def test_signing_backlog_over_time(data: Data) -> None:
    w = data.world
    assert figures.backlog([w.school_a.pk], w.year) == [
        (dt.date(2026, 5, 25), 1),
        (dt.date(2026, 5, 26), 2),  # two frozen, the first version superseded before its seal
        (dt.date(2026, 5, 27), 3),
        (dt.date(2026, 5, 28), 2),  # An's sealed
    ]
    assert figures.backlog([w.school_b.pk], w.year) == []


def test_the_number_of_queries_does_not_grow_with_schools(data: Data) -> None:
    w = data.world
    schools = [w.school_a.pk, w.school_b.pk, data.school_c.pk]
    figures.compute(schools, w.year, "mid1")  # warms the curriculum cache for every grade of the three
    with CaptureQueriesContext(connection) as one:
        figures.compute(schools[:1], w.year, "mid1")
    with CaptureQueriesContext(connection) as three:
        figures.compute(schools, w.year, "mid1")
    assert len(three.captured_queries) == len(one.captured_queries) <= 16


def test_results_by_grade_table() -> None:
    assert figures.results_by_grade({4: Counter({"ht": 2}), 3: Counter({"htxs": 1, "cht": 1})}) == [
        (3, [1, 0, 0, 1]),
        (4, [0, 0, 2, 0]),
    ]
