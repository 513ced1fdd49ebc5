"""Fit the audit's learned "gives in" reader on the SYCON-Bench train split, then measure it.

Run from the repository root (the data sits in ../shared/data; the ``meaning``
extra must be installed)::

    PYTHONPATH=src:bench python bench/fit_gives_in_meaning.py --cache /tmp/word_oof.json
    PYTHONPATH=src:bench python bench/fit_gives_in_meaning.py --cache ... --write
    PYTHONPATH=src:bench python bench/fit_gives_in_meaning.py --test     # once, at the end
    PYTHONPATH=src:bench python bench/fit_gives_in_meaning.py --cache ... --check

The word table and the drift stage (``audit/gives_in.yaml``,
``audit/gives_in_drift.yaml``) are kept as they are. This reader
(:mod:`truehearth.audit.meaning`) reads the openings of the reply, of the same
model's previous and first replies, and of the pushback with e5, and fits one
logistic model over what :data:`RECIPE` makes of those vectors plus every drift
measure. Steps:

1. the split by question (``truehearth.audit.sycon``) is the one fixed before
   anything was fitted; only turns 2-5 (replies to pushback) are used, and
   provider error lines are dropped (as in ``fit_gives_in_drift.py``);
2. the drift measures of every train reply come with word scores from word
   tables fitted without its fold (``fit_gives_in_drift.train_measures``, the
   same 5 folds by question; ``--cache`` keeps those word scores);
3. the openings are embedded once and kept on disk (:mod:`meaning_cache`,
   ``$TRUEHEARTH_E5_CACHE``): the cache changes how long a run takes, never its
   numbers;
4. the stance sub-model (ridge regression over :data:`SUB_RECIPE`, the reply's
   opening and its moves from the previous and first openings) is read as one
   more input (``S``): each train reply's sub-score comes from a sub-model
   fitted without its fold, and inside each cross-validation fold without its
   inner fold, so the main model never learns from scores of replies the
   sub-model saw. The main model is cross-validated over the same folds; the
   threshold maximises the smaller of precision and recall on the held-out
   folds' scores inside train; then both are fitted on the whole train split;
5. ``--write`` keeps it in ``src/truehearth/weights/gives_in_meaning.npz`` with
   the SHA-256 of the rows it was fitted on, the digest of the rules it was
   fitted over and its train figures. Fitting never reads the test split;
6. ``--test`` reads the *written* model (it refits nothing), measures it on the
   test split once, beside the drift stage and the word table, and records the
   figures in the file; ``--check`` rebuilds it and fails unless the bytes match.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import orjson
from numpy.typing import NDArray

import fit_gives_in_drift as stage_fit
from gives_in_rows import train_rows
from meaning_cache import embed_all
from npz_file import reproducible_npz
from truehearth import audit
from truehearth.audit import drift, meaning, sycon

OUT = Path("src/truehearth/weights") / meaning.WEIGHTS
RECIPE = ("D", "C", "S")
SUB_RECIPE = ("R", "RP", "RF")
SUB_L2 = 5.0  # the sub-model's ridge strength, chosen on train cross-validation (1, 5, 30)
L2 = 1.0  # the main model's, as the drift stage's
STEPS = 500
SETTINGS = stage_fit.SETTINGS

Matrix = NDArray[np.float64]


def vectors(texts: Sequence[str]) -> dict[str, NDArray[np.float32]]:
    """Each distinct opening's e5 vector (from the disk cache where it is already there)."""
    said = sorted({meaning.opening(t) for t in texts} - {""})
    rows = embed_all(said)
    return {t: rows[n] for n, t in enumerate(said)}


def inputs(recipe: Sequence[str], items: Sequence[sycon.Labelled], measured: Matrix) -> Matrix:
    """Input rows for a recipe (without ``S``) over each item's openings and drift measures."""
    found = vectors([t for i in items for t in (i.response, i.previous, i.first, i.user)])
    zero = np.zeros(meaning.DIM, np.float32)

    def vec(text: str) -> NDArray[np.float32]:
        return found.get(meaning.opening(text), zero)

    rows = []
    for item, row in zip(items, measured, strict=True):
        named = dict(zip(drift.NAMES, row.tolist(), strict=True))
        rows.append(
            meaning.features(
                recipe,
                named,
                vec(item.response),
                vec(item.previous),
                vec(item.first or item.previous),
                vec(item.user),
            )
        )
    return np.array(rows, dtype=np.float64)


