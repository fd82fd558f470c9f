"""``hocbaso simulate-province --students 180000 --years 5``: a province-sized simulated database
for measuring (``bench/bench_province.py``); written in bulk on purpose (``hocbaso.demo.province``)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from hocbaso.demo import province


class Command(BaseCommand):
    help = (
        "Fill the database with a simulated province (schools, classes, pupils, cells, record versions, "
        "signatures, corrections, audit events) in bulk, for measuring. Not for a production database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--students", type=int, default=180_000, help="pupils in the current year")
        parser.add_argument("--years", type=int, default=5, help="completed school years before the current one")
        parser.add_argument("--schools", type=int, default=600, help="primary schools")
        parser.add_argument("--seed", type=int, default=1, help="random seed; the same seed gives the same data")

    def handle(self, *args: Any, students: int, years: int, schools: int, seed: int, **options: Any) -> None:
        if students < 5 * schools or years < 1 or schools < 2:
            raise CommandError("Give at least 2 schools, 1 year and 5 pupils per school.")
        started = time.perf_counter()
        self.stdout.write(
            f"Simulating a province on {connection.vendor}: {students:,} pupils, {schools} schools, "
            f"{years} completed years + the current one (seed {seed})"
        )
        plan = province.Plan(students=students, years=years, schools=schools, seed=seed)
        try:
            built = province.simulate(plan, say=lambda line: self.stdout.write(line))
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Done in {time.perf_counter() - started:.1f} s. Rows written:")
        for label, count in sorted(built.rows.items()):
            self.stdout.write(f"  {label:<36} {count:>12,}")
        self.stdout.write(
            f"Officers (password {province.PASSWORD}): {province.OFFICERS[0]} (province #{built.province}), "
            f"{province.OFFICERS[1]} (commune #{built.commune}), "
            f"{province.OFFICERS[2]} (legacy district #{built.district}); school years {', '.join(built.school_years)}."
        )
