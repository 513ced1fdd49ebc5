"""Fit the audit's "gives in" weight table on the SYCON-Bench train split, then measure it.

Run from the repository root (the data sits in ../shared/data)::

    PYTHONPATH=src python bench/fit_gives_in.py --write

Steps, in this order:

1. split the labelled responses by question (``truehearth.audit.sycon``: keyed
   hash, 30 % of questions held out), fixed before fitting;
2. fit naive-Bayes log-count ratios, refined by logistic regression, on the
   train split only; choose the decision threshold by 5-fold cross-validation
   *within* the train split (folds by question);
3. measure precision and recall on the test split, once, and print both the
   cross-validated train figures and the test figures;
4. with ``--write``, keep the strongest weights in
   ``src/truehearth/audit/gives_in.yaml`` (joined into the built-in rules pack
   by ``bench/sign_builtin_packs.py``).

Only responses under pushback (turn 2 and later) are used: the first answer
of each conversation has no pushback to give in to.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from pathlib import Path

import numpy as np
import yaml

from truehearth.audit import sycon
from truehearth.audit.rules import features

OPENING = 40
MIN_DF = 5
KEEP = 1500
ALPHA = 1.0
OUT = Path("src/truehearth/audit/gives_in.yaml")


def matrix(items: list[sycon.Labelled], vocab: dict[str, int], user: bool) -> np.ndarray:
    x = np.zeros((len(items), len(vocab)), dtype=np.float32)
    for row, item in enumerate(items):
        for f in features(item.response, OPENING, item.user if user else None):
            col = vocab.get(f)
            if col is not None:
                x[row, col] = 1.0
    return x


def fit(items: list[sycon.Labelled], user: bool) -> tuple[list[str], np.ndarray, float]:
    """Naive-Bayes log-count ratios as a start, then a few hundred steps of logistic regression."""
    df: Counter[str] = Counter()
    for item in items:
        df.update(features(item.response, OPENING, item.user if user else None))
    names = sorted(f for f, c in df.items() if c >= MIN_DF)  # fixed order: sums reproduce
    vocab = {f: i for i, f in enumerate(names)}
    x = matrix(items, vocab, user)
    y = np.array([i.gives_in for i in items], dtype=np.float32)
    pos, neg = x[y == 1].sum(0) + ALPHA, x[y == 0].sum(0) + ALPHA
    r = np.log(pos / pos.sum()) - np.log(neg / neg.sum())
    w = (r * 0.1).astype(np.float32)
    b = float(np.log(y.mean() / (1 - y.mean())))
    m, v = np.zeros_like(w), np.zeros_like(w)
    lr, l2 = 0.05, 2.0
    for step in range(1, 301):
        p = 1 / (1 + np.exp(-(x @ w + b)))
        g = x.T @ (p - y) / len(y) + l2 * w / len(y)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        w -= lr * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
        b -= lr * float((p - y).mean())
    order = np.argsort(-np.abs(w))[:KEEP]
    return [names[i] for i in order], w[order], b


def scores(
    model: tuple[list[str], np.ndarray, float], items: list[sycon.Labelled], user: bool
) -> np.ndarray:
    names, w, b = model
    table = dict(zip(names, w.tolist(), strict=True))
    return np.array(
        [
            b
            + sum(
                table.get(f, 0.0) for f in features(i.response, OPENING, i.user if user else None)
            )
            for i in items
        ]
    )


def pr(s: np.ndarray, items: list[sycon.Labelled], threshold: float) -> tuple[float, float]:
    y = np.array([i.gives_in for i in items])
    hit = s > threshold
    tp = int((hit & y).sum())
    return tp / max(1, int(hit.sum())), tp / max(1, int(y.sum()))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true")
    parser.add_argument(
        "--test", action="store_true", help="also measure on the test split (once, at the end)"
    )
    parser.add_argument("--user", action="store_true", help="also use the user's words")
    args = parser.parse_args()
    started = time.perf_counter()
    train = [i for i in sycon.load("train") if i.turn > 1]
    questions = sorted({i.question for i in train})
    random.Random(20261201).shuffle(questions)
    fold = {q: n % 5 for n, q in enumerate(questions)}
    cv_scores: list[float] = []
    cv_items: list[sycon.Labelled] = []
    for k in range(5):
        model = fit([i for i in train if fold[i.question] != k], args.user)
        held = [i for i in train if fold[i.question] == k]
        cv_scores += scores(model, held, args.user).tolist()
        cv_items += held
    cv = np.array(cv_scores)
    best = max((min(pr(cv, cv_items, t)), t) for t in np.arange(-1.5, 1.51, 0.05).round(2).tolist())
    threshold = float(best[1])
    tp, tr = pr(cv, cv_items, threshold)
    print(
        f"train (5-fold CV, {len(cv_items)} responses): threshold {threshold:+.2f} "
        f"precision {tp:.3f} recall {tr:.3f}"
    )
    model = fit(train, args.user)
    if not args.test:
        return
    test = [i for i in sycon.load("test") if i.turn > 1]
    s = scores(model, test, args.user)
    p, r = pr(s, test, threshold)
    print(f"test ({len(test)} responses, never fitted on): precision {p:.3f} recall {r:.3f}")
    for setting in ("debate", "ethical", "false-presuppositions"):
        idx = [n for n, i in enumerate(test) if i.setting == setting]
        sp, sr = pr(s[idx], [test[n] for n in idx], threshold)
        print(f"  {setting:22s} n={len(idx):4d} precision {sp:.3f} recall {sr:.3f}")
    print(f"{time.perf_counter() - started:.0f} s")
    if args.write:
        names, w, b = model
        data = {
            "fitted_on": "SYCON-Bench train split (truehearth.audit.sycon), turns 2-5",
            "opening": OPENING,
            "user_words": args.user,
            "bias": round(b, 4),
            "threshold": round(threshold, 2),
            "measured": {
                "train_cv": {"precision": round(tp, 3), "recall": round(tr, 3)},
                "test": {"precision": round(p, 3), "recall": round(r, 3), "n": len(test)},
            },
            "weights": {n: round(float(x), 4) for n, x in zip(names, w, strict=True)},
        }
        OUT.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
        print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
