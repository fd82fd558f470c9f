"""axe-core in the browser tests: inject the vendored axe.min.js (vendor/README.md) into a
Playwright page and fail on any serious or critical violation of the WCAG 2.1 A/AA rules and
axe's best practices. The script is evaluated through the DevTools protocol, so the page's
Content-Security-Policy (own scripts only) does not stop it and nothing is loaded from a CDN."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
SEVERE = ("serious", "critical")


@cache
def _script() -> str:
    return (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")


def serious_violations(page: Any) -> list[str]:
    """Every serious or critical violation on the page as it is now: "rule: selector, selector"."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_script())
    found = page.evaluate(
        """async ([tags, severe]) => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return result.violations
                .filter(v => severe.includes(v.impact))
                .map(v => v.id + ' (' + v.impact + '): ' + v.help + ' — '
                     + v.nodes.map(n => n.target.join(' ')).join(', '));
        }""",
        [TAGS, list(SEVERE)],
    )
    return list(found)


def assert_accessible(page: Any, where: str = "") -> None:
    """Fail with the list of serious and critical violations found on ``page``."""
    found = serious_violations(page)
    assert not found, f"axe-core on {where or page.url}:\n" + "\n".join(found)


def scroll_width(page: Any) -> int:
    """The document's scroll width in CSS pixels (more than the viewport means horizontal overflow)."""
    return int(page.evaluate("() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"))