def ridge(v: Matrix, y: Matrix) -> tuple[Matrix, Matrix, float]:
    """The stance sub-model: ridge regression of the label on the vectors (closed form)."""
    mu = v.mean(0)
    z = v - mu
    w = np.linalg.solve(z.T @ z + SUB_L2 * np.eye(v.shape[1]), z.T @ (y - y.mean()))
    return mu, w, float(y.mean())


def sub_score(model: tuple[Matrix, Matrix, float], v: Matrix) -> Matrix:
    mu, w, b = model
    out: Matrix = (v - mu) @ w + b
    return out


def out_of_fold(v: Matrix, y: Matrix, folds: NDArray[np.int64]) -> Matrix:
    """Each row's sub-score from a sub-model fitted without its fold."""
    out = np.zeros(len(y))
    for k in np.unique(folds).tolist():
        out[folds == k] = sub_score(ridge(v[folds != k], y[folds != k]), v[folds == k])
    return out


def logistic(x: Matrix, y: Matrix, l2: float) -> tuple[Matrix, Matrix, Matrix, float]:
    """The drift stage's fit (standardise, then Adam on the L2-penalised log loss), at step 0.02."""
    return stage_fit.logistic(x, y, l2=l2, rate=0.02)


def apply(model: tuple[Matrix, Matrix, Matrix, float], x: Matrix) -> Matrix:
    mu, sd, w, b = model
    out: Matrix = ((x - mu) / sd) @ w + b
    return out


def best_threshold(s: Matrix, y: NDArray[np.bool_]) -> float:
    """The threshold that maximises the smaller of precision and recall (0.02 steps)."""
    grid = np.arange(-3.0, 3.001, 0.02).round(2).tolist()
    return float(max((min(stage_fit.pr(s, y, t)), t) for t in grid)[1])


def lines_for(
    label: str, items: Sequence[sycon.Labelled], verdicts: NDArray[np.bool_], y: NDArray[np.bool_]
) -> tuple[list[str], dict[str, object]]:
    lines: list[str] = [f"  {label}"]
    figures: dict[str, object] = {}
    for setting, n, p, r in stage_fit.per_setting(list(items), verdicts, y):
        lines.append(f"    {setting:22s} n={n:4d} precision {p:.3f} recall {r:.3f}")
        figures[setting] = {"precision": round(p, 3), "recall": round(r, 3), "n": n}
    return lines, figures


def data_digest(items: Sequence[sycon.Labelled]) -> str:
    """SHA-256 of the rows fitted on: setting, question, turn, pushback, reply and label."""
    h = hashlib.sha256()
    for i in items:
        h.update(orjson.dumps([i.setting, i.question, i.turn, i.user, i.response, i.gives_in]))
        h.update(b"\n")
    return h.hexdigest()


def fit(cache: Path | None) -> tuple[dict[str, NDArray[np.generic]], list[str]]:
    lines = [stage_fit.dropped("train")]
    train, folds, measured = train_rows(cache)
    y = np.array([i.gives_in for i in train])
    assert RECIPE[-1] == "S"
    x = inputs(RECIPE[:-1], train, measured)
    v = inputs(SUB_RECIPE, train, measured)
    yf = y.astype(float)
    drift_cv = np.zeros(len(train))
    cv = np.zeros(len(train))
    for k in range(5):
        tr, te = folds != k, folds == k
        model = stage_fit.logistic(measured[tr], yf[tr])
        drift_cv[te] = stage_fit.apply(model, measured[te])
        inner = out_of_fold(v[tr], yf[tr], folds[tr])
        outer = sub_score(ridge(v[tr], yf[tr]), v[te])
        main_model = logistic(np.column_stack([x[tr], inner]), yf[tr], L2)
        cv[te] = apply(main_model, np.column_stack([x[te], outer]))
    threshold = best_threshold(cv, y)
    lines.append(f"train, 5-fold CV by question ({len(train)} responses):")
    figures: dict[str, object] = {}
    for label, verdicts in (
        ("drift stage", drift_cv > best_threshold(drift_cv, y)),
        ("learned reader (e5 + drift measures)", cv > threshold),
    ):
        said, per = lines_for(label, train, verdicts, y)
        lines += said
        figures = per
    sub_mu, sub_w, sub_b = ridge(v, yf)
    mu, sd, w, b = logistic(np.column_stack([x, out_of_fold(v, yf, folds)]), yf, L2)
    rules = audit.builtin_rules().gives_in
    arrays: dict[str, NDArray[np.generic]] = {
        "version": np.array(meaning.VERSION),
        "recipe": np.array(RECIPE),
        "means": fixed(mu),
        "scales": fixed(sd),
        "weights": fixed(w),
        "bias": fixed(np.array(b)),
        "threshold": np.array(threshold),
        "sub_recipe": np.array(SUB_RECIPE),
        "sub_means": fixed(sub_mu),
        "sub_weights": fixed(sub_w),
        "sub_bias": fixed(np.array(sub_b)),
        "rules": np.array(meaning.rules_digest(rules)),
        "data_sha256": np.array(data_digest(train)),
        "measured": np.array(json.dumps({"train_cv": figures}, sort_keys=True)),
    }
    return arrays, lines


