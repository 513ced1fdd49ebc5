"""Fit the audit's "gives in" drift stage on the SYCON-Bench train split, then measure it.

Run from the repository root (the data sits in ../shared/data)::

    PYTHONPATH=src python bench/fit_gives_in_drift.py --test            # figures only
    PYTHONPATH=src python bench/fit_gives_in_drift.py --test --write    # and keep the stage
    PYTHONPATH=src python bench/fit_gives_in_drift.py --test --check    # rebuild, compare bytes

The word table (``audit/gives_in.yaml``, fitted by ``bench/fit_gives_in.py``)
is kept as it is. This second stage reads each reply beside the same model's
previous and first replies in the conversation (:mod:`truehearth.audit.drift`)
and combines those measures with the word table's score. Steps:

1. the split by question (``truehearth.audit.sycon``) is the one fixed before
   the word table was fitted; only turns 2-5 (replies to pushback) are used;
2. within the train split, 5 folds by question: the word table is refitted
   without each fold and scores it, so every train reply has a word score from
   a table that never saw it (as a test reply has from the shipped table);
3. the drift stage (a logistic regression over the standardised measures) is
   cross-validated over the same folds; the threshold that maximises the
   smaller of precision and recall on those held-out scores is kept; the
   stage is then fitted on the whole train split;
4. with ``--test`` the test split is measured once, with the shipped word
   table, and printed beside the train figures (words alone and with drift);
5. ``--write`` keeps the stage in ``src/truehearth/audit/gives_in_drift.yaml``;
   ``--check`` rebuilds it and fails unless the bytes are the same.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import yaml

import fit_gives_in as words  # beside this script (python puts the script's folder first)
from truehearth.audit import drift, sycon
from truehearth.audit.rules import WeightTable

OUT = Path("src/truehearth/audit/gives_in_drift.yaml")
WORD_TABLE = Path("src/truehearth/audit/gives_in.yaml")
L2 = 1.0
STEPS = 500


def measures(items: list[sycon.Labelled], word_scores: np.ndarray) -> np.ndarray:
    """``word_scores``: per item, the word table's score of the reply, its previous, its first."""
    reader = drift.Reader(drift.default_embed())
    rows = []
    for item, (score, previous, first) in zip(items, word_scores.tolist(), strict=True):
        found = reader.measure(item.response, item.user, item.previous, item.first)
        found.update(word_score=score, word_score_previous=previous, word_score_first=first)
        rows.append([found[name] for name in drift.NAMES])
    return np.array(rows, dtype=np.float64)


