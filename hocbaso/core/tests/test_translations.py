"""The Vietnamese catalogue covers every interface string: none missing, none fuzzy."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
CATALOGUE = ROOT / "locale" / "vi" / "LC_MESSAGES" / "django.po"


def _entries(po_text: str) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) for each entry, joining continued lines; plurals use msgstr[0]."""
    import polib  # type: ignore[import-not-found]

    return [
        (e.msgid, e.msgstr or (e.msgstr_plural.get(0, "") if e.msgid_plural else ""), "fuzzy" in e.flags)
        for e in polib.pofile(po_text)
        if not e.obsolete and e.msgid
    ]


def test_catalogue_is_complete(tmp_path: Path) -> None:
    """Extract the current strings (as `make messages` does) and compare with the catalogue."""
    assert shutil.which("xgettext"), "gettext is required (installed by scripts/system-packages.sh)"
    work = tmp_path / "tree"
    shutil.copytree(
        ROOT, work, ignore=shutil.ignore_patterns(".venv", "var", ".git", "node_modules", "__pycache__", "*.egg-info")
    )
    manage = [str(ROOT / ".venv" / "bin" / "python"), "manage.py"]
    subprocess.run(
        [*manage, "makemessages", "--locale", "vi", "--no-obsolete", "--ignore", "var/*", "--ignore", ".venv/*"],
        cwd=work,
        check=True,
        capture_output=True,
        env={"HOCBASO_SECRET_KEY": "x", "PATH": "/usr/bin:/bin", "HOCBASO_VAR_DIR": str(tmp_path / "var")},
    )
    entries = _entries(str(work / "locale" / "vi" / "LC_MESSAGES" / "django.po"))
    untranslated = [msgid for msgid, msgstr, _fuzzy in entries if not msgstr]
    fuzzy = [msgid for msgid, _msgstr, is_fuzzy in entries if is_fuzzy]
    assert not untranslated, f"{len(untranslated)} untranslated: {untranslated[:20]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy: {fuzzy[:20]}"
