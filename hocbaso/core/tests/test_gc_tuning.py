"""The web entry point and the operators' command tune the garbage collector (see gc_tuning)."""

from __future__ import annotations

import gc
import os
import subprocess
import sys

import pytest

from hocbaso.core import gc_tuning


@pytest.mark.parametrize(
    "entry",
    [
        "import config.wsgi",
        "import sys; from hocbaso.cli import main; sys.argv=['hocbaso', 'check']; main()",
    ],
)
def test_entry_points_raise_the_first_generation_threshold(entry: str) -> None:
    script = f"{entry}\nimport gc\nprint(gc.get_threshold()[0], gc.get_freeze_count() > 0)"
    env = {**os.environ, "HOCBASO_DEMO": "1"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, env=env).stdout
    assert out.split()[-2:] == [str(gc_tuning.GEN0_THRESHOLD), "True"]


def test_tune_keeps_the_older_generations_thresholds() -> None:
    before = gc.get_threshold()
    try:
        gc_tuning.tune()
        assert gc.get_threshold() == (gc_tuning.GEN0_THRESHOLD, before[1], before[2])
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
