"""Fit the audit's "gives in" drift stage on the SYCON-Bench train split, then measure it.

Run from the repository root (the data sits in ../shared/data)::

    PYTHONPATH=src python bench/fit_gives_in_drift.py                 # train figures only
    PYTHONPATH=src python bench/fit_gives_in_drift.py --write         # and keep the stage
    PYTHONPATH=src python bench/fit_gives_in_drift.py --test          # once: test figures
    PYTHONPATH=src python bench/fit_gives_in_drift.py --check         # rebuild, compare bytes

The word table (``audit/gives_in.yaml``, fitted by ``bench/fit_gives_in.py``)
is kept as it is. This second stage reads each reply beside the same model's
earlier replies in the conversation (:mod:`truehearth.audit.drift`) and
combines those measures with the word table's scores. Steps:

1. the split by question (``truehearth.audit.sycon``) is the one fixed before
   the word table was fitted; only turns 2-5 (replies to pushback) are used;
2. within the train split, 5 folds by question: the word table is refitted
   without each fold and scores it (the reply and each earlier reply), so every
   train reply has word scores from a table that never saw it (as a test reply
   has from the shipped table); ``--cache FILE`` keeps those scores;
3. the drift stage (a logistic regression over the standardised measures) is
   cross-validated over the same folds; the threshold that maximises the
   smaller of precision and recall on those held-out scores is kept; the
   stage is then fitted on the whole train split; figures per SYCON setting;
4. ``--write`` keeps the stage in ``src/truehearth/audit/gives_in_drift.yaml``
   with its train figures only. Fitting never reads the test split;
5. rows whose "response" is a provider's error line or a content filter's
   notice (:mod:`truehearth.audit.errors`; 34 train rows, 31 of them replies to
   pushback, all labelled as giving in) are not replies: they are dropped from
   fitting and from scoring in both splits, and the output says how many;
6. ``--test`` reads the *written* stage (it refits nothing), measures it on the
   test split once, and records those figures beside the train ones;
   ``--check`` rebuilds the stage and fails unless the bytes are the same.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import yaml

import fit_gives_in as words  # beside this script (python puts the script's folder first)
from truehearth.audit import drift, sycon
from truehearth.audit.errors import is_provider_error
from truehearth.audit.rules import PUSHBACKS_SEEN, WeightTable, features

OUT = Path("src/truehearth/audit/gives_in_drift.yaml")
WORD_TABLE = Path("src/truehearth/audit/gives_in.yaml")
L2 = 1.0
STEPS = 500
FIRST_KEEP = 600
SETTINGS = ("debate", "ethical", "false-presuppositions")


def measures(
    items: list[sycon.Labelled], word_scores: list[list[float]], along: list[list[float]]
) -> np.ndarray:
    """``word_scores``: per item, the word table's score of the reply, then of each earlier one;
    ``along``: the first-answer table's score of each earlier reply."""
    reader = drift.Reader(drift.default_embed())
    rows = []
    for item, scores, earlier in zip(items, word_scores, along, strict=True):
        found = reader.measure(item.response, item.user, item.previous, item.first)
        before = scores[1:] or [scores[0]]
        found.update(
            word_score=scores[0],
            word_score_previous=before[-1],
            word_score_first=before[0],
            word_score_most=max(before),
            pushbacks=float(min(PUSHBACKS_SEEN, len(item.earlier))),
            first_goes_along=earlier[0],
            earlier_go_along=sum(earlier) / len(earlier),
        )
        drift.gate(found, item.user, item.first)
        rows.append([found[name] for name in drift.NAMES])
    return np.array(rows, dtype=np.float64)


def train_measures(
    train: list[sycon.Labelled],
    folds: np.ndarray,
    firsts: list[sycon.Labelled],
    first_folds: np.ndarray,
    cache: Path | None,
) -> np.ndarray:
    """Every train reply's measures, with word scores from a table that never saw its fold.

    With ``cache``, the word scores (the slow part: five word tables) are kept
    there and reused while the measures on top of them change. ``firsts`` are the
    train split's first answers (turn 1), folded by question like ``train``.
    """
    if cache is not None and cache.is_file():
        word_oof = json.loads(cache.read_text())
    else:
        word_oof = [[] for _ in train]
        for k in range(5):
            table = words.fit([i for i, f in zip(train, folds, strict=True) if f != k], False)
            for n in np.flatnonzero(folds == k).tolist():
                texts = [train[n], *(replace(train[n], response=t) for t in train[n].earlier)]
                word_oof[n] = words.scores(table, texts, False).tolist()
        if cache is not None:
            cache.write_text(json.dumps(word_oof))
    along: list[list[float]] = [[] for _ in train]
    for k in range(5):
        first = first_table([i for i, f in zip(firsts, first_folds, strict=True) if f != k])
        for n in np.flatnonzero(folds == k).tolist():
            along[n] = [first_score(first, t) for t in train[n].earlier]
    return measures(train, word_oof, along)


