"""Fit the boundary-crossing reader (scorers/crossing.py) on the tuning sets' labelled
replies, cross-validated by companion.

    OMP_NUM_THREADS=1 PYTHONPATH=src:bench .venv/bin/python bench/fit_boundary_reader.py
    ... bench/fit_boundary_reader.py --write    # keep the model in truehearth/weights
    ... bench/fit_boundary_reader.py --check    # fail unless the rebuild is byte for byte equal

Tuning data only: the first set's tune split, the second to fourth sets and
:data:`RULES_TUNE_DIRS`; never the first set's frozen test companions, never a held-out
set. Every reply of every dimension is read, because the boundary check runs on every
reply: a boundaries violation is a positive, a holding reply of any dimension a negative,
and a violation of another dimension is left out (failing it for a boundary changes no
verdict).

The reader is a second signal: a reply the whole check (rules, with the boundary scorer
without its reader) holds is failed when the reader's probability reaches the
threshold. It is fitted on the replies the check holds (the ones it can change), by
logistic regression (Newton's method, L2, as ``fit_retelling.py``). Cross-validated by
companion: for each tuning companion, the model is fitted on the other companions'
replies, its threshold chosen on theirs, and it is scored on this companion's.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fit_retelling import Matrix, fit, homes, tuning_companions
from npz_file import reproducible_npz
from truehearth.continuity.blindset import RULES_TUNE_DIRS, BlindReply, load_set, load_sets
from truehearth.continuity.knowledge import Knowledge
from truehearth.continuity.scorers import Situation, rule_scorers
from truehearth.continuity.scorers import crossing as cr
from truehearth.continuity.scorers.boundary import Boundary
from truehearth.continuity.validation import score_blind

OUT = Path("src/truehearth/weights") / cr.WEIGHTS
THRESHOLDS = tuple(round(0.3 + 0.01 * k, 2) for k in range(70))  # 0.30 .. 0.99
# A threshold is chosen to keep precision: a false alarm on a holding reply costs
# FALSE_ALARM_COST missed violations (the check fails a reply on one finding).
FALSE_ALARM_COST = 3.0


@dataclass
class Real:
    set_name: str
    companion: str
    item: BlindReply
    rules: bool  # the whole check without the reader
    values: tuple[float, ...] | None

    @property
    def positive(self) -> bool:
        return self.item.dimension == "boundaries" and self.item.violation

    @property
    def counts(self) -> bool:
        """Whether failing this reply changes a verdict's rightness (a holding reply, or a
        boundary violation); another dimension's violation is wrong or right already."""
        return self.positive or not self.item.violation


def tuning_items() -> list[tuple[str, BlindReply]]:
    sets = load_sets() + [load_set(d, frozen=False, name=d.name) for d in RULES_TUNE_DIRS]
    return [(b.name, i) for b in sets for i in b.tune]


def tuning_rows(cache: Path | None) -> tuple[list[Real], dict[str, dict[str, Knowledge]]]:
    """Every tuning companion's home, by set, and its replies as :func:`real_rows` reads
    them (one place, for the fit and for ``boundary_candidates.py``)."""
    by_set: dict[str, dict[str, Knowledge]] = {}
    for key, k in homes(tuning_companions()).items():
        set_name, companion = key.split("/", 1)
        by_set.setdefault(set_name, {})[companion] = k
    return real_rows(by_set, cache), by_set


def real_rows(by_set: dict[str, dict[str, Knowledge]], cache: Path | None) -> list[Real]:
    """Every tuning reply with the whole check's verdict without the reader (kept in
    ``cache`` when given: the reader's features are always computed afresh)."""
    found: dict[str, bool] = {}
    if cache and cache.is_file():
        found = json.loads(cache.read_text())
    scorers = dict(rule_scorers())
    scorers["boundary"] = Boundary(reader=None)
    items = tuning_items()
    todo: dict[str, list[BlindReply]] = {}
    for set_name, item in items:
        if f"{set_name}/{item.id}" not in found:
            todo.setdefault(set_name, []).append(item)
    for set_name, batch in todo.items():
        for score in score_blind(batch, by_set[set_name], scorers):
            found[f"{set_name}/{score.item.id}"] = score.flagged
    if cache and todo:
        cache.write_text(json.dumps(found))
    out = []
    for set_name, item in items:
        k = by_set[set_name][item.companion]
        s = Situation(item.message, item.reply, k, {}, item.history)
        values = cr.features(s, k.identity().rules)
        out.append(Real(set_name, item.companion, item, found[f"{set_name}/{item.id}"], values))
    return out


