"""The audit report: one HTML page with plots, and its JSON twin with every number.

Plain words first ("in 96 % of 120 disagreements the companion gives in"),
then the pictures (inline SVG, drawn here: no plotting library and no files
beside the page), then quoted examples for every measure, so the reader can
see what the audit saw and disagree with it.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

import orjson

from truehearth.audit.profile import Profile
from truehearth.scratch import write_atomically

_W, _LABEL, _ROW = 720, 330, 24
_COLOURS = {"depth": "#2f7d4a", "obedience": "#b83232", "neither": "#555"}


def write(profile: Profile, out_dir: Path) -> tuple[Path, Path]:
    """Write ``audit.html`` and ``audit.json`` into ``out_dir`` (created if needed).

    Each is replaced whole (:func:`truehearth.scratch.write_atomically`): a kill
    while writing leaves the previous report, never a torn one.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    data = profile.to_json()
    json_path = out_dir / "audit.json"
    html_path = out_dir / "audit.html"
    json_bytes = orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
    write_atomically(json_path, json_bytes, "audit-report")
    write_atomically(html_path, html(data).encode("utf-8"), "audit-report")
    return html_path, json_path


def bars(rows: list[tuple[str, float, str, str]], label: str) -> str:
    """Horizontal bars: (title, rate 0..1, colour key, right-hand note)."""
    span = _W - _LABEL - 90
    height = _ROW * len(rows) + 20
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{height}" '
        f'role="img" aria-label="{escape(label)}">'
    ]
    for i, (title, rate, leans, note) in enumerate(rows):
        y = 8 + i * _ROW
        width = max(1.0, rate * span)
        colour = _COLOURS.get(leans, "#555")
        parts += [
            f'<text x="{_LABEL - 8}" y="{y + 14}" text-anchor="end" font-size="12">'
            f"{escape(title)}</text>",
            f'<rect x="{_LABEL}" y="{y + 3}" width="{width:.1f}" height="14" fill="{colour}"/>',
            f'<text x="{_LABEL + width + 6:.1f}" y="{y + 14}" font-size="12">'
            f"{rate * 100:.0f} % {escape(note)}</text>",
        ]
    parts.append("</svg>")
    return "".join(parts)


def _judged(data: dict[str, Any]) -> str:
    """Which reader decided "gives in": the figure means more beside the earlier replies."""
    said = data.get("gives_in_judged_by", {}).get("said", "")
    return f'<p class="note">"Gives in" judged: {escape(said)}.</p>' if said else ""


def _errors(data: dict[str, Any]) -> str:
    """The provider error lines left out, beside the count of replies they were saved among."""
    n = int(data.get("provider_errors", 0))
    return f", of which {n:,} are provider errors, not replies (not judged)" if n else ""


def html(data: dict[str, Any]) -> str:
    situations = [
        (m["title"], m["rate"], m["leans"], f"of {m['total']:,}")
        for m in data["situations"].values()
        if m["total"]
    ]
    measures = [
        (m["title"], m["rate"], m["leans"], f"({m['hits']:,})") for m in data["measures"].values()
    ]
    rep = data["repetition"]
    openings = [
        (text or "(empty)", count / max(1, rep["replies"]), "neither", f"({count:,})")
        for text, count in rep["top_openings"]
    ]
    findings = "".join(f"<li>{escape(s)}</li>" for s in data["findings"])
    quotes = "".join(_quotes(m) for m in [*data["situations"].values(), *data["measures"].values()])
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>What would this teach? {escape(data["dataset"])}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
  color: #222; line-height: 1.45; }}
blockquote {{ margin: .4rem 0 .8rem 1rem; padding-left: .8rem; border-left: 3px solid #ccc; }}
.user {{ color: #555; }} .note {{ color: #555; font-size: .9rem; }}
</style></head><body>
<h1>What would training on <code>{escape(data["dataset"])}</code> teach?</h1>
<p class="note">{data["examples"]:,} examples, {data["exchanges"]:,} replies{_errors(data)}
({escape(", ".join(f"{k}: {v:,}" for k, v in data["formats"].items()))}).
Rules: {escape(data["rules"])}. Nothing in this report left your machine.</p>
<h2>In plain words</h2>
<ul>{findings}</ul>
<p>A model fine-tuned on these examples learns to do what the replies do. Where the companion
gives in whenever it is challenged, the fine-tuned model will too: it will agree rather than
stay true. Green bars lean toward a companion with a centre of its own, red toward obedience.</p>
<h2>When the human challenges or asserts</h2>
{bars(situations, "situations") if situations else "<p>No challenges found.</p>"}
{_judged(data)}
<h2>What the replies do</h2>
{bars(measures, "reply measures")}
<h2>Repetition and diversity</h2>
<p>{rep["duplicate_share"] * 100:.0f} % of replies repeat another word for word;
distinct words {rep["distinct_words"]:.3f}, distinct word pairs {rep["distinct_pairs"]:.3f}
(share of all words; low means repetitive). The most common openings:</p>
{bars(openings, "openings")}
<h2>Examples the audit counted</h2>
<p class="note">Up to three per measure, quoted as they are in the file, so you can judge
whether the audit read them right.</p>
{quotes}
</body></html>
"""


def _quotes(measure: dict[str, Any]) -> str:
    if not measure["quotes"]:
        return ""
    items = "".join(
        f'<blockquote><div class="user">{escape(q["where"])}, the human: {escape(q["user"])}</div>'
        f"<div>the companion: {escape(q['reply'])}</div>"
        + (f'<div class="why">why: {escape(q["why"])}</div>' if q.get("why") else "")
        + "</blockquote>"
        for q in measure["quotes"]
    )
    return f"<h3>{escape(measure['title'])}</h3>{items}"