def first_table(firsts: list[sycon.Labelled]) -> tuple[dict[str, float], float]:
    """The first-answer table: a word table fitted on first answers (turn 1) and their labels
    (did the answer already go along with the premise?), its strongest ``FIRST_KEEP`` weights."""
    names, w, b = words.fit(firsts, False)
    # Sorted by weight, then by name: ties come out of a set in no fixed order.
    kept = sorted(
        ((n, round(float(v), 4)) for n, v in zip(names, w, strict=True)),
        key=lambda nv: (-abs(nv[1]), nv[0]),
    )[:FIRST_KEEP]
    return dict(kept), round(b, 4)


def first_score(table: tuple[dict[str, float], float], text: str) -> float:
    weights, bias = table
    return bias + sum(weights.get(f, 0.0) for f in features(text, words.OPENING))


def logistic(
    x: np.ndarray, y: np.ndarray, l2: float = L2, rate: float = 0.05
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Standardise, then Adam on the L2-penalised log loss (deterministic).

    ``bench/fit_gives_in_meaning.py`` fits its reader with the same steps, at its own
    penalty and a smaller step size."""
    mu, sd = x.mean(0), x.std(0) + 1e-6
    z = (x - mu) / sd
    w = np.zeros(x.shape[1])
    b = float(np.log(y.mean() / (1 - y.mean())))
    m, v = np.zeros_like(w), np.zeros_like(w)
    for step in range(1, STEPS + 1):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        g = z.T @ (p - y) / len(y) + l2 * w / len(y)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        w -= rate * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
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


def per_setting(
    items: list[sycon.Labelled], verdicts: np.ndarray, y: np.ndarray
) -> list[tuple[str, int, float, float]]:
    """Precision and recall in each SYCON setting, then over all."""
    rows = []
    for setting in (*SETTINGS, "all"):
        m = np.array([setting in ("all", i.setting) for i in items])
        tp = int((verdicts[m] & y[m]).sum())
        rows.append(
            (
                setting,
                int(m.sum()),
                tp / max(1, int(verdicts[m].sum())),
                tp / max(1, int(y[m].sum())),
            )
        )
    return rows


def dropped(split: str) -> str:
    """How many of the split's rows are provider error lines (left out of fitting and scoring)."""
    rows = [i for i in sycon.load(split) if is_provider_error(i.response)]
    pushed = sum(1 for i in rows if i.turn > 1)
    return (
        f"{split}: {len(rows)} rows are provider error lines, not replies "
        f"({pushed} of them replies to pushback); dropped from fitting and scoring"
    )


def fit_stage(cache: Path | None) -> tuple[dict[str, object], list[str]]:
    lines: list[str] = [dropped("train")]
    everything = list(sycon.load("train", errors=False))
    train = [i for i in everything if i.turn > 1]
    firsts = [i for i in everything if i.turn == 1]
    questions = sorted({i.question for i in train})
    random.Random(20261201).shuffle(questions)
    fold = {q: n % 5 for n, q in enumerate(questions)}
    folds = np.array([fold[i.question] for i in train])
    first_folds = np.array([fold.get(i.question, -1) for i in firsts])
    y = np.array([i.gives_in for i in train])
    x = train_measures(train, folds, firsts, first_folds, cache)
    word_oof = x[:, drift.NAMES.index("word_score")]
    cv = np.zeros(len(train))
    for k in range(5):
        cv[folds == k] = apply(logistic(x[folds != k], y[folds != k].astype(float)), x[folds == k])
    threshold = best_threshold(cv, y)
    word_threshold = best_threshold(word_oof, y)
    lines.append(f"train, 5-fold CV by question ({len(train)} responses):")
    figures: dict[str, object] = {}
    for label, verdicts in (
        ("words alone", word_oof > word_threshold),
        ("words + drift", cv > threshold),
    ):
        lines.append(f"  {label}")
        for setting, n, p, r in per_setting(train, verdicts, y):
            lines.append(f"    {setting:22s} n={n:4d} precision {p:.3f} recall {r:.3f}")
            if label == "words + drift":
                figures[setting] = {"precision": round(p, 3), "recall": round(r, 3), "n": n}
    mu, sd, w, b = logistic(x, y.astype(float))
    first_weights, first_bias = first_table(firsts)
    stage: dict[str, object] = {
        "fitted_on": "SYCON-Bench train split (truehearth.audit.sycon), turns 2-5; "
        "word scores out of fold; provider error lines dropped",
        "embedder": drift.EMBEDDER,
        "bias": round(b, 4),
        "threshold": round(threshold, 2),
        "measured": {"train_cv": figures},
        "weights": {n: round(float(v), 4) for n, v in zip(drift.NAMES, w, strict=True)},
        "means": {n: round(float(v), 4) for n, v in zip(drift.NAMES, mu, strict=True)},
        "scales": {n: round(float(v), 4) for n, v in zip(drift.NAMES, sd, strict=True)},
        "first_words": {"bias": first_bias, "weights": first_weights},
    }
    return stage, lines


def measure_test(stage: dict[str, object]) -> tuple[dict[str, object], list[str]]:
    """The written stage on the test split, with the shipped word table (run once, at the end)."""
    table_data = yaml.safe_load(WORD_TABLE.read_text(encoding="utf-8"))
    table = WeightTable(
        bias=float(table_data["bias"]),
        threshold=float(table_data["threshold"]),
        opening=int(table_data["opening"]),
        weights={str(k): float(v) for k, v in table_data["weights"].items()},
    ).with_drift(drift.stage_from_data(stage, "fitted stage"))
    test = [i for i in sycon.load("test", errors=False) if i.turn > 1]
    reader = drift.Reader(drift.default_embed())
    y = np.array([i.gives_in for i in test])
    said_words = np.array([table.gives_in(i.response, i.user) for i in test])
    said = np.array(
        [
            table.judge(i.response, i.user, i.previous, i.first, reader, i.earlier).gives_in
            for i in test
        ]
    )
    lines = [dropped("test"), f"test ({len(test)} responses, never fitted on), shipped word table:"]
    figures: dict[str, object] = {}
    for label, verdicts in (("words alone", said_words), ("words + drift", said)):
        lines.append(f"  {label}")
        for setting, n, p, r in per_setting(test, verdicts, y):
            lines.append(f"    {setting:22s} n={n:4d} precision {p:.3f} recall {r:.3f}")
            if label == "words + drift":
                figures[setting] = {"precision": round(p, 3), "recall": round(r, 3), "n": n}
    return figures, lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true", help=f"keep the stage in {OUT}")
    parser.add_argument(
        "--test", action="store_true", help=f"measure {OUT} on the test split (once) and record it"
    )
    parser.add_argument("--check", action="store_true", help="fail unless the rebuild is equal")
    parser.add_argument("--cache", type=Path, help="keep the train word scores here (JSON)")
    args = parser.parse_args()
    started = time.perf_counter()
    if args.test:  # the stage as written, never refitted here: test figures cannot steer it
        stage = yaml.safe_load(OUT.read_text(encoding="utf-8"))
        figures, lines = measure_test(stage)
        print("\n".join(lines))
        stage["measured"]["test"] = figures
        OUT.write_text(yaml.safe_dump(stage, sort_keys=False, allow_unicode=True), encoding="utf-8")
        print(f"{time.perf_counter() - started:.0f} s; recorded in {OUT}")
        return
    stage, lines = fit_stage(args.cache)
    print("\n".join(lines), flush=True)
    print(f"{time.perf_counter() - started:.0f} s")
    if args.check or not args.write:
        kept = yaml.safe_load(OUT.read_text(encoding="utf-8"))
        if "test" in kept.get("measured", {}):
            measured = stage["measured"]
            assert isinstance(measured, dict)
            measured["test"] = kept["measured"]["test"]
    text = yaml.safe_dump(stage, sort_keys=False, allow_unicode=True)
    if args.check:
        if OUT.read_text(encoding="utf-8") != text:
            sys.exit(f"{OUT} differs from its rebuild")
        print(f"{OUT}: rebuilt byte for byte")
    elif args.write:
        OUT.write_text(text, encoding="utf-8")
        print(f"wrote {OUT} (train figures only; measure it with --test, once)")


if __name__ == "__main__":
    main()
