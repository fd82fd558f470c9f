"""Work handed to a helper process on another core while the caller does something else.

Verification has two pieces of CPU work that do not need each other until the end: the re-render of
the embedded XML (``records.render_ahead``, ADR 0022) and pyHanko's difference analysis of the
signed revisions (``verification.diff_ahead``, ADR 0023). Both hold the GIL, so a thread would not
overlap them with the rest; a helper process does. A :class:`Helper` is one kind of helper: a worker
script run as ``python -I script`` (this interpreter, our own file; it imports no Django) that
answers one job at a time, in frames (:func:`write_frame`, :func:`read_frame`) over its standard
input and output, until its input closes.

Contracts, for every kind:

- The caller's result never depends on the helper. :meth:`Job.answer` is None whenever the helper
  is off, not started yet, warming up, busy with another thread's job, or failed in any way (a
  crash, a broken pipe, a truncated frame); the caller then does the work itself, exactly as it
  would without a helper. A helper that failed is stopped and not started again in this process
  (logged once), until :meth:`Helper.stop`.
- A helper is started by the second job a process asks for (a one-off command that verifies one
  file never starts one) and is used once its first job, a warm-up whose answer is discarded (the
  caller does that job itself), is answered. It serves one job at a time.
- A process that forked never uses its parent's helper (the pipes are the parent's): it starts
  its own.
- Use a :class:`Job` as a context manager: leaving it without reading the answer leaves the
  answer to be read and discarded before the helper's next job.
- A helper ends with its parent (:func:`exit_with_parent`), also in the middle of a job.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import pickle
import select
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

logger = logging.getLogger(__name__)

_HEADER = struct.Struct(">Q")


def write_frame(stream: IO[bytes], value: Any) -> None:
    """Send ``value`` as one frame: an 8-byte big-endian length, then its pickle."""
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def read_frame(stream: IO[bytes]) -> Any:
    """The next frame's value; EOFError when the stream ends (between or inside a frame)."""
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError
    (size,) = _HEADER.unpack(header)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)  # noqa: S301 - the parent process and its own worker, over their own pipe


_BROKEN = (OSError, EOFError, ValueError, pickle.UnpicklingError)
_PARENT_CHECK_SECONDS = 0.5


