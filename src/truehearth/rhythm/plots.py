"""Rhythm's pictures, drawn as inline SVG on the spot (no plotting library, no files)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from truehearth.rhythm.usage import Rhythm

_H = 120


def columns(values: Sequence[float], labels: Sequence[str], title: str, every: int = 1) -> str:
    """Vertical bars with a label under every ``every``-th bar."""
    step = max(8, min(28, 640 // max(1, len(values))))
    width = step * len(values) + 10
    top = max(values) if values else 0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{_H + 34}" '
        f'role="img" aria-label="{escape(title)}">'
    ]
    for i, value in enumerate(values):
        h = (value / top * _H) if top else 0
        x = 5 + i * step
        parts.append(
            f'<rect x="{x}" y="{_H - h + 4:.1f}" width="{step - 2}" height="{h:.1f}" '
            f'fill="#3b6ea5"><title>{escape(labels[i])}: {value:g}</title></rect>'
        )
        if i % every == 0:
            parts.append(f'<text x="{x}" y="{_H + 20}" font-size="10">{escape(labels[i])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def charts(rhythm: Rhythm) -> dict[str, str]:
    """The three pictures the UI shows: days, hours, weeks."""
    days = columns(
        [n for _, n, _ in rhythm.days],
        [d.strftime("%d %b") for d, _, _ in rhythm.days],
        "sessions per day",
        every=7,
    )
    hours = columns(rhythm.hours, [f"{h:02d}" for h in range(24)], "messages by hour", every=3)
    weeks = columns(
        [round(w.minutes) for w in rhythm.weeks],
        [w.start.strftime("%d %b") for w in rhythm.weeks],
        "minutes per week",
    )
    return {"days": days, "hours": hours, "weeks": weeks}
