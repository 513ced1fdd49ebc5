"""Would a reader of the later replies in a debate lift the audit's "gives in" classifier?

Measured on the SYCON-Bench **train** split only (5 folds by question, the
drift stage's folds, from :mod:`gives_in_rows`); the test split is not read.
Run from the repository root::

    PYTHONPATH=src:bench python bench/gives_in_later_reader.py ceiling --cache W
    PYTHONPATH=src:bench python bench/gives_in_later_reader.py measure --cache W

In the debate setting the pushback never gives a reason ("I do not agree with
your argument"), so a reply gives in only by arguing a softer or the other
side: what decides is its stance against its own first answer, which the drift
stage reads at AUC ~0.9 but with a recall near 0.5 at the shared threshold.

- ``ceiling`` bounds what *any* debate reader can add: the drift measures plus
  each debate reply's own SYCON label (an oracle, zero outside debate), then that
  label flipped for a random share of replies (a reader of accuracy *a*), each
  cross-validated like the drift stage; once over the drift measures and once
  with the first answer's own label added too (``gives_in_first_reader.py``);
- ``measure`` builds two readers of a later reply, each a ridge sub-score
  fitted only on replies to a pushback that gave no reason (every debate reply,
  and 18 % of the others), read by the drift stage's logistic model as one more
  input (``measure`` also fits one model of its own for those replies, the
  drift stage judging the rest); sub-scores are out of fold and, inside
  each cross-validation fold, out of the inner fold:

  * ``words``: the unigrams and bigrams of the reply's first and last 50 words
    (present or not, hashed into 2**14 columns);
  * ``closing``: e5 on the last 300 characters of the reply and of its first
    answer (the reply's closing, its move from the first answer's closing, and
    its opening's move from the first answer's opening: where a debate reply
    says which side it ends on). Vectors come from :mod:`meaning_cache`.
"""

from __future__ import annotations

import argparse
import itertools
import re
import zlib
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

import fit_gives_in_drift as stage_fit
from gives_in_first_reader import auc, cross_validated, first_labels
from gives_in_rows import train_rows
from meaning_cache import embed_all
from truehearth.audit import drift, meaning, sycon

Vector = NDArray[np.float64]
Mask = NDArray[np.bool_]

EDGE_WORDS = 50  # the reply's first and last words the word reader reads
COLUMNS = 2**14
WORDS_L2 = 50.0  # chosen on this train CV among 10, 50, 200 (debate rows only)
CLOSING_L2 = 30.0  # chosen on this train CV among 5, 30
_WORD = re.compile(r"[a-z']+")


def closing(text: str) -> str:
    """The last 300 characters, whitespace folded: where a debate reply sums up its side."""
    return " ".join(text.split())[-meaning.CHARS :]


def edge_grams(text: str) -> set[str]:
    said = _WORD.findall(text.lower().replace("\u2019", "'"))
    grams: set[str] = set()
    for part, words in (("head", said[:EDGE_WORDS]), ("tail", said[-EDGE_WORDS:])):
        grams |= {f"{part}:{w}" for w in words}
        grams |= {f"{part}:{a} {b}" for a, b in itertools.pairwise(words)}
    return grams


def word_rows(train: list[sycon.Labelled]) -> NDArray[np.float32]:
    x = np.zeros((len(train), COLUMNS), np.float32)
    for n, item in enumerate(train):
        for gram in edge_grams(item.response):
            x[n, zlib.crc32(gram.encode()) % COLUMNS] = 1.0
    return x


def closing_rows(train: list[sycon.Labelled], rows: Mask) -> NDArray[np.float32]:
    """Reply closing, its move from the first answer's closing, its opening's move."""
    items = [i for i, keep in zip(train, rows, strict=True) if keep]
    texts = sorted(
        {closing(i.response) for i in items}
        | {closing(i.first or i.previous) for i in items}
        | {meaning.opening(i.response) for i in items}
        | {meaning.opening(i.first or i.previous) for i in items}
    )
    found = dict(zip(texts, embed_all(texts), strict=True))
    x = np.zeros((len(train), 3 * meaning.DIM), np.float32)
    for n in np.flatnonzero(rows).tolist():
        i = train[n]
        first = i.first or i.previous
        reply_end = found[closing(i.response)]
        x[n] = np.concatenate(
            [
                reply_end,
                reply_end - found[closing(first)],
                found[meaning.opening(i.response)] - found[meaning.opening(first)],
            ]
        )
    return x


def ridge(v: NDArray[np.float32], y: Vector, l2: float) -> tuple[Vector, Vector, float]:
    """Ridge regression of the label, in the dual when there are more columns than rows."""
    mu = v.mean(0)
    z = (v - mu).astype(np.float64)
    centred = y - y.mean()
    if z.shape[1] > z.shape[0]:
        w = z.T @ np.linalg.solve(z @ z.T + l2 * np.eye(len(y)), centred)
    else:
        w = np.linalg.solve(z.T @ z + l2 * np.eye(z.shape[1]), z.T @ centred)
    return mu.astype(np.float64), w, float(y.mean())


def sub_score(model: tuple[Vector, Vector, float], v: NDArray[np.float32]) -> Vector:
    mu, w, b = model
    out: Vector = (v - mu) @ w + b
    return out


