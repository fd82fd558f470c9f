"""The process that parses an untrusted .xlsx: ``python -m hocbaso.core.xlsx_reader LIMITS_JSON``.

It first caps itself (address space and processor time, ``resource.setrlimit``), then reads the
file from standard input, streams its parts through ``xlsx_limits.check_parts`` and only then
lets python-calamine parse the first sheet. It answers one JSON object on standard output:
``{"rows": [[...], ...]}`` or ``{"refused": CODE, "params": {...}}``. Dates and times travel
as ``{"$": "date", "v": ISO}`` so the parent gets the values calamine returned.

If the reader still tries to take more memory than allowed, the allocation fails inside this
process, which dies; the web process that started it only sees a non-zero exit. No Django here.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import resource
import sys
import zipfile
from typing import Any

from hocbaso.core.xlsx_limits import Limits, Refusal, check_parts

_TAGGED: dict[str, Any] = {
    "date": dt.date.fromisoformat,
    "datetime": dt.datetime.fromisoformat,
    "time": dt.time.fromisoformat,
}


def encode(value: Any) -> Any:
    """A calamine value as JSON (dates and times tagged; durations as seconds)."""
    if isinstance(value, dt.datetime):
        return {"$": "datetime", "v": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$": "date", "v": value.isoformat()}
    if isinstance(value, dt.time):
        return {"$": "time", "v": value.isoformat()}
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return value


def decode(value: Any) -> Any:
    if isinstance(value, dict):
        return _TAGGED[value["$"]](value["v"])
    return value


def cap(limits: Limits) -> None:
    """Limit this process's address space and processor time (both hard, so they cannot be raised)."""
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds))


def read_first_sheet(content: bytes, limits: Limits) -> list[list[Any]]:
    """Check every part, then parse the first sheet with calamine (empty cells as '')."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        check_parts(archive, limits)
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        return book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception:  # calamine raises several error types for damaged files
        raise Refusal("import_not_xlsx") from None


def main(argv: list[str]) -> int:
    limits = Limits(**json.loads(argv[1]))
    cap(limits)
    content = sys.stdin.buffer.read(limits.max_bytes + 1)
    try:
        rows = read_first_sheet(content, limits)
    except Refusal as refusal:
        answer: dict[str, Any] = {"refused": refusal.code, "params": refusal.params}
    else:
        answer = {"rows": [[encode(v) for v in row] for row in rows]}
    sys.stdout.buffer.write(json.dumps(answer, ensure_ascii=False).encode())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
