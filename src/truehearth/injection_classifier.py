"""The shipped injection classifier: its weights, loaded once, offline.

:mod:`truehearth.core.injection` is pure and takes the classifier as an
argument; this adapter is the one place that reads the weights file
(``truehearth/weights/injection.npz``, written by
``bench/train_injection.py``) from the installed package through
:mod:`importlib.resources`. Nothing is downloaded: the file is part of the
wheel. It is read on first use, not at import, so a command that never
imports anything pays nothing.
"""

from __future__ import annotations

import functools
import io
from importlib import resources

import numpy as np

from truehearth.core.injection import Finding
from truehearth.core.injection import detect as _detect
from truehearth.core.injection_model import FEATURE_VERSION, LinearModel
from truehearth.injection_meaning import load_second_stage

WEIGHTS = "injection.npz"


@functools.cache
def load_model() -> LinearModel:
    """The classifier that ships in the package (read once, then shared)."""
    blob = resources.files("truehearth").joinpath("weights").joinpath(WEIGHTS).read_bytes()
    return model_from_bytes(blob)


def model_from_bytes(blob: bytes) -> LinearModel:
    """A :class:`LinearModel` from the bytes of a weights file."""
    with np.load(io.BytesIO(blob), allow_pickle=False) as data:
        version = int(data["feature_version"].item())
        if version != FEATURE_VERSION:
            raise ValueError(f"weights made for features v{version}, this is v{FEATURE_VERSION}")
        return LinearModel(
            weights=data["weights"].astype(np.float32),
            bias=float(data["bias"].item()),
            threshold=float(data["threshold"].item()),
            bits=int(data["bits"].item()),
        )


def detect(text: str) -> Finding | None:
    """Rules, the shipped classifier and (with the ``meaning`` extra) the second stage
    together: what importers call."""
    return _detect(text, load_model(), load_second_stage())
