"""Reading an uploaded .xlsx: checked and parsed in a capped process, against parsing in process.

Run: ``HOCBASO_DEMO=1 .venv/bin/python bench/bench_uploads.py [--students 35] [--rounds 5]``.
Builds a class template's worth of cells (one row per student, 60 columns of ratings, scores and
comments) with openpyxl, then times ``core.xlsx_upload.read_first_sheet`` (zip checks here, a
capped ``python -I -m hocbaso.core.xlsx_reader`` process that streams every part and parses)
against python-calamine in this process; prints the best and worst round of each, and how long
the issue's 1.6 KB last-cell file takes to be refused.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=35)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    import django

    django.setup()
    from openpyxl import Workbook
    from python_calamine import CalamineWorkbook

    from hocbaso.core import xlsx_upload
    from hocbaso.core.tests.crafted_xlsx import last_cell_bomb
    from hocbaso.core.xlsx_limits import Limits

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for _row in range(1, args.students + 7):
        sheet.append([("T", 9, "Em học tốt, chăm chỉ.")[column % 3] for column in range(60)])
    out = io.BytesIO()
    book.save(out)
    content = out.getvalue()
    limits = Limits(max_rows=300)

    def timed(run: object) -> list[float]:
        rounds = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            run()  # type: ignore[operator]
            rounds.append((time.perf_counter() - start) * 1000)
        return rounds

    capped = timed(lambda: xlsx_upload.read_first_sheet(content, filename="b.xlsx", limits=limits))
    in_process = timed(lambda: CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python())

    def refuse() -> None:
        try:
            xlsx_upload.read_first_sheet(last_cell_bomb(), filename="bom.xlsx", limits=limits)
        except xlsx_upload.SpreadsheetRefused:
            return
        raise AssertionError("the last-cell file was not refused")

    bomb = timed(refuse)
    print(f"file: {len(content) / 1024:.0f} KB, {args.students + 6} rows x 60 columns; {args.rounds} rounds")
    print(f"checked + capped process: best {min(capped):.0f} ms, worst {max(capped):.0f} ms")
    print(f"calamine in process:      best {min(in_process):.1f} ms, worst {max(in_process):.1f} ms")
    print(f"last-cell file refused:   best {min(bomb):.0f} ms, worst {max(bomb):.0f} ms")


if __name__ == "__main__":
    main()