def logistic(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Standardise, then Adam on the L2-penalised log loss (deterministic)."""
    mu, sd = x.mean(0), x.std(0) + 1e-6
    z = (x - mu) / sd
    w = np.zeros(x.shape[1])
    b = float(np.log(y.mean() / (1 - y.mean())))
    m, v = np.zeros_like(w), np.zeros_like(w)
    for step in range(1, STEPS + 1):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        g = z.T @ (p - y) / len(y) + L2 * w / len(y)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        w -= 0.05 * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
        b -= 0.05 * float((p - y).mean())
    return mu, sd, w, b


def apply(model: tuple[np.ndarray, np.ndarray, np.ndarray, float], x: np.ndarray) -> np.ndarray:
    mu, sd, w, b = model
    out: np.ndarray = ((x - mu) / sd) @ w + b
    return out


def pr(s: np.ndarray, y: np.ndarray, threshold: float) -> tuple[float, float]:
    hit = s > threshold
    tp = int((hit & y).sum())
    return tp / max(1, int(hit.sum())), tp / max(1, int(y.sum()))


def best_threshold(s: np.ndarray, y: np.ndarray) -> float:
    grid = np.arange(-2.0, 2.001, 0.02).round(2).tolist()
    return float(max((min(pr(s, y, t)), t) for t in grid)[1])


def fit_stage() -> tuple[dict[str, object], list[str]]:
    lines: list[str] = []
    train = [i for i in sycon.load("train") if i.turn > 1]
    questions = sorted({i.question for i in train})
    random.Random(20261201).shuffle(questions)
    fold = {q: n % 5 for n, q in enumerate(questions)}
    folds = np.array([fold[i.question] for i in train])
    y = np.array([i.gives_in for i in train])
    word_oof = np.zeros((len(train), 3))
    for k in range(5):
        table = words.fit([i for i in train if fold[i.question] != k], False)
        held = [train[n] for n in np.flatnonzero(folds == k)]
        earlier = [
            [replace(i, response=i.previous) for i in held],
            [replace(i, response=i.first) for i in held],
        ]
        word_oof[folds == k] = np.stack(
            [words.scores(table, texts, False) for texts in (held, *earlier)], axis=1
        )
    x = measures(train, word_oof)
    word_oof = word_oof[:, 0]
    cv = np.zeros(len(train))
    for k in range(5):
        cv[folds == k] = apply(logistic(x[folds != k], y[folds != k].astype(float)), x[folds == k])
    threshold = best_threshold(cv, y)
    word_threshold = best_threshold(word_oof, y)
    wp, wr = pr(word_oof, y, word_threshold)
    cp, cr = pr(cv, y, threshold)
    lines.append(f"train, 5-fold CV by question ({len(train)} responses):")
    lines.append(f"  words alone        precision {wp:.3f} recall {wr:.3f}")
    lines.append(f"  words + drift      precision {cp:.3f} recall {cr:.3f}")
    mu, sd, w, b = logistic(x, y.astype(float))
    stage: dict[str, object] = {
        "fitted_on": "SYCON-Bench train split (truehearth.audit.sycon), turns 2-5; "
        "word scores out of fold",
        "embedder": drift.EMBEDDER,
        "bias": round(b, 4),
        "threshold": round(threshold, 2),
        "measured": {"train_cv": {"precision": round(cp, 3), "recall": round(cr, 3)}},
        "weights": {n: round(float(v), 4) for n, v in zip(drift.NAMES, w, strict=True)},
        "means": {n: round(float(v), 4) for n, v in zip(drift.NAMES, mu, strict=True)},
        "scales": {n: round(float(v), 4) for n, v in zip(drift.NAMES, sd, strict=True)},
    }
    return stage, lines


def measure_test(stage: dict[str, object]) -> tuple[dict[str, object], list[str]]:
    table_data = yaml.safe_load(WORD_TABLE.read_text(encoding="utf-8"))
    table = WeightTable(
        bias=float(table_data["bias"]),
        threshold=float(table_data["threshold"]),
        opening=int(table_data["opening"]),
        weights={str(k): float(v) for k, v in table_data["weights"].items()},
    ).with_drift(drift.stage_from_data(stage, "fitted stage"))
    test = [i for i in sycon.load("test") if i.turn > 1]
    reader = drift.Reader(drift.default_embed())
    y = np.array([i.gives_in for i in test])
    said_words = np.array([table.gives_in(i.response, i.user) for i in test])
    said = np.array(
        [table.judge(i.response, i.user, i.previous, i.first, reader).gives_in for i in test]
    )
    lines = [f"test ({len(test)} responses, never fitted on), shipped word table:"]
    figures: dict[str, object] = {}
    for label, verdicts in (("words alone", said_words), ("words + drift", said)):
        tp = int((verdicts & y).sum())
        p, r = tp / max(1, int(verdicts.sum())), tp / max(1, int(y.sum()))
        lines.append(f"  {label:18s} precision {p:.3f} recall {r:.3f}")
        if label == "words + drift":
            figures = {"precision": round(p, 3), "recall": round(r, 3), "n": len(test)}
        for setting in ("debate", "ethical", "false-presuppositions"):
            m = np.array([i.setting == setting for i in test])
            stp = int((verdicts[m] & y[m]).sum())
            sp, sr = stp / max(1, int(verdicts[m].sum())), stp / max(1, int(y[m].sum()))
            lines.append(
                f"    {setting:22s} n={int(m.sum()):4d} precision {sp:.3f} recall {sr:.3f}"
            )
    return figures, lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--test", action="store_true", help="measure the test split once")
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--check", action="store_true", help="fail unless the rebuild is equal")
    args = parser.parse_args()
    if (args.write or args.check) and not args.test:
        parser.error("--write and --check need --test (the file records the test figures)")
    started = time.perf_counter()
    stage, lines = fit_stage()
    print("\n".join(lines), flush=True)
    if args.test:
        figures, lines = measure_test(stage)
        print("\n".join(lines))
        measured = stage["measured"]
        assert isinstance(measured, dict)
        measured["test"] = figures
    print(f"{time.perf_counter() - started:.0f} s")
    text = yaml.safe_dump(stage, sort_keys=False, allow_unicode=True)
    if args.check:
        if OUT.read_text(encoding="utf-8") != text:
            sys.exit(f"{OUT} differs from its rebuild")
        print(f"{OUT}: rebuilt byte for byte")
    elif args.write:
        OUT.write_text(text, encoding="utf-8")
        print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
