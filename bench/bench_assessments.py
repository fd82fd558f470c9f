"""Assessment figures on the demo province: saving a full class grid through the API, and
computing year results for about 1,000 students.

Run: ``HOCBASO_DEMO=1 .venv/bin/python bench/bench_assessments.py`` (a fresh SQLite database
in a temporary directory; the demo data is loaded first, ~15 s).
"""

from __future__ import annotations

import json
import time

from _django import setup, timed


def main() -> None:
    var_dir = setup("assessments")
    from django.test import Client

    from hocbaso.assessments import actions
    from hocbaso.assessments.catalogue import catalogue_for_class
    from hocbaso.demo import assessments_data, directory_data
    from hocbaso.directory.models import Appointment, ClassGroup, Enrolment, Role
    from hocbaso.testing import sign_in_verified

    started = time.perf_counter()
    directory_data.load(1)
    assessments_data.load(1)
    print(f"Demo province loaded in {time.perf_counter() - started:.1f} s ({var_dir})")

    class_group = (
        ClassGroup.objects.filter(school_year__code="2025-2026", grade=5)
        .select_related("school", "school_year")
        .order_by("-pk")
        .first()
    )
    assert class_group is not None
    homeroom = Appointment.objects.get(role=Role.HOMEROOM_TEACHER, class_group=class_group).staff.user
    from hocbaso.directory.models import Student

    extra = 35 - Enrolment.objects.filter(class_group=class_group).count()
    for n in range(extra):  # bring the class to 35 students, the size the target names
        student = Student.objects.create(
            school=class_group.school,
            full_name=f"Học Sinh Thêm {n}",
            gender=1,
            date_of_birth=class_group.school_year.start_date.replace(year=2015),
        )
        Enrolment.objects.create(
            student=student,
            class_group=class_group,
            school_year=class_group.school_year,
            start_date=class_group.school_year.start_date,
        )
    students = list(Enrolment.objects.filter(class_group=class_group).values_list("student_id", flat=True))
    catalogue = catalogue_for_class(class_group)
    client = sign_in_verified(Client(), homeroom)  # password and second factor, as a teacher's session
    url = f"/api/v1/classes/{class_group.pk}/assessments/mid2"
    flip = {"value": 0}

    def payload() -> str:
        flip["value"] ^= 1
        rating, score = ("T", 9) if flip["value"] else ("H", 7)
        cells = []
        for student in students:
            for item in catalogue.items:
                if item.optional:
                    continue
                cells.append(
                    {
                        "student_id": student,
                        "kind": item.kind,
                        "code": item.code,
                        "field": "rating",
                        "value": rating if item.kind == "subject" else ("T" if rating == "T" else "Đ"),
                    }
                )
                if catalogue.has_test(item.code, "mid2"):
                    cells.append(
                        {"student_id": student, "kind": item.kind, "code": item.code, "field": "score", "value": score}
                    )
                cells.append(
                    {
                        "student_id": student,
                        "kind": item.kind,
                        "code": item.code,
                        "field": "comment",
                        "value": f"Nhận xét {rating} cho {item.name}.",
                    }
                )
        return json.dumps({"cells": cells}, ensure_ascii=False)

    body = payload()
    count = len(json.loads(body)["cells"])
    print(f"Class grid: {len(students)} students, {count} cells (rating, score where tested, comment for every item)")

    def save() -> None:
        response = client.put(url, data=payload(), content_type="application/json")
        assert response.status_code == 200, response.content[:300]

    timed("PUT a full class grid through the API (every cell changes)", save, repeat=7)

    # a 35×3 block pasted into the grid (the page's endpoint, saved cell by cell), then its undo
    from hocbaso.core.collation import sort_students

    rows = [
        e.student_id for e in sort_students(Enrolment.objects.filter(class_group=class_group).select_related("student"))
    ]
    columns = [f"subject:{item.code}:rating" for item in catalogue.subjects if not item.optional][:3]
    paste_url = f"/classes/{class_group.pk}/assessments/mid2/cells/"

    def paste() -> None:
        flip["value"] ^= 1
        letter = "T" if flip["value"] else "H"
        text = "\r\n".join("\t".join([letter] * 3) for _ in rows)
        body = json.dumps({"text": text, "students": rows, "columns": columns})
        response = client.post(paste_url, data=body, content_type="application/json")
        assert response.status_code == 200 and len(response.json()["saved"]) == 105, response.content[:300]

    timed("Paste a 35×3 block into the grid (105 cells, each checked)", paste, repeat=7)

    principal = Appointment.objects.filter(role=Role.PRINCIPAL, school=class_group.school).first().staff.user  # type: ignore[union-attr]
    head = sign_in_verified(Client(), principal)
    timed("Home page of the principal (progress of every class)", lambda: head.get("/"), repeat=5)
    timed("Home page of the homeroom teacher (open points, empty cells)", lambda: client.get("/"), repeat=5)
    progress_url = f"/schools/{class_group.school_id}/entry-progress/"
    timed("School-wide entry progress page (class × subject)", lambda: head.get(progress_url), repeat=5)

    classes = list(
        ClassGroup.objects.filter(school_year__code="2024-2025")
        .exclude(school__year_settings__paper_mode=True)
        .select_related("school", "school_year")
        .order_by("school__code", "grade", "name")
    )
    chosen, total = [], 0
    for candidate in classes:
        if total >= 1000:
            break
        chosen.append(candidate)
        total += Enrolment.objects.filter(class_group=candidate).count()
    # the principal of each school computes (the operator enters and computes nothing)
    heads = {
        a.school_id: a.staff.user
        for a in Appointment.objects.filter(role=Role.PRINCIPAL, school__in={c.school_id for c in chosen})
        .select_related("staff__user")
        .order_by("valid_from")
    }

    def compute() -> None:
        for candidate in chosen:
            actions.compute_year_results(by=heads[candidate.school_id], class_group=candidate)

    seconds = timed(
        f"Year results for {total} students ({len(chosen)} classes, from stored cells)", compute, repeat=3, unit="s"
    )
    print(f"  → {seconds / total * 1000:.2f} s per 1,000 students")


if __name__ == "__main__":
    main()
