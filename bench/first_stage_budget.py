"""How the false-flag budget is shared between the detector's first stage and its second.

    TRUEHEARTH_EXT_DATA=DIR PYTHONPATH=src:bench .venv/bin/python bench/first_stage_budget.py \\
        --targets 0.003,0.002,0.0015,0.001          # tune only
    ... --targets 0.003,<chosen> --test                # then test, once

Every chat source's tune split may be flagged at most 0.4 % (first and second stage
together, :data:`train_injection_meaning.TOTAL_FALSE_FLAGS`). The classifier's threshold is
chosen to flag at most :data:`train_injection.TARGET_FALSE_FLAGS` (0.3 %) of each chat
source's tune texts that the rules leave, so on RealMem the first stage alone takes 10 of
the 11 flags the cap allows, and the head may add one: it cannot take more attacks.

This bench raises the classifier's threshold (a lower target; its weights unchanged, so
the focus spans and the head's fit are unchanged too) and re-chooses the grey zone and the
head's threshold by the head's own rules, then reports each chat source's false flags and
each attack source's catch rate, first stage and both stages, per target, on tune; with
``--test`` also on test (read once, after the target was chosen on tune).
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import numpy as np

import train_injection as first
import train_injection_meaning as second
from injection_data import CHAT_SOURCES, Example, load_all
from meaning_cache import embed_all
from truehearth.core.injection_model import LinearModel
from truehearth.injection_classifier import load_model, model_from_bytes


def classifier_threshold(model: LinearModel, examples: list[Example], target: float) -> float:
    """The classifier's threshold under ``target`` (the rule of ``train_injection``)."""
    saved = first.TARGET_FALSE_FLAGS
    first.TARGET_FALSE_FLAGS = target
    try:
        return first.choose_threshold(model, examples)
    finally:
        first.TARGET_FALSE_FLAGS = saved


def flagged_by(
    scored: list[second.Scored],
    threshold: float,
    band_low: float,
    head_threshold: float,
    logits: dict[str, float],
) -> tuple[list[bool], list[bool]]:
    """Per example: flagged by the first stage, and by both stages."""
    one, both = [], []
    for s in scored:
        hit = s.ruled or s.score >= threshold
        one.append(hit)
        read = not hit and band_low <= s.score < threshold
        both.append(hit or (read and logits[s.span] >= head_threshold))
    return one, both


def columns_for(
    name: str,
    model0: LinearModel,
    examples: list[Example],
    targets: list[float],
    workers: int,
) -> tuple[list[second.Scored], list[Column]]:
    """The rows as ``model0`` scores them, and one column per classifier target: the head
    refitted on this first stage's focus spans, its zone and threshold re-chosen."""
    scored = second.first_stage(examples, model0)
    spans, labels = second.training_rows(scored, random.Random(second.SEED))
    x = embed_all(spans, workers)
    w, b = second.fit(x, np.asarray(labels, dtype=np.float64))
    fit_rows = [s for s in scored if s.example.split in ("tune", "test")]
    totals = {
        source: sum(1 for s in scored if s.example.split == "tune" and s.example.source == source)
        for source in CHAT_SOURCES
    }
    columns: list[Column] = []
    for target in targets:
        threshold = classifier_threshold(model0, examples, target)
        tune = second.band_rows(scored, "tune", threshold)
        zone = [s for s in fit_rows if second.BAND_FLOOR <= s.score < threshold and not s.ruled]
        vectors = embed_all([s.span for s in zone], workers)
        logits = {
            s.span: float(v) for s, v in zip(zone, vectors.astype(np.float64) @ w + b, strict=True)
        }
        band_low = second.choose_band(scored, threshold)
        first_flags = {
            source: sum(
                1
                for s in scored
                if s.example.split == "tune"
                and s.example.source == source
                and (s.ruled or s.score >= threshold)
            )
            for source in CHAT_SOURCES
        }
        tune_logits = np.asarray([logits[s.span] for s in tune])
        head_threshold = second.choose_threshold(tune, tune_logits, band_low, totals, first_flags)
        print(
            f"{name} target {target}: classifier threshold {threshold:.3f}, zone from "
            f"{band_low:.3f}, head threshold {head_threshold:.3f}",
            file=sys.stderr,
        )
        one, both = flagged_by(fit_rows, threshold, band_low, head_threshold, logits)
        columns.append((f"{name} {target:g}", one, both))
    return fit_rows, columns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", default="0.003,0.002,0.0015,0.001")
    parser.add_argument(
        "--weights", type=Path, action="append", help="another first stage (repeatable)"
    )
    parser.add_argument("--shipped-targets", default="0.003", help="with --weights")
    parser.add_argument("--test", action="store_true", help="also score the test split (once)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--head-briefs", type=int, default=0, help="users' role briefs the refitted heads see"
    )
    parser.add_argument(
        "--head-user-talk",
        type=int,
        default=second.CAPS["user_talk ordinary"],
        help="users' messages about instructions the refitted heads see",
    )
    args = parser.parse_args()
    second.CAPS["briefs ordinary"] = args.head_briefs
    second.CAPS["user_talk ordinary"] = args.head_user_talk
    targets = [float(t) for t in args.targets.split(",") if t]
    splits = ("train", "tune", "test") if args.test else ("train", "tune")
    examples = [e for e in load_all() if e.split in splits and second.wanted(e)]
    shipped_targets = targets
    if args.weights:
        shipped_targets = [float(t) for t in args.shipped_targets.split(",") if t]
    rows, columns = columns_for("shipped", load_model(), examples, shipped_targets, args.workers)
    for path in args.weights or []:
        other = model_from_bytes(path.read_bytes())
        other_rows, more = columns_for(path.stem, other, examples, targets, args.workers)
        assert [s.example for s in other_rows] == [s.example for s in rows]
        columns += more
    print(table(rows, columns, args.test))


Column = tuple[str, list[bool], list[bool]]


def table(rows: list[second.Scored], columns: list[Column], test: bool) -> str:
    splits = ("tune", "test") if test else ("tune",)
    head = " | ".join(f"{name}: first / both" for name, _, _ in columns)
    out = [f"| source | label | split | n | {head} |", "|---" * (4 + len(columns)) + "|"]
    keys = sorted({(s.example.source, s.example.label) for s in rows}, key=lambda k: (-k[1], k[0]))
    pooled: dict[tuple[int, str], list[int]] = {}
    for source, label in keys:
        for split in splits:
            idx = [
                i
                for i, s in enumerate(rows)
                if (s.example.source, s.example.label, s.example.split) == (source, label, split)
            ]
            if not idx:
                continue
            cells = []
            for _, one, both in columns:
                a, c = sum(one[i] for i in idx), sum(both[i] for i in idx)
                cells.append(f"{a} / {c}")
            out.append(f"| {source} | {label} | {split} | {len(idx)} | {' | '.join(cells)} |")
            if label == 1:
                for k, (_, one, both) in enumerate(columns):
                    tally = pooled.setdefault((k, split), [0, 0, 0])
                    tally[0] += sum(one[i] for i in idx)
                    tally[1] += sum(both[i] for i in idx)
                    tally[2] += len(idx)
    for split in splits:
        cells = []
        for k in range(len(columns)):
            a, c, n = pooled[(k, split)]
            cells.append(f"{a / n:.3f} / {c / n:.3f}")
        n_all = pooled[(0, split)][2]
        out.append(f"| attacks, pooled | 1 | {split} | {n_all} | {' | '.join(cells)} |")
    return "\n".join(out)


if __name__ == "__main__":
    main()
