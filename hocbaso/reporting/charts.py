"""Charts as inline SVG, rendered on the server: no script, no external asset, readable printed
(dark strokes, every bar labelled with its number, patterns distinguishable in grey).

Each function returns safe markup with a ``<title>`` and ``role="img"`` for screen readers; the
same numbers are always in a table next to the chart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Colour-blind-safe, and distinct in grey when printed (light → dark).
RESULT_COLOURS = ("#1b7837", "#5aae61", "#a6dba0", "#c2185b")
ENTERED, ISSUED = "#2166ac", "#1b7837"
WIDTH = 640


def _svg(height: int, title: str, body: str) -> SafeString:
    return mark_safe(  # noqa: S308 — every text below went through escape()
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'role="img" aria-label="{escape(title)}" class="chart" font-family="sans-serif" font-size="12">'
        f"<title>{escape(title)}</title>{body}</svg>"
    )


def progress_bars(title: str, rows: Sequence[tuple[str, int, int]], legend: tuple[str, str]) -> SafeString:
    """Two bars per row (label, percent entered, percent issued), 0-100."""
    label_w, bar_w, row_h = 200, WIDTH - 200 - 50, 30
    parts = [
        f'<rect x="{label_w}" y="4" width="12" height="10" fill="{ENTERED}"/>'
        f'<text x="{label_w + 16}" y="13">{escape(legend[0])}</text>'
        f'<rect x="{label_w + 220}" y="4" width="12" height="10" fill="{ISSUED}"/>'
        f'<text x="{label_w + 236}" y="13">{escape(legend[1])}</text>'
    ]
    for index, (label, entered, issued) in enumerate(rows):
        y = 24 + index * row_h
        short = label if len(label) <= 30 else label[:29] + "…"
        parts.append(f'<text x="0" y="{y + 16}">{escape(short)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 2}" width="{bar_w}" height="24" fill="none" stroke="#555"/>')
        for offset, (value, colour) in enumerate(((entered, ENTERED), (issued, ISSUED))):
            width = round(bar_w * max(0, min(100, value)) / 100)
            parts.append(
                f'<rect x="{label_w}" y="{y + 3 + offset * 11}" width="{width}" height="10" fill="{colour}"/>'
                f'<text x="{label_w + bar_w + 4}" y="{y + 12 + offset * 11}" font-size="10">{value}%</text>'
            )
    return _svg(24 + max(1, len(rows)) * row_h + 4, title, "".join(parts))


def stacked_results(
    title: str, rows: Sequence[tuple[int, Sequence[int]]], labels: Sequence[str], grade_label: str
) -> SafeString:
    """One stacked bar per grade (HTXS, HTT, HT, CHT), each segment labelled with its count."""
    label_w, bar_w, row_h = 80, WIDTH - 80 - 10, 30
    parts = []
    for index, label in enumerate(labels):
        left = label_w + index * 110
        parts.append(
            f'<rect x="{left}" y="4" width="12" height="10" fill="{RESULT_COLOURS[index]}" stroke="#333"/>'
            f'<text x="{left + 16}" y="13">{escape(label)}</text>'
        )
    for row, (grade, values) in enumerate(rows):
        y = 24 + row * row_h
        parts.append(f'<text x="0" y="{y + 17}">{escape(grade_label)} {grade}</text>')
        total = sum(values) or 1
        x = float(label_w)
        for index, value in enumerate(values):
            width = bar_w * value / total
            if value:
                colour = RESULT_COLOURS[index]
                text_colour = "#000" if index in (1, 2) else "#fff"
                parts.append(
                    f'<rect x="{x:.1f}" y="{y + 2}" width="{width:.1f}" height="24" fill="{colour}" stroke="#333"/>'
                )
                if width >= 18:
                    centre = x + width / 2
                    parts.append(
                        f'<text x="{centre:.1f}" y="{y + 18}" text-anchor="middle" fill="{text_colour}">{value}</text>'
                    )
            x += width
    return _svg(24 + max(1, len(rows)) * row_h + 4, title, "".join(parts))


def backlog_line(title: str, series: Sequence[tuple[dt.date, int]], empty: str) -> SafeString:
    """Versions awaiting the school seal at the end of each day something changed (a step line)."""
    height, left, bottom, top = 220, 50, 30, 14
    if not series:
        return _svg(40, title, f'<text x="0" y="24">{escape(empty)}</text>')
    first, last = series[0][0], series[-1][0]
    span = max(1, (last - first).days)
    peak = max(1, max(value for _day, value in series))
    plot_w, plot_h = WIDTH - left - 20, height - bottom - top

    def xy(day: dt.date, value: int) -> tuple[float, float]:
        return left + plot_w * (day - first).days / span, top + plot_h * (1 - value / peak)

    points: list[str] = []
    previous: float | None = None
    for day, value in series:
        x, y = xy(day, value)
        if previous is not None:
            points.append(f"{x:.1f},{previous:.1f}")
        points.append(f"{x:.1f},{y:.1f}")
        previous = y
    parts = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#333"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#333"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end">{peak}</text>',
        f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end">0</text>',
        f'<text x="{left}" y="{height - 8}">{first.strftime("%d/%m/%Y")}</text>',
        f'<text x="{left + plot_w}" y="{height - 8}" text-anchor="end">{last.strftime("%d/%m/%Y")}</text>',
        f'<polyline points="{" ".join(points)}" fill="none" stroke="{ENTERED}" stroke-width="2.5"/>',
    ]
    end_x, end_y = xy(last, series[-1][1])
    parts.append(
        f'<text x="{end_x - 4:.1f}" y="{max(top + 10, end_y - 6):.1f}" text-anchor="end">{series[-1][1]}</text>'
    )
    return _svg(height, title, "".join(parts))