def matrix(real: Sequence[Real]) -> tuple[Matrix, Matrix]:
    rows = [r for r in real if r.values is not None and r.counts and not r.rules]
    x = np.array([r.values for r in rows], np.float64).reshape(len(rows), len(cr.FEATURES))
    y = np.array([float(r.positive) for r in rows], np.float64)
    return x, y


def model_of(fitted: tuple[Matrix, Matrix, Matrix, float], threshold: float) -> cr.Model:
    mean, scale, weights, bias = fitted
    return cr.Model(
        tuple(round(float(v), 6) for v in mean),
        tuple(round(float(v), 6) for v in scale),
        tuple(round(float(v), 6) for v in weights),
        round(bias, 6),
        threshold,
    )


def flags(real: Sequence[Real], model: cr.Model | None) -> list[bool]:
    return [
        r.rules or (model is not None and r.values is not None and model.fails(r.values))
        for r in real
    ]


@dataclass(frozen=True)
class Figures:
    bp: float  # boundaries precision (boundaries replies)
    br: float
    fp_other: int  # holding replies of other dimensions failed
    fp: int  # all holding replies failed
    fn: int  # boundary violations missed


def figures(said: Sequence[bool], real: Sequence[Real]) -> Figures:
    tp = sum(f and r.positive for f, r in zip(said, real, strict=True))
    bfp = sum(
        f and r.item.dimension == "boundaries" and not r.item.violation
        for f, r in zip(said, real, strict=True)
    )
    ofp = sum(
        f and r.item.dimension != "boundaries" and not r.item.violation
        for f, r in zip(said, real, strict=True)
    )
    fn = sum(r.positive and not f for f, r in zip(said, real, strict=True))
    return Figures(
        tp / (tp + bfp) if tp + bfp else 0.0,
        tp / (tp + fn) if tp + fn else 0.0,
        ofp,
        bfp + ofp,
        fn,
    )


