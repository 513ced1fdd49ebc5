"""Plots for the report, drawn as inline SVG: no plotting library, no files beside the HTML.

Two pictures: each dimension's pass rate with its 95% interval, and each
reply's closeness to the verified voice against the on-voice threshold.
The numbers are in the JSON twin; the SVG only makes them visible.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from truehearth.continuity.verdict import DimensionScore

_W, _LABEL, _ROW = 640, 250, 26


def dimension_chart(dims: Sequence[DimensionScore]) -> str:
    """Horizontal bars (pass rate) with whiskers (95% Wilson interval)."""
    span = _W - _LABEL - 60
    height = _ROW * len(dims) + 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{height}" '
        f'role="img" aria-label="pass rate per dimension">'
    ]
    for i, d in enumerate(dims):
        y = 10 + i * _ROW
        colour = "#2f7d4a" if d.rate == 1 else ("#b7791f" if d.rate >= 0.75 else "#b83232")
        bar = max(1.0, d.rate * span)
        lo, hi = _LABEL + d.low * span, _LABEL + d.high * span
        parts += [
            f'<text x="{_LABEL - 8}" y="{y + 15}" text-anchor="end" font-size="12">'
            f"{escape(d.title)}</text>",
            f'<rect x="{_LABEL}" y="{y + 4}" width="{bar:.1f}" height="14" fill="{colour}"/>',
            f'<line x1="{lo:.1f}" x2="{hi:.1f}" y1="{y + 11}" y2="{y + 11}" stroke="#222"/>',
            f'<line x1="{lo:.1f}" x2="{lo:.1f}" y1="{y + 6}" y2="{y + 16}" stroke="#222"/>',
            f'<line x1="{hi:.1f}" x2="{hi:.1f}" y1="{y + 6}" y2="{y + 16}" stroke="#222"/>',
            f'<text x="{_LABEL + span + 8}" y="{y + 15}" font-size="12">'
            f"{d.passed}/{d.total}</text>",
        ]
    axis_y = height - 14
    parts.append(
        f'<line x1="{_LABEL}" x2="{_LABEL + span}" y1="{axis_y}" y2="{axis_y}" stroke="#888"/>'
    )
    for tick in (0, 0.25, 0.5, 0.75, 1):
        x = _LABEL + tick * span
        parts.append(
            f'<text x="{x:.1f}" y="{axis_y + 12}" font-size="10" text-anchor="middle">'
            f"{tick:.0%}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def voice_chart(values: Sequence[tuple[str, float]], threshold: float | None) -> str:
    """One dot per reply: similarity to the verified voice (x), threshold as a line."""
    height = 90
    span = _W - 80
    if not values:
        return ""
    low = min(0.0, *(v for _, v in values))
    high = max(1.0, *(v for _, v in values))

    def x(v: float) -> float:
        return 40 + (v - low) / (high - low) * span

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{height}" '
        f'role="img" aria-label="similarity of each reply to the verified voice">'
    ]
    for i, (label, v) in enumerate(values):
        jitter = 20 + (i * 7) % 30
        parts.append(
            f'<circle cx="{x(v):.1f}" cy="{jitter}" r="4" fill="#3b5b92" fill-opacity="0.6">'
            f"<title>{escape(label)}: {v:.2f}</title></circle>"
        )
    if threshold is not None:
        t = x(threshold)
        parts += [
            f'<line x1="{t:.1f}" x2="{t:.1f}" y1="10" y2="60" stroke="#b83232" '
            'stroke-dasharray="4 3"/>',
            f'<text x="{t + 4:.1f}" y="18" font-size="10" fill="#b83232">on-voice threshold '
            f"{threshold:.2f}</text>",
        ]
    parts.append(f'<line x1="40" x2="{40 + span}" y1="66" y2="66" stroke="#888"/>')
    for tick in (low, (low + high) / 2, high):
        parts.append(
            f'<text x="{x(tick):.1f}" y="80" font-size="10" text-anchor="middle">{tick:.2f}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def drift_chart(series: dict[str, list[tuple[str, float]]]) -> str:
    """One line per mouth: similarity of its check replies to the verified voice, over checks."""
    height, left, span = 220, 50, _W - 120
    points = [v for rows in series.values() for _, v in rows]
    if not points:
        return ""
    low, high = min(0.0, *points), max(1.0, *points)
    longest = max(len(rows) for rows in series.values())
    colours = ("#3b5b92", "#b83232", "#2f7d4a", "#b7791f", "#6b4c9a")

    def xy(i: int, v: float) -> tuple[float, float]:
        x = left + (i / max(1, longest - 1)) * span
        return x, 180 - (v - low) / (high - low) * 160

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{height}" '
        'role="img" aria-label="voice similarity per check, per mouth">',
        f'<line x1="{left}" x2="{left}" y1="20" y2="180" stroke="#888"/>',
        f'<line x1="{left}" x2="{left + span}" y1="180" y2="180" stroke="#888"/>',
        f'<text x="4" y="24" font-size="10">{high:.2f}</text>',
        f'<text x="4" y="180" font-size="10">{low:.2f}</text>',
    ]
    for n, (mouth, rows) in enumerate(sorted(series.items())):
        colour = colours[n % len(colours)]
        coords = [xy(i, v) for i, (_, v) in enumerate(rows)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for (x, y), (label, v) in zip(coords, rows, strict=True):
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
                f"<title>{escape(mouth)} {escape(label)}: {v:.2f}</title></circle>"
            )
        parts.append(
            f'<text x="{left + span + 6}" y="{30 + 14 * n}" font-size="11" fill="{colour}">'
            f"{escape(mouth)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
