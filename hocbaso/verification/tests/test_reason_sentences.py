"""Every reason code a check can give has its sentence in the one table (``core.MESSAGES``): a code
without one would reach the page, the API and the command as a raw English identifier."""

from __future__ import annotations

import re
from pathlib import Path

from hocbaso.verification import core

ROOT = Path(core.__file__).resolve().parents[1]
# Check("name", "status", "code" …): the literal reason codes the production code writes.
CHECK = re.compile(r'Check\(\s*(?:"[a-z_]+"|name),\s*"[a-z_]+",\s*"([a-z_]+)"')


def test_every_literal_reason_code_has_a_sentence() -> None:
    found: dict[str, str] = {}
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts:
            continue
        for code in CHECK.findall(path.read_text(encoding="utf-8")):
            found.setdefault(code, str(path.relative_to(ROOT)))
    assert len(found) > 30  # the pattern still finds the checks
    missing = {code: where for code, where in found.items() if code not in core.MESSAGES}
    assert not missing, f"reason codes without a sentence in verification/core.py MESSAGES: {missing}"
