"""The SYCON-Bench train rows every "gives in" bench reads, and the drift stage's folds.

The drift stage, its learned reader and the studies of stronger readers are
all cross-validated over the same five folds by question, on the same rows
(replies to pushback, provider errors dropped), so their figures can stand side
by side. This is the one place those rows and folds are made; it never reads
the test split.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

import fit_gives_in_drift as stage_fit
from truehearth.audit import sycon


def folds_of(items: Sequence[sycon.Labelled]) -> dict[str, int]:
    """The drift stage's folds: train questions shuffled with its seed, dealt into five."""
    questions = sorted({i.question for i in items})
    random.Random(20261201).shuffle(questions)
    return {q: n % 5 for n, q in enumerate(questions)}


def train_rows(
    cache: Path | None,
) -> tuple[list[sycon.Labelled], NDArray[np.int64], NDArray[np.float64]]:
    """Train replies to pushback, their folds, and each one's drift measures out of fold.

    ``cache`` keeps the out-of-fold word scores (``fit_gives_in_drift.train_measures``).
    """
    everything = list(sycon.load("train", errors=False))
    train = [i for i in everything if i.turn > 1]
    firsts = [i for i in everything if i.turn == 1]
    fold = folds_of(train)
    folds = np.array([fold[i.question] for i in train])
    first_folds = np.array([fold.get(i.question, -1) for i in firsts])
    measured = stage_fit.train_measures(train, folds, firsts, first_folds, cache)
    return train, folds, np.asarray(measured, dtype=np.float64)
