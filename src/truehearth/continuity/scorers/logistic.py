"""A fitted logistic reader shipped as weights: the form the learned scorers share.

The false-memory retelling reader and the boundary crossing reader are each a logistic
regression over named features, fitted in ``bench/`` and written to
``truehearth/weights`` with its features' names; each scorer says only when a reply
fails. Reading the file and the arithmetic live here once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import TypeVar

import numpy as np


@dataclass(frozen=True, slots=True)
class Logistic:
    """Standardise by ``mean`` and ``scale``, weigh by ``weights``, add ``bias``; a reply
    fails at ``threshold`` (how, each reader says)."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float

    def probability(self, values: tuple[float, ...]) -> float:
        x = (np.asarray(values) - np.asarray(self.mean)) / np.asarray(self.scale)
        z = float(self.bias + x @ np.asarray(self.weights))
        return float(1.0 / (1.0 + np.exp(-z)))


L = TypeVar("L", bound=Logistic)


def load_weights(kind: type[L], filename: str, features: tuple[str, ...]) -> L:
    """The reader in ``truehearth/weights/filename``, refused if fitted on other features."""
    ref = resources.files("truehearth.weights").joinpath(filename)
    with resources.as_file(ref) as path, np.load(path, allow_pickle=False) as data:
        names = tuple(json.loads(str(data["features"].item())))
        if names != features:
            raise ValueError(f"{filename} was fitted on other features: {names}")
        return kind(
            tuple(float(v) for v in data["mean"]),
            tuple(float(v) for v in data["scale"]),
            tuple(float(v) for v in data["weights"]),
            float(data["bias"]),
            float(data["threshold"]),
        )
