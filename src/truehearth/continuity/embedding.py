"""Sentence embeddings for the voice: wordllama's static 256-d model, loaded from its wheel.

wordllama ships its weights and tokenizer inside the PyPI package, numpy only.
Its own loader looks for the tokenizer under ``tokenizer/`` while the wheel
ships ``tokenizers/``, and would then try a download; the home never
downloads at run time, so the shipped files are opened directly here.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from truehearth.core.errors import TruehearthError

Vectors = npt.NDArray[np.float32]
MODEL_ID = "wordllama:l2_supercat_256"


class EmbeddingUnavailable(TruehearthError):
    """The embedded sentence model is not installed."""


class VoiceEmbedder:
    """Mean-pooled, L2-normalised static embeddings; deterministic and fast on CPU."""

    model_id = MODEL_ID

    def __init__(self) -> None:
        self._inner = _load()

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, 256), dtype=np.float32)
        rows = np.asarray(self._inner.embed(list(texts), norm=False), dtype=np.float32)
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        out: Vectors = (rows / np.maximum(norms, 1e-12)).astype(np.float32)
        return out


@lru_cache(maxsize=1)
def default_embedder() -> VoiceEmbedder:
    """One embedder per process: loading the table takes about a second."""
    return VoiceEmbedder()


def _load() -> Any:
    spec = importlib.util.find_spec("wordllama")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingUnavailable("wordllama is not installed; run `make install`")
    root = Path(next(iter(spec.submodule_search_locations)))
    weights = root / "weights" / "l2_supercat_256.safetensors"
    tokenizer_file = root / "tokenizers" / "l2_supercat_tokenizer_config.json"
    if not weights.is_file() or not tokenizer_file.is_file():
        raise EmbeddingUnavailable(f"the wordllama wheel at {root} lacks its bundled model files")
    from safetensors import safe_open
    from tokenizers import Tokenizer
    from wordllama.inference import WordLlamaInference

    with safe_open(str(weights), framework="np", device="cpu") as f:
        table = f.get_tensor("embedding.weight")
    return WordLlamaInference(table, Tokenizer.from_file(str(tokenizer_file)))


def centroid(vectors: Vectors) -> Vectors:
    mean = vectors.mean(axis=0)
    out: Vectors = (mean / max(float(np.linalg.norm(mean)), 1e-12)).astype(np.float32)
    return out
