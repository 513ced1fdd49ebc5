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
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from importlib import resources

import numpy as np

from truehearth.core.injection import Finding, GreyZone
from truehearth.core.injection import detect as _detect
from truehearth.core.injection import screen as _screen
from truehearth.core.injection_model import FEATURE_VERSIONS, LinearModel
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
        if version not in FEATURE_VERSIONS:
            raise ValueError(f"weights made for features v{version}, this reads {FEATURE_VERSIONS}")
        return LinearModel(
            weights=data["weights"].astype(np.float32),
            bias=float(data["bias"].item()),
            threshold=float(data["threshold"].item()),
            bits=int(data["bits"].item()),
            version=version,
        )


def detect(text: str, *, by_human: bool = False) -> Finding | None:
    """Rules, the shipped classifier and (with the ``meaning`` extra) the second stage
    together: what importers call. ``by_human``: the archive's own human wrote ``text``
    to their companion (:func:`truehearth.core.injection.detect_rules` says what changes)."""
    return _detect(text, load_model(), load_second_stage(), by_human=by_human)


class Screening:
    """The shipped detector for a bulk import: the second stage's reading runs on a thread.

    The encoder is the one costly step (tens of milliseconds a text, for the few
    texts in the grey zone) and it runs in C without the interpreter lock, so an
    importer can go on parsing, scoring and writing other items while it reads.
    :meth:`check` answers at once with a callable that gives the finding when
    asked; the answer is the same as :func:`detect`'s for the same text. Use it
    as a context manager: the thread ends with the block.
    """

    def __init__(self) -> None:
        self._model: LinearModel | None = load_model()
        self._second = load_second_stage()
        self._pool: ThreadPoolExecutor | None = None

    def __enter__(self) -> Screening:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def check(self, text: str, *, by_human: bool = False) -> Callable[[], Finding | None]:
        """What :func:`detect` would answer for ``text``, possibly still being worked out."""
        found = _screen(text, self._model, self._second, by_human=by_human)
        if not isinstance(found, GreyZone):
            return lambda: found
        second = self._second
        assert second is not None  # a grey zone is only reported with a second stage
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="injection-meaning")
        reading: Future[bool] = self._pool.submit(second.flags, found.span)
        return lambda: found.finding(reading.result())
