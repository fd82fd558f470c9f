"""The Typst compile of a record's first revision, shared by the renderer and its helper process.

``new_compiler`` and ``compile_pdf`` are the only way the project builds a record's Typst output:
``rendering`` calls them in-process, and ``render_ahead`` runs this file as a helper process
(``python typst_worker.py``) that calls the very same two functions, so both give the same bytes.

Run as a script, it serves jobs on its standard input and output, one at a time, until its input
closes, in ``core.helper_process``'s frames (both ends are this project's own code over an
anonymous pipe). A job is ``(template, root, inputs, timestamp, standard)``; the
answer is ``("pdf", bytes, [warning messages])`` or ``("error", "<class>: <message>", [])``.
This module imports Typst, the standard library and ``core.helper_process`` only (the helper
starts without Django).
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import IO, Any

import typst

from hocbaso.core.helper_process import exit_with_parent, read_frame, write_frame


def new_compiler(template: str, root: str) -> typst.Compiler:
    """A Typst compiler of ``template`` with files under ``root`` and Typst's embedded fonts only
    (never the machine's: the output must not depend on what is installed)."""
    return typst.Compiler(template, root=root, ignore_system_fonts=True)


def compile_pdf(
    compiler: typst.Compiler, inputs: dict[str, str], timestamp: dt.datetime, standard: str | None
) -> tuple[bytes, list[str]]:
    """The PDF of ``compiler``'s template with ``sys.inputs`` = ``inputs`` and the document date
    ``timestamp``, to ``standard`` (e.g. ``a-3b``; None: Typst's plain PDF), and Typst's warnings.
    Raises ``typst.TypstError`` as Typst does."""
    options: dict[str, Any] = {"sys_inputs": inputs, "timestamp": timestamp}
    if standard is not None:
        options["pdf_standards"] = [standard]  # a-3b for records, 2.0 for booklets
    pdf, warnings = compiler.compile_with_warnings(format="pdf", **options)
    assert isinstance(pdf, bytes)
    return pdf, [warning.message for warning in warnings]


def serve(requests: IO[bytes], answers: IO[bytes]) -> None:
    """Answer jobs until ``requests`` ends; one compiler per (template, root), kept warm."""
    compilers: dict[tuple[str, str], typst.Compiler] = {}
    while True:
        try:
            template, root, inputs, timestamp, standard = read_frame(requests)
        except EOFError:
            return
        try:
            compiler = compilers.get((template, root))
            if compiler is None:
                compiler = compilers[(template, root)] = new_compiler(template, root)
            pdf, warnings = compile_pdf(compiler, inputs, timestamp, standard)
            answer: tuple[str, Any, list[str]] = ("pdf", pdf, warnings)
        except Exception as exc:  # the parent renders in-process instead, and raises there
            answer = ("error", f"{type(exc).__name__}: {exc}", [])
        write_frame(answers, answer)


if __name__ == "__main__":
    exit_with_parent(sys.argv)
    serve(sys.stdin.buffer, sys.stdout.buffer)
