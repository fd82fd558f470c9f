"""Reading an uploaded .xlsx without trusting it: checked, then parsed in a capped process.

``read_first_sheet`` checks the zip directory here (``xlsx_limits.check_archive``: size, parts,
declared sizes, ratio, that it is an .xlsx), then hands the bytes to a separate Python process
(``xlsx_reader``) that caps its own memory and processor time, streams every XML part
(declared rows, columns, shared strings) and only then parses. Whatever the file does, the
server process never parses it: a reader that runs out of its memory, time or wall clock dies
alone. Every refusal is a ``SpreadsheetRefused`` on the field ``file`` whose message names the limit.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from typing import Any

from django.utils.translation import gettext_lazy as _

from hocbaso.core.errors import ValidationFailed
from hocbaso.core.xlsx_limits import Limits, MiB, Refusal, check_archive
from hocbaso.core.xlsx_reader import decode


class SpreadsheetRefused(ValidationFailed):
    """The whole file is refused (not a spreadsheet, empty, too large, declares too much)."""


def _mb(value: int) -> str:
    return f"{value / MiB:.0f}" if value >= MiB else f"{value / MiB:.1f}"


def message_for(code: str, params: dict[str, Any], filename: str) -> Any:
    """The translated sentence for a refusal, naming the limit that was passed."""
    if code == "import_empty":
        return _("The file is empty.")
    if code == "import_too_large" and params.get("unpacked"):
        return _("Unpacked, the file would be larger than %(mb)s MB, the most accepted.") % {"mb": _mb(params["limit"])}
    if code == "import_too_large":
        return _("The file is larger than %(mb)d MB.") % {"mb": params["limit"] // MiB}
    if code == "import_too_many_parts":
        return _("The file has %(count)d parts; a spreadsheet may have at most %(limit)d.") % params
    if code == "import_compression_ratio":
        return _("A part of the file is compressed %(ratio)d times; at most %(limit)d times is accepted.") % params
    if code == "import_too_many_rows":
        return _("The file has more than %(n)d rows.") % {"n": params["limit"]}
    if code == "import_too_many_columns":
        return _("The sheet declares %(count)d columns; at most %(limit)d are accepted.") % params
    if code == "import_too_many_strings":
        return _("The file declares %(count)d texts; at most %(limit)d are accepted.") % params
    if code == "import_xml_doctype":
        return _("The file contains an XML document type declaration, which spreadsheets never need.")
    if code == "import_reader_memory":
        return _("Reading the file needed more than %(mb)s MB of memory; it was stopped.") % {
            "mb": _mb(params["limit"])
        }
    if code == "import_reader_time":
        return _("Reading the file took longer than %(seconds)d seconds; it was stopped.") % {
            "seconds": params["limit"]
        }
    return _("This is not an Excel .xlsx file (%(name)s).") % {"name": filename}


def refused(code: str, params: dict[str, Any], filename: str) -> SpreadsheetRefused:
    return SpreadsheetRefused(message_for(code, params, filename), code=code, field="file")


def _run_reader(content: bytes, limits: Limits) -> subprocess.CompletedProcess[bytes]:
    command = [sys.executable, "-I", "-m", "hocbaso.core.xlsx_reader", json.dumps(limits.as_dict())]
    return subprocess.run(command, input=content, capture_output=True, timeout=limits.wall_seconds, check=False)


def read_first_sheet(content: bytes, *, filename: str, limits: Limits) -> list[list[Any]]:
    """The first sheet's rows as calamine returns them, or ``SpreadsheetRefused`` (nothing else).

    Codes: those of ``xlsx_limits`` plus ``import_reader_memory`` (the reader died, most often
    of the memory cap) and ``import_reader_time`` (processor time or wall clock ran out).
    """
    try:
        check_archive(content, limits)
        try:
            done = _run_reader(content, limits)
        except subprocess.TimeoutExpired:  # subprocess.run has killed it
            raise Refusal("import_reader_time", limit=limits.wall_seconds) from None
        if done.returncode != 0:
            if done.returncode == -signal.SIGXCPU:  # the processor-time cap
                raise Refusal("import_reader_time", limit=limits.cpu_seconds)
            raise Refusal("import_reader_memory", limit=limits.memory_bytes)
        try:
            answer = json.loads(done.stdout)
        except ValueError:  # cut short: the reader did not finish its answer
            raise Refusal("import_reader_memory", limit=limits.memory_bytes) from None
        if "refused" in answer:
            raise Refusal(answer["refused"], **answer["params"])
    except Refusal as refusal:
        raise refused(refusal.code, refusal.params, filename) from None
    return [[decode(value) for value in row] for row in answer["rows"]]
