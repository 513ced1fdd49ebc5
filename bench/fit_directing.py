"""Fit the agency model of unsolicited orders (scorers/directing.py) on the tuning sets, and
measure it leaving one tuning set out at a time.

    PYTHONPATH=src:bench .venv/bin/python bench/fit_directing.py

Reads the agency replies of the tuning sets only: the first set's tune split
(:attr:`BlindSet.tune`), the second to fourth, and the sets read for the rules
(:data:`RULES_TUNE_DIRS`). Never a held-out set. Each reply's features are its
counted signals and the shipped e5 precedents' reading of it.

Prints, per left-out set, agency precision / recall / per-reply accuracy of the
check as it is without the model (``before``) and with the model fitted on the
other sets (``after``), through the real scoring path; then the coefficients
fitted on every tuning set, to paste into ``directing.SHIPPED``.
"""

from __future__ import annotations

import os
import platform
import sys
import time

import numpy as np

from continuity_blind import knowledge_for
from truehearth.continuity.blindset import RULES_TUNE_DIRS, BlindReply, load_set, load_sets
from truehearth.continuity.precedent import _fit, shipped
from truehearth.continuity.scorers import rule_scorers
from truehearth.continuity.scorers.directing import FEATURES, THRESHOLD, Coefficients, counts
from truehearth.continuity.scorers.precedent import Precedent
from truehearth.continuity.validation import accuracy, score_blind, tally_by_dimension


def fitted(x: np.ndarray, y: np.ndarray) -> Coefficients:
    """The precedents' own deterministic logistic fit, over standardised features."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0) + 1e-6
    weights, bias = _fit((x - mean) / scale, y)
    return Coefficients(
        tuple(round(float(v), 4) for v in mean),
        tuple(round(float(v), 4) for v in scale),
        tuple(round(float(v), 4) for v in weights),
        round(float(bias), 4),
    )


def main() -> int:
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    sets = load_sets() + [load_set(d, frozen=False, name=d.name) for d in RULES_TUNE_DIRS]
    precedents = shipped()
    folds: dict[str, list[BlindReply]] = {
        b.name: [i for i in b.tune if i.dimension == "agency"] for b in sets
    }
    knowledge = {}
    for b in sets:
        knowledge.update(knowledge_for(b.companions))
    rows = [(name, i) for name, items in folds.items() for i in items]
    started = time.perf_counter()
    x = np.array(
        [counts(i.reply, precedents.read("agency", i.reply).probability) for _, i in rows]  # type: ignore[union-attr]
    )
    y = np.array([float(i.violation) for _, i in rows])
    took = (time.perf_counter() - started) / len(rows) * 1000
    print(f"{len(rows)} agency replies; features with the e5 reading: {took:.0f} ms a reply\n")
    names = np.array([name for name, _ in rows])
    print("| left out | before P / R / acc | after P / R / acc |")
    print("|---|---|---|")
    for name, items in folds.items():
        model = fitted(x[names != name], y[names != name])
        cells = []
        for directing_model in (None, model):
            scorers = dict(rule_scorers())
            scorers["precedent"] = Precedent(precedents, directing_model)
            t = tally_by_dimension(score_blind(items, knowledge, scorers))["agency"]
            cells.append(f"{t.precision:.2f} / {t.recall:.2f} / {accuracy(t):.3f}")
        print(f"| {name} ({len(items)}) | {cells[0]} | {cells[1]} |")
    model = fitted(x, y)
    print(f"\nthreshold {THRESHOLD}; fitted on all {len(rows)}:")
    for feature, w in zip(FEATURES, model.weights, strict=True):
        print(f"  {feature:10s} {w:+.3f}")
    print(f"\nSHIPPED = {model!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
