"""Year results for a 1,000-student school in pure Python (the rules, no database).

Run: ``HOCBASO_DEMO=1 .venv/bin/python bench/bench_grading.py [--students 1000] [--rounds 5]``.
Builds realistic year-end values from the GDPT 2018 primary data file (200 students per grade,
a few C/H/Đ ratings, retests, summer re-assessments, individual plans) and times
``grading.school_results`` over all of them; prints the best and worst round.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    import django

    django.setup()
    from hocbaso.assessments import grading
    from hocbaso.curriculum.loading import catalogue_from_data, read

    data = read("gdpt2018-primary")
    rng = random.Random(27)
    students: list[grading.StudentYearInput] = []
    for n in range(args.students):
        grade = n % 5 + 1
        catalogue = catalogue_from_data(data, grade)
        strong = rng.random() < 0.6  # most pupils have all-T ratings; the rest a few H/Đ, rarely C
        subjects = [i.code for i in catalogue.subjects if not i.optional or rng.random() < 0.3]
        tested = [code for code in subjects if catalogue.has_test(code, "year_end")]
        competencies = [i.code for i in catalogue.competencies]
        values = grading.YearValues(
            grade=grade,
            subjects=subjects,
            tested=tested,
            competencies=competencies,
            subject_ratings={c: rng.choices("THC", (100, 0, 0) if strong else (70, 28, 2))[0] for c in subjects},
            scores={
                c: [rng.randint(3, 10), rng.randint(5, 10)]
                if rng.random() < 0.03
                else rng.randint(7 if strong else 4, 10)
                for c in tested
            },
            competency_ratings={c: rng.choices("TĐC", (100, 0, 0) if strong else (75, 24, 1))[0] for c in competencies},
            individual_plan=rng.random() < 0.01,
            names={i.code: i.name for i in catalogue.items},
        )
        reassessed = None
        if not values.individual_plan and grading.year_result(values).result == grading.CHT:
            reassessed = grading.YearValues(
                grade=grade,
                subjects=(),
                tested=(),
                competencies=(),
                subject_ratings={c: "H" for c, r in values.subject_ratings.items() if r == "C"},
                scores=dict.fromkeys(tested, 6),
                competency_ratings={c: "Đ" for c, r in values.competency_ratings.items() if r == "C"},
            )
        students.append(grading.StudentYearInput(n, values, reassessed))

    times = []
    for _round in range(args.rounds):
        started = time.perf_counter()
        outcomes = grading.school_results(students)
        times.append(time.perf_counter() - started)
    counts: dict[str, int] = {}
    for outcome in outcomes.values():
        label = outcome.result if isinstance(outcome, grading.YearOutcome) else "blocked"
        counts[label] = counts.get(label, 0) + 1
    print(
        f"school_results for {len(students):,} students: best {min(times) * 1000:.1f} ms, "
        f"worst {max(times) * 1000:.1f} ms over {args.rounds} rounds"
    )
    print("results:", ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    main()