def exit_with_parent(argv: list[str]) -> None:
    """In a worker (``argv``: its ``sys.argv``, the parent's pid last): end this process within half a
    second of its parent's end, even in the middle of a job. A web worker killed for its request
    timeout while its helper reviews a hostile file must not leave the helper computing on; an idle
    helper also ends when its input closes. A daemon thread watches ``os.getppid()`` (a process
    whose parent ended is given another parent)."""
    parent = int(argv[-1])

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(_PARENT_CHECK_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


class _Process:
    """A running helper and the state of its one job at a time. ``owner``: the job whose answer is
    awaited (None: none awaited; ``unread`` answers of abandoned jobs or of the warm-up are still
    to be read and discarded)."""

    def __init__(self, worker: Path) -> None:
        self.process = subprocess.Popen(  # this interpreter, our own worker file, told who its parent is
            [sys.executable, "-I", str(worker), str(os.getpid())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            close_fds=True,
        )
        self.pid = os.getpid()  # the process that started it (a fork must not share the pipes)
        self.ready = False
        self.unread = 0
        self.owner: Job | None = None

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
        what has already arrived (the worker writes each answer in one go)."""
        while self.unread:
            if not wait and not select.select([self.answers], [], [], 0)[0]:
                return False
            read_frame(self.answers)
            self.unread -= 1
            self.ready = True
        return True

    def stop(self) -> None:
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()
        self.process.kill()
        self.process.wait()


def switched_on_by(setting: str) -> Callable[[], bool]:
    """A kind's ``enabled``: the Django setting ``setting`` (default on) and a second core (a helper
    on a single core only takes turns with its parent)."""

    def enabled() -> bool:
        from django.conf import settings  # here: the workers import this module without Django

        return bool(getattr(settings, setting, True)) and (os.cpu_count() or 1) > 1

    return enabled


class Helper:
    """One kind of helper in this process (at most one running process of it): ``worker``, the
    script; ``enabled()``, whether jobs may go to it (checked when it would start)."""

    def __init__(self, name: str, worker: Path, enabled: Callable[[], bool]) -> None:
        self.name, self.worker, self.enabled = name, worker, enabled
        self.lock = threading.Lock()
        self.running: _Process | None = None
        self.jobs = 0
        self.broken = False
        self._atexit = False

    def fail(self, running: _Process, exc: BaseException) -> None:
        """Stop a helper that failed; jobs stay with the callers from now on. Lock held."""
        if self.running is running:
            self.running = None
            self.broken = True
            logger.warning("%s helper stopped (%s: %s); working in-process", self.name, type(exc).__name__, exc)
        running.owner = None
        with contextlib.suppress(OSError):
            running.stop()

    def reserve(self, job: Job) -> tuple[_Process | None, bool]:
        """The process reserved for ``job`` (its ``owner``), and whether the job is only its warm-up
        (answer discarded, the work done by the caller); (None, False) when the caller does the work.
        Starts the process at the second job. Lock held."""
        self.jobs += 1
        running = self.running
        if running is not None and running.pid != os.getpid():  # forked: that helper is the parent's
            running = self.running = None
        if running is None:
            if self.broken or self.jobs < 2 or not self.enabled():
                return None, False
            try:
                running = self.running = _Process(self.worker)
            except OSError as exc:
                self.broken = True
                logger.warning("%s helper not started (%s); working in-process", self.name, exc)
                return None, False
            if not self._atexit:
                self._atexit = True
                atexit.register(self.stop)  # close the pipes and reap it before exit
        if running.owner is not None:
            return None, False
        try:
            drained = running.drain(wait=False)
        except _BROKEN as exc:
            self.fail(running, exc)
            return None, False
        if not drained:
            return None, False
        running.owner = job
        return running, not running.ready

    def wait_until_ready(self) -> bool:
        """Wait for the answers nobody awaits (the warm-up, abandoned jobs); True when a helper is
        then ready for the next job. For the tests and the benchmarks."""
        with self.lock:
            running = self.running
            if running is None or running.owner is not None:
                return False
            try:
                running.drain(wait=True)
            except _BROKEN as exc:
                self.fail(running, exc)
                return False
            return running.ready

    def stop(self) -> None:
        """Stop this process's helper, if any, and forget any failure: the second job from now on
        starts a new one."""
        with self.lock:
            running, self.running = self.running, None
            self.jobs = 0
            self.broken = False
            if running is not None and running.pid == os.getpid():
                running.stop()


class Job:
    """One job for ``helper``: :meth:`start` sends it (when the helper takes it), :meth:`answer`
    reads the helper's answer. ``where``: ``"helper"`` once an answer was read, else ``"here"``."""

    def __init__(self, helper: Helper) -> None:
        self.helper = helper
        self.running: _Process | None = None
        self.where = "here"

    def start(self, request: Callable[[], Any]) -> None:
        """Send ``request()`` to the helper if it takes the job; a ``request()`` that raises sends
        nothing (the caller's own work raises it again)."""
        helper = self.helper
        with helper.lock:
            running, warm_up = helper.reserve(self)
        if running is None:
            return
        try:
            message = request()
        except Exception:
            with helper.lock:
                running.owner = None
            return
        try:
            write_frame(running.requests, message)
        except _BROKEN as exc:
            with helper.lock:
                helper.fail(running, exc)
            return
        with helper.lock:
            if warm_up:  # its answer is discarded; the caller does this job
                running.owner = None
                running.unread += 1
            else:
                self.running = running

    def answer(self) -> Any | None:
        """The helper's answer (waiting for it), or None when the helper did not take the job or
        failed (then stopped). Once per job."""
        running, self.running = self.running, None
        if running is None:
            return None
        helper = self.helper
        try:
            value = read_frame(running.answers)
        except _BROKEN as exc:
            with helper.lock:
                helper.fail(running, exc)
            return None
        with helper.lock:
            running.owner = None
        self.where = "helper"
        return value

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        running, self.running = self.running, None
        if running is not None:  # not collected: the next job discards its answer
            with self.helper.lock:
                running.owner = None
                running.unread += 1
