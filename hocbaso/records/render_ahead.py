"""A record's first revision rendered on another core while the caller does something else.

Verification re-renders the embedded XML with Typst and compares the bytes with the signed file's
first revision. Typst's compile (most of the re-render) holds the GIL, so a thread does not overlap
it with the signature checks; a helper process does. :func:`first_revision` starts the render in
this process's helper (``typst_worker.py`` run as a script: Typst only, no Django) and returns a
:class:`Pending` whose ``result()`` is exactly ``rendering.first_revision(xml, data)``: the helper
compiles what ``rendering.typst_job`` prepared here, through ``typst_worker``'s very functions, with
the same template, root, fonts, inputs and date. So the comparison is the same comparison; only
where the Typst compile runs changes.

Contracts (``core.helper_process``'s, for this helper):

- The result never depends on the helper. Whenever it is not there, not ready, busy with another
  thread's render, or fails in any way (an error from Typst, a crash, a broken pipe), the render
  is done in the calling process, which raises what ``rendering.first_revision`` raises. A helper
  that failed is stopped and not started again in this process (logged once).
- The helper is started by the second render a process asks for (a one-off command that verifies
  one file never starts it) and is used once its first job, a warm-up that loads Typst's fonts, is
  done; until then renders stay in-process.
- ``HOCBASO_RENDER_HELPER=0`` (``settings.HOCBASO_RENDER_HELPER``), or a machine with one core,
  turns it off: every render in-process.
- Use as a context manager (``with first_revision(xml, data) as pending: ...``): leaving it
  without ``result()`` leaves the answer to be discarded by the next job.
- A comparison needs no render at all when this deployment issued the record (the very same
  Typst job, compiled by ``rendering.render_pdf``): ``first_revision(..., digest_will_do=True)``
  starts nothing then, and ``begins(document)`` compares the length and SHA-256 issuance kept
  (``render_digests``, ADR 0024). A render here or in the helper keeps nothing.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from hocbaso.core import helper_process
from hocbaso.records import render_digests, rendering, typst_worker

HELPER = helper_process.Helper(
    "render", Path(typst_worker.__file__), helper_process.switched_on_by("HOCBASO_RENDER_HELPER")
)


class Pending(helper_process.Job):
    """One first revision being rendered; ``result()`` gives its bytes, ``begins(document)`` the
    comparison verification makes (see the module)."""

    def __init__(self, xml_bytes: bytes, data: dict[str, Any] | None) -> None:
        super().__init__(HELPER)
        self.xml_bytes, self.data = xml_bytes, data
        self.job: tuple[Path, dict[str, str], Any] | None = None  # None: typst_job raised, result() raises it again
        self.known: tuple[int, str] | None = None
        with contextlib.suppress(Exception):
            self.job = rendering.typst_job(xml_bytes, data)
            self.known = render_digests.recall(rendering.digest_key(*self.job))

    def _request(self) -> tuple[Any, ...]:
        if self.job is None:
            raise ValueError("no Typst job")  # nothing is sent: result() renders here and raises
        template, inputs, timestamp = self.job
        return (str(template), str(rendering.TEMPLATE_DIR), inputs, timestamp, rendering.PDF_STANDARD)

    def result(self) -> bytes:
        """``rendering.first_revision(xml, data)``: from the helper when it took the job and answers
        with a PDF, else rendered here (raising as that does)."""
        answer = self.answer()
        if answer is not None:
            kind, value, warnings = answer
            if kind == "pdf":
                rendering.log_warnings(warnings)
                return bytes(value)
        self.where = "here"
        if self.job is None:
            return rendering.first_revision(self.xml_bytes, self.data)  # raises what typst_job raised
        return rendering.compile_job(*self.job)[0]

    def begins(self, document: bytes) -> bool:
        """Whether ``document`` starts with ``result()``: by the length and SHA-256 issuance kept for
        this very Typst job (``render_digests``; then nothing is rendered), else by rendering.
        Raises what ``result()`` raises."""
        if self.known is not None:
            self.where = "digest"
            return render_digests.begins_with(document, self.known)
        return document.startswith(self.result())


def first_revision(xml_bytes: bytes, data: dict[str, Any] | None = None, *, digest_will_do: bool = False) -> Pending:
    """Start rendering ``rendering.first_revision(xml_bytes, data)`` (``data``: the XML's
    ``parse_xml`` result) and return at once; ``result()`` gives the bytes. ``digest_will_do``: the
    caller only calls ``begins()``, so nothing is started when the job's digest is known."""
    pending = Pending(xml_bytes, data)
    if not (digest_will_do and pending.known is not None):
        pending.start(pending._request)
    return pending


def wait_until_ready() -> bool:
    """Wait for the answers of the helper that nobody awaits (its warm-up, abandoned jobs); True
    when a helper is then ready for the next render. For the tests and the benchmarks."""
    return HELPER.wait_until_ready()


def stop() -> None:
    """Stop this process's render helper, if any, and forget any failure."""
    HELPER.stop()