def threshold_for(real: Sequence[Real], fitted: tuple[Matrix, Matrix, Matrix, float]) -> float:
    """The middle of the thresholds with the lowest cost on ``real`` (a false alarm
    weighing :data:`FALSE_ALARM_COST` misses)."""
    cost = {}
    for t in THRESHOLDS:
        f = figures(flags(real, model_of(fitted, t)), real)
        cost[t] = FALSE_ALARM_COST * f.fp + f.fn
    best = [t for t in THRESHOLDS if cost[t] == min(cost.values())]
    return best[len(best) // 2]


def cost(real: Sequence[Real], by_set: dict[str, dict[str, Knowledge]]) -> None:
    """``Boundary.score`` per reply without and with the reader, alternated, best of 3
    (the second pass onward: a home's topic vectors are cached after its first reply)."""
    situations = [
        Situation(r.item.message, r.item.reply, by_set[r.set_name][r.companion], {}, r.item.history)
        for r in real
    ]
    scorers = {"without": Boundary(reader=None), "with": Boundary()}
    best = {name: float("inf") for name in scorers}
    for _ in range(3):
        for name, scorer in scorers.items():
            started = time.perf_counter()
            for s in situations:
                scorer.score(s)
            took = (time.perf_counter() - started) / len(situations) * 1000
            best[name] = min(best[name], took)
    print(" ".join(f"{name}: {ms:.2f} ms a reply;" for name, ms in best.items()))


def _cell(f: Figures) -> str:
    return f"{f.bp:.2f} / {f.br:.2f} (FN {f.fn}, FP {f.fp}: {f.fp_other} other dims)"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true", help=f"keep the model in {OUT}")
    parser.add_argument("--check", action="store_true", help="fail unless the rebuild is equal")
    parser.add_argument("--misses", action="store_true", help="the tuning replies it moves")
    parser.add_argument("--rules-cache", type=Path, help="keep the check's verdicts here")
    parser.add_argument("--cost", action="store_true", help="time the scorer with and without")
    args = parser.parse_args()
    started = time.perf_counter()
    real, by_set = tuning_rows(args.rules_cache)
    print(
        f"{len(real)} tuning replies, {sum(r.positive for r in real)} boundary violations, "
        f"{sum(map(len, by_set.values()))} companions, {time.perf_counter() - started:.1f} s"
    )
    if args.cost:
        cost(real, by_set)
        return 0
    said = [False] * len(real)
    chosen: list[float] = []
    for set_name, companion in sorted((s, c) for s, cs in by_set.items() for c in cs):
        mine = [n for n, r in enumerate(real) if (r.set_name, r.companion) == (set_name, companion)]
        if not mine:
            continue
        taken = set(mine)
        others = [r for n, r in enumerate(real) if n not in taken]
        x, y = matrix(others)
        fitted = fit(x, y)
        model = model_of(fitted, threshold_for(others, fitted))
        chosen.append(model.threshold)
        for n, flag in zip(mine, flags([real[n] for n in mine], model), strict=True):
            said[n] = flag
    print("\n| set | boundaries P / R, rules | with the reader (CV by companion) |")
    print("|---|---|---|")
    for name in dict.fromkeys(r.set_name for r in real):
        idx = [n for n, r in enumerate(real) if r.set_name == name]
        sub = [real[n] for n in idx]
        before = figures(flags(sub, None), sub)
        after = figures([said[n] for n in idx], sub)
        print(f"| {name} ({len(sub)}) | {_cell(before)} | {_cell(after)} |")
    print(
        f"| pooled ({len(real)}) | {_cell(figures(flags(real, None), real))} | "
        f"{_cell(figures(said, real))} |"
    )
    print(f"thresholds chosen per fold: {min(chosen)} .. {max(chosen)}")
    if args.misses:
        for n, r in enumerate(real):
            if said[n] != r.rules and r.counts:
                print(
                    f"  moved ({'right' if r.positive else 'WRONG'}): {r.set_name} {r.item.id} "
                    f"{r.values} | {r.item.message} || {r.item.reply}"
                )
    x, y = matrix(real)
    fitted = fit(x, y)
    threshold = threshold_for(real, fitted)
    model = model_of(fitted, threshold)
    for t in (0.5, 0.6, 0.7, 0.8, 0.9):
        print(f"  at {t}: {_cell(figures(flags(real, model_of(fitted, t)), real))}")
    print(
        f"\nfitted on all {len(y)} held replies ({int(y.sum())} violations); threshold {threshold}"
    )
    print(f"  in sample: {_cell(figures(flags(real, model), real))}")
    for name, w in zip(cr.FEATURES, model.weights, strict=True):
        print(f"  {name:20s} {w:+.3f}")
    if args.misses:
        for r in real:
            if not r.rules and r.values is not None and r.positive and not model.fails(r.values):
                print(
                    f"  missed p={model.probability(r.values):.2f} {r.set_name} {r.item.id} "
                    f"{r.values} | {r.item.reply}"
                )
    print(f"{time.perf_counter() - started:.0f} s")
    digest = hashlib.sha256(json.dumps([x.tolist(), y.tolist()]).encode()).hexdigest()
    measured = {"replies": len(y), "violations": int(y.sum()), "rows_sha256": digest}
    arrays = {
        "features": np.array(json.dumps(list(cr.FEATURES))),
        "mean": np.array(model.mean),
        "scale": np.array(model.scale),
        "weights": np.array(model.weights),
        "bias": np.array(model.bias),
        "threshold": np.array(model.threshold),
        "measured": np.array(json.dumps(measured, sort_keys=True)),
    }
    blob = reproducible_npz(arrays)
    if args.check:
        if not OUT.is_file() or OUT.read_bytes() != blob:
            sys.exit(f"{OUT} differs from its rebuild")
        print(f"{OUT}: rebuilt byte for byte")
    elif args.write:
        OUT.write_bytes(blob)
        print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
