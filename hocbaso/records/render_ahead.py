"""A record's first revision rendered on another core while the caller does something else.

Verification re-renders the embedded XML with Typst and compares the bytes with the signed file's
first revision. Typst's compile (most of the re-render) holds the GIL, so a thread does not overlap
it with the signature checks; a helper process does. :func:`first_revision` starts the render in
this process's helper (``typst_worker.py`` run as a script: Typst only, no Django) and returns a
:class:`Pending` whose ``result()`` is exactly ``rendering.first_revision(xml, data)``: the helper
compiles what ``rendering.typst_job`` prepared here, through ``typst_worker``'s very functions, with
the same template, root, fonts, inputs and date. So the comparison is the same comparison; only
where the Typst compile runs changes.

Contracts:

- The result never depends on the helper. Whenever it is not there, not ready, busy with another
  thread's render, or fails in any way (an error from Typst, a crash, a broken pipe), the render
  is done in the calling process, which raises what ``rendering.first_revision`` raises. A helper
  that failed is stopped and not started again in this process (logged once).
- The helper is started by the second render a process asks for (a one-off command that verifies
  one file never starts it) and is used once its first job, a warm-up that loads Typst's fonts, is
  done; until then renders stay in-process. It serves one job at a time and ends when this process
  closes the pipe (or exits).
- ``HOCBASO_RENDER_HELPER=0`` (``settings.HOCBASO_RENDER_HELPER``), or a machine with one core,
  turns it off: every render in-process.
- Use as a context manager (``with first_revision(xml, data) as pending: ...``): leaving it
  without ``result()`` leaves the answer to be discarded by the next job.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import select
import subprocess
import sys
import threading
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from django.conf import settings

from hocbaso.records import rendering, typst_worker

logger = logging.getLogger(__name__)

_WORKER = Path(typst_worker.__file__)


class _Helper:
    """The helper process and the state of its one job at a time. ``owner``: the Pending whose
    answer is awaited (None: none awaited; the answer of an abandoned job or of the warm-up is
    still to be read and discarded when ``unread``)."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(  # this interpreter, our own worker file
            [sys.executable, "-I", str(_WORKER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            close_fds=True,
        )
        self.pid = os.getpid()  # the process that started it (a fork must not share the pipes)
        self.ready = False
        self.unread = 0
        self.owner: Pending | None = None

    @property
    def requests(self) -> IO[bytes]:
        assert self.process.stdin is not None
        return self.process.stdin

    @property
    def answers(self) -> IO[bytes]:
        assert self.process.stdout is not None
        return self.process.stdout

    def drain(self, *, wait: bool) -> bool:
        """Read and discard answers nobody awaits; True when none is left. Without ``wait``, only
        what has already arrived (the helper writes each answer in one go)."""
        while self.unread:
            if not wait and not select.select([self.answers], [], [], 0)[0]:
                return False
            typst_worker.read_frame(self.answers)
            self.unread -= 1
            self.ready = True
        return True

    def send(self, job: tuple[Any, ...]) -> None:
        typst_worker.write_frame(self.requests, job)

    def stop(self) -> None:
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()
        self.process.kill()
        self.process.wait()


_lock = threading.Lock()
_state: dict[str, Any] = {"helper": None, "renders": 0, "broken": False}


def enabled() -> bool:
    """Whether renders may go to a helper here (the setting, and a second core)."""
    return bool(getattr(settings, "HOCBASO_RENDER_HELPER", True)) and (os.cpu_count() or 1) > 1


def _fail(helper: _Helper, exc: BaseException) -> None:
    """Stop a helper that failed; renders stay in-process from now on. Call with the lock held."""
    if _state["helper"] is helper:
        _state["helper"] = None
        _state["broken"] = True
        logger.warning("render helper stopped (%s: %s); rendering in-process", type(exc).__name__, exc)
    helper.owner = None
    with contextlib.suppress(OSError):
        helper.stop()


def _reserve(pending: Pending) -> tuple[_Helper | None, bool]:
    """The helper reserved for ``pending``'s job (its ``owner``), and whether the job is only the
    helper's warm-up (its answer discarded, the render done here); (None, False) when the render
    stays in-process. Starts the helper on the second render of the process. Call with the lock held."""
    _state["renders"] += 1
    helper: _Helper | None = _state["helper"]
    if helper is not None and helper.pid != os.getpid():  # forked: that helper is the parent's
        helper = _state["helper"] = None
    if helper is None:
        if _state["broken"] or _state["renders"] < 2 or not enabled():
            return None, False
        try:
            helper = _state["helper"] = _Helper()
            if not _state.get("atexit"):
                _state["atexit"] = atexit.register(stop)  # close the pipes and reap it before exit
        except OSError as exc:
            _state["broken"] = True
            logger.warning("render helper not started (%s); rendering in-process", exc)
            return None, False
    if helper.owner is not None:
        return None, False
    try:
        drained = helper.drain(wait=False)
    except (OSError, EOFError, ValueError) as exc:
        _fail(helper, exc)
        return None, False
    if not drained:
        return None, False
    helper.owner = pending
    return helper, not helper.ready


class Pending:
    """One first revision being rendered; ``result()`` gives its bytes (see the module)."""

    def __init__(self, xml_bytes: bytes, data: dict[str, Any] | None) -> None:
        self.xml_bytes, self.data = xml_bytes, data
        self.helper: _Helper | None = None
        self.where = "here"  # or "helper": where the bytes came from (for the tests)

    def _start(self) -> None:
        with _lock:
            helper, warm_up = _reserve(self)
        if helper is None:
            return
        try:
            template, inputs, timestamp = rendering.typst_job(self.xml_bytes, self.data)
        except Exception:  # the render here raises it again, as rendering.first_revision does
            with _lock:
                helper.owner = None
            return
        try:
            helper.send((str(template), str(rendering.TEMPLATE_DIR), inputs, timestamp, rendering.PDF_STANDARD))
        except (OSError, ValueError) as exc:
            with _lock:
                _fail(helper, exc)
            return
        if warm_up:  # its answer is discarded; this render is done here
            with _lock:
                helper.owner = None
                helper.unread += 1
        else:
            self.helper = helper

    def result(self) -> bytes:
        """``rendering.first_revision(xml, data)``: from the helper when it took the job and answers
        with a PDF, else rendered here (raising as that does)."""
        helper, self.helper = self.helper, None
        if helper is not None:
            try:
                kind, value, warnings = typst_worker.read_frame(helper.answers)
            except (OSError, EOFError, ValueError) as exc:
                with _lock:
                    _fail(helper, exc)
            else:
                with _lock:
                    helper.owner = None
                if kind == "pdf":
                    rendering.log_warnings(warnings)
                    self.where = "helper"
                    return bytes(value)
        return rendering.first_revision(self.xml_bytes, self.data)

    def __enter__(self) -> Pending:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        helper, self.helper = self.helper, None
        if helper is not None:  # not collected: the next job discards its answer
            with _lock:
                helper.owner = None
                helper.unread += 1


def first_revision(xml_bytes: bytes, data: dict[str, Any] | None = None) -> Pending:
    """Start rendering ``rendering.first_revision(xml_bytes, data)`` (``data``: the XML's
    ``parse_xml`` result) and return at once; ``result()`` gives the bytes."""
    pending = Pending(xml_bytes, data)
    pending._start()
    return pending


def wait_until_ready() -> bool:
    """Wait for the answers of the helper that nobody awaits (its warm-up, abandoned jobs); True
    when a helper is then ready for the next render. For the tests."""
    with _lock:
        helper: _Helper | None = _state["helper"]
        if helper is None or helper.owner is not None:
            return False
        try:
            helper.drain(wait=True)
        except (OSError, EOFError, ValueError) as exc:
            _fail(helper, exc)
            return False
        return helper.ready


def stop() -> None:
    """Stop this process's helper, if any, and forget any failure: the second render from now on
    starts a new one."""
    with _lock:
        helper, _state["helper"] = _state["helper"], None
        _state["renders"] = 0
        _state["broken"] = False
        if helper is not None and helper.pid == os.getpid():
            helper.stop()
