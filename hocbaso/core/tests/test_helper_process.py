"""A helper process ends with the process that started it, also in the middle of a job: a web
worker killed for its request timeout while its helper reviews a hostile file must not leave the
helper computing on (``core.helper_process.exit_with_parent``)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import hocbaso

ROOT = Path(hocbaso.__file__).resolve().parent.parent

# A worker whose one job never ends (a busy loop, as a long review would be).
ENDLESS_WORKER = """
import sys
from hocbaso.core.helper_process import exit_with_parent, read_frame
exit_with_parent(sys.argv)
read_frame(sys.stdin.buffer)
while True:
    pass
"""

# A verifying process: its second job starts the helper (the warm-up), and it waits to be killed.
PARENT = """
import sys
from pathlib import Path
from hocbaso.core import helper_process
helper = helper_process.Helper("endless", Path(sys.argv[1]), lambda: True)
for _ in range(2):
    helper_process.Job(helper).start(lambda: "job")
print(helper.running.process.pid, flush=True)
sys.stdin.read()
"""


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for its new parent to reap it does not)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def _gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        os.sched_yield()
    return not _alive(pid)


def test_a_helper_busy_with_a_job_ends_when_its_parent_is_killed(tmp_path: Path) -> None:
    worker = tmp_path / "endless_worker.py"
    worker.write_text(ENDLESS_WORKER)
    command = [sys.executable, "-c", PARENT, str(worker)]
    with subprocess.Popen(command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE) as parent:
        try:
            assert parent.stdout is not None
            helper = int(parent.stdout.readline())
            assert _alive(helper)
            assert not _gone_within(helper, 0.2)  # busy with its job while the parent lives
        finally:
            parent.kill()
    assert _gone_within(helper, 10)
