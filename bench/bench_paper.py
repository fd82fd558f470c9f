"""Paper book figures: one student's paper pages (the record template's paper mode), and a whole
class of ``--class-size`` students printed into one PDF in roll order.

Run: ``.venv/bin/python bench/bench_paper.py [--class-size 35]``. A fresh SQLite database in a
temporary ``HOCBASO_VAR_DIR`` (see ``_django.py``); the test world's class 3A grown to the size
asked, its year on paper, nothing entered (blank values print as blanks: the layout work is the
same).
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _django import setup, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--class-size", type=int, default=35)
    args = parser.parse_args()
    var_dir = setup("paper")
    try:
        from hocbaso.directory.models import SchoolYearSetting
        from hocbaso.records import paper
        from hocbaso.testing import build_world, enrol, make_student

        world = build_world()
        for n in range(args.class_size - 2):
            enrol(
                make_student(world.school_a, f"Học Sinh Thứ {n:02d}", born=dt.date(2017, 1, 1 + n % 28)), world.class_3a
            )
        SchoolYearSetting.objects.create(school=world.school_a, school_year=world.year, paper_mode=True)
        student = world.students["an"]
        paper.student_pages(student, world.class_3a)  # warm the compiler's caches
        timed(
            "one student's paper pages (data + Typst)", lambda: paper.student_pages(student, world.class_3a), repeat=20
        )
        seconds = timed(
            f"a class of {args.class_size} in one PDF, roll order",
            lambda: paper.class_pages(world.class_3a),
            repeat=3,
            unit="s",
        )
        print(f"{'':<64} {args.class_size / seconds:8.1f} students/s")
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