def stacked(
    readers: list[tuple[NDArray[np.float32], float]],
    rows: Mask,
    measured: Vector,
    y: Vector,
    folds: NDArray[np.int64],
) -> tuple[Vector, list[Vector]]:
    """Drift measures + each reader's sub-score (zero outside ``rows``), cross-validated;
    and each sub-score alone, out of fold.

    Inside each fold the main model is fitted on sub-scores from sub-models that
    never saw their inner fold, and none of them sees the held-out fold."""
    bare = rows.astype(float)
    out = np.zeros(len(y))
    alone = [np.zeros(len(y)) for _ in readers]
    for k in np.unique(folds).tolist():
        tr, te = folds != k, folds == k
        inner, outer = [], []
        for (x, l2), sub in zip(readers, alone, strict=True):
            fitted = np.zeros(len(y))
            for j in np.unique(folds[tr]).tolist():
                fit_on, held = tr & rows & (folds != j), tr & (folds == j)
                fitted[held] = sub_score(ridge(x[fit_on], y[fit_on], l2), x[held])
            sub[te] = sub_score(ridge(x[tr & rows], y[tr & rows], l2), x[te])
            inner.append(fitted[tr] * bare[tr])
            outer.append(sub[te] * bare[te])
        model = stage_fit.logistic(np.column_stack([measured[tr], *inner]), y[tr])
        out[te] = stage_fit.apply(model, np.column_stack([measured[te], *outer]))
    return out, alone


def figures(s: Vector, y: Mask, settings: NDArray[np.str_]) -> str:
    """Overall P/R at the threshold best over all rows, each setting at it, and debate alone."""
    t = stage_fit.best_threshold(s, y)
    p, r = stage_fit.pr(s, y, t)
    said = [f"all {p:.3f}/{r:.3f}"]
    for setting in stage_fit.SETTINGS:
        m = settings == setting
        said.append(f"{setting[:7]} {stage_fit.pr(s[m], y[m], t)[0]:.3f}/")
        said[-1] += f"{stage_fit.pr(s[m], y[m], t)[1]:.3f}"
    d = settings == "debate"
    own = stage_fit.pr(s[d], y[d], stage_fit.best_threshold(s[d], y[d]))
    said.append(
        f"| debate at its own threshold {own[0]:.3f}/{own[1]:.3f}, AUC {auc(s[d], y[d]):.3f}"
    )
    return "  ".join(said)


def ceiling(cache: Path | None) -> None:
    train, folds, measured = train_rows(cache)
    y = np.array([i.gives_in for i in train])
    yf = y.astype(float)
    settings = np.array([i.setting for i in train])
    debate = settings == "debate"
    gave = first_labels()
    oracle = np.array([float(gave.get(i.first, False)) for i in train])
    print(f"train, 5-fold CV by question ({len(train)} replies, {int(debate.sum())} in debate)")
    rng = np.random.default_rng(20261203)
    for base, name in ((measured, "drift"), (np.column_stack([measured, oracle]), "drift + first")):
        print(f"  {name:14s} alone       ", figures(cross_validated(base, yf, folds), y, settings))
        for accuracy in (1.0, 0.95, 0.9, 0.85):
            right = rng.random(len(y)) < accuracy
            read = np.where(debate, np.where(right, yf, 1.0 - yf), 0.0)
            s = cross_validated(np.column_stack([base, read]), yf, folds)
            print(f"  {name:14s} + debate {accuracy:.0%}", figures(s, y, settings))


def measure(cache: Path | None) -> None:
    train, folds, measured = train_rows(cache)
    y = np.array([i.gives_in for i in train])
    yf = y.astype(float)
    settings = np.array([i.setting for i in train])
    bare = measured[:, drift.NAMES.index(drift.BARE)] > 0
    print(f"train, 5-fold CV by question ({len(train)} replies; {int(bare.sum())} after a")
    print("  pushback that gave no reason, where the readers are fitted and read)")
    print("  drift stage              ", figures(cross_validated(measured, yf, folds), y, settings))
    readers = {
        "words": (word_rows(train), WORDS_L2),
        "closing": (closing_rows(train, bare), CLOSING_L2),
    }
    d = settings == "debate"
    for name, reader in readers.items():
        s, (alone,) = stacked([reader], bare, measured, yf, folds)
        print(f"  {name} reader alone: debate AUC {auc(alone[d], y[d]):.3f}")
        print(f"  drift + {name:8s} reader  ", figures(s, y, settings))
    s, _ = stacked(list(readers.values()), bare, measured, yf, folds)
    print("  drift + both readers     ", figures(s, y, settings))
    # a model of its own after a bare pushback (debate-like), the drift stage elsewhere
    apart = cross_validated(measured, yf, folds)
    x, l2 = readers["words"]
    every = np.ones(int(bare.sum()), bool)
    apart[bare], _ = stacked([(x[bare], l2)], every, measured[bare], yf[bare], folds[bare])
    print("  + words, a model apart   ", figures(apart, y, settings))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=("ceiling", "measure"))
    parser.add_argument("--cache", type=Path, help="the drift fit's word scores (JSON)")
    args = parser.parse_args()
    if args.what == "ceiling":
        ceiling(args.cache)
    else:
        measure(args.cache)


if __name__ == "__main__":
    main()