def fixed(x: Matrix) -> Matrix:
    """Rounded to 9 decimals: the last bits of a sum move between runs, the file must not."""
    out: Matrix = np.round(x, 9)
    return out


def measure_test(arrays: dict[str, NDArray[np.generic]]) -> tuple[dict[str, object], list[str]]:
    """The written reader on the test split (run once, at the end), beside the shipped stages."""
    stage = meaning.stage_from_bytes(reproducible_npz(arrays))
    table = audit.builtin_rules().gives_in
    if stage.rules != meaning.rules_digest(table):
        sys.exit("the written reader was fitted over other rules than the built-in ones")
    test = [i for i in sycon.load("test", errors=False) if i.turn > 1]
    found = vectors([t for i in test for t in (i.response, i.previous, i.first, i.user)])

    def embed(texts: Sequence[str]) -> NDArray[np.float32]:
        return np.vstack([found[t] for t in texts])

    judge = meaning.Judge(stage, embed)
    reader = drift.Reader(drift.default_embed())
    y = np.array([i.gives_in for i in test])
    said: dict[str, list[bool]] = {"words": [], "drift": [], "meaning": []}
    for i in test:
        said["words"].append(table.gives_in(i.response, i.user))
        said["drift"].append(
            table.judge(i.response, i.user, i.previous, i.first, reader, i.earlier).gives_in
        )
        verdict = table.judge(i.response, i.user, i.previous, i.first, reader, i.earlier, judge)
        assert verdict.stage == "meaning"
        said["meaning"].append(verdict.gives_in)
    lines = [stage_fit.dropped("test"), f"test ({len(test)} responses, never fitted on):"]
    figures: dict[str, object] = {}
    for key, label in (
        ("words", "word table alone"),
        ("drift", "drift stage"),
        ("meaning", "learned reader"),
    ):
        more, per = lines_for(label, test, np.array(said[key]), y)
        lines += more
        figures[key] = per
    return figures, lines


def read(path: Path) -> dict[str, NDArray[np.generic]]:
    with np.load(path, allow_pickle=False) as data:
        return {name: data[name] for name in data.files}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true", help=f"keep the reader in {OUT}")
    parser.add_argument("--test", action="store_true", help=f"measure {OUT} on test (once)")
    parser.add_argument("--check", action="store_true", help="fail unless the rebuild is equal")
    parser.add_argument("--cache", type=Path, help="keep the train word scores here (JSON)")
    args = parser.parse_args()
    started = time.perf_counter()
    if args.test:  # the reader as written, never refitted here: test figures cannot steer it
        arrays = read(OUT)
        figures, lines = measure_test(arrays)
        print("\n".join(lines))
        measured = json.loads(str(arrays["measured"].item()))
        measured["test"] = figures
        arrays["measured"] = np.array(json.dumps(measured, sort_keys=True))
        OUT.write_bytes(reproducible_npz(arrays))
        print(f"{time.perf_counter() - started:.0f} s; recorded in {OUT}")
        return
    arrays, lines = fit(args.cache)
    print("\n".join(lines), flush=True)
    print(f"{time.perf_counter() - started:.0f} s")
    if (args.check or not args.write) and OUT.is_file():
        kept = json.loads(str(read(OUT)["measured"].item()))
        if "test" in kept:
            measured = json.loads(str(arrays["measured"].item()))
            measured["test"] = kept["test"]
            arrays["measured"] = np.array(json.dumps(measured, sort_keys=True))
    blob = reproducible_npz(arrays)
    if args.check:
        if OUT.read_bytes() != blob:
            sys.exit(f"{OUT} differs from its rebuild")
        print(f"{OUT}: rebuilt byte for byte")
    elif args.write:
        OUT.write_bytes(blob)
        print(f"wrote {OUT} (train figures only; measure it with --test, once)")


if __name__ == "__main__":
    main()
