"""Embedding similarity to the companion's verified voice.

The reference is the centroid of the home's verified companion-voice records
(reflections and replies the human confirmed). The threshold is derived from
that voice alone, never from the labelled set: a reply is "off-voice" when it
is further from the centroid than the furthest verified sample is from the
centroid of the others, with a margin. This scorer measures warmth and
register, not truth, and its precision/recall table says exactly that: an
imitation can sound right and still be wrong.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from truehearth.continuity.embedding import centroid, default_embedder
from truehearth.continuity.scorers.base import Finding, Situation
from truehearth.recall.embedder_base import Embedder, Vectors

MARGIN = 0.9
MIN_SAMPLES = 3


@dataclass(frozen=True, slots=True)
class VoiceReference:
    centroid: Vectors
    threshold: float
    samples: int


def reference_from(texts: tuple[str, ...], embedder: Embedder) -> VoiceReference | None:
    if len(texts) < MIN_SAMPLES:
        return None
    vectors = embedder.embed(list(texts))
    loo = []
    for i in range(len(texts)):
        others = np.delete(vectors, i, axis=0)
        loo.append(float(vectors[i] @ centroid(others)))
    return VoiceReference(centroid(vectors), min(loo) * MARGIN, len(texts))


class Voice:
    name = "voice"
    kind = "embedding"

    def __init__(self, embedder: Embedder | None = None) -> None:
        self._embedder = embedder
        self._cache: dict[tuple[str, ...], VoiceReference | None] = {}

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = default_embedder()
        return self._embedder

    def reference(self, texts: tuple[str, ...]) -> VoiceReference | None:
        if texts not in self._cache:
            self._cache[texts] = reference_from(texts, self.embedder)
        return self._cache[texts]

    def similarity(self, reply: str, ref: VoiceReference) -> float:
        return float(self.embedder.embed([reply])[0] @ ref.centroid)

    def score(self, s: Situation) -> Finding:
        ref = self.reference(s.knowledge.voice)
        if ref is None:
            return Finding(
                self.name, False, "fewer than 3 verified voice samples: no reference", None, True
            )
        sim = self.similarity(s.reply, ref)
        if sim < ref.threshold:
            return Finding(
                self.name, True, f"off-voice: similarity {sim:.2f} < {ref.threshold:.2f}", sim
            )
        return Finding(self.name, False, f"on-voice: similarity {sim:.2f}", sim)
