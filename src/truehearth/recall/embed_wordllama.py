"""The default embedder: wordllama's static embeddings, shipped inside its wheel.

It is the default because its weights ship inside its PyPI wheel and it needs
only numpy: it works offline, on two cores, at thousands of texts per second.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from truehearth.core.errors import InvalidInput
from truehearth.recall.embedder_base import EmbedderUnavailable, Vectors, normalise, package_dir

TRUNCATIONS = (64, 128, 256)
ONE_BY_ONE = 16
"""Texts up to which a batch is tokenized one by one (the same ids).

``encode_batch`` hands a batch to the tokenizer's pool of threads, which then
spin for a while waiting for more: for the two turns a proxy turn indexes, that
cost more CPU in the pool than the tokenizing itself (~0.19 ms against ~0.07 ms,
measured). A question, a turn's catch-up, are a few texts; an import or a
rebuild, thousands, where the pool pays for itself.
"""


class WordLlamaEmbedder:
    """Static token embeddings from the wordllama wheel, mean-pooled.

    ``WordLlama.load()`` looks for its tokenizer under ``tokenizer/`` while the
    wheel ships it under ``tokenizers/``, and then tries to download it. We load
    the shipped files directly, so nothing ever reaches for the network.
    """

    def __init__(self, config: str = "l2_supercat", dim: int = 256) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        if dim not in TRUNCATIONS:
            raise InvalidInput(f"wordllama dim must be one of {', '.join(map(str, TRUNCATIONS))}")
        root = package_dir("wordllama")
        weights = root / "weights" / f"{config}_256.safetensors"
        vocab = root / "tokenizers" / f"{config}_tokenizer_config.json"
        if not weights.is_file() or not vocab.is_file():
            raise EmbedderUnavailable(f"wordllama {config} files are not in the wheel")
        # Matryoshka-trained: the leading columns are a smaller embedding of their own.
        table = load_file(str(weights))["embedding.weight"][:, :dim]
        self._table = np.ascontiguousarray(table, np.float32)
        self._tokenizer = Tokenizer.from_file(str(vocab))
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        self._id = f"wordllama:{config}:{dim}"

    @property
    def id(self) -> str:
        return self._id

    @property
    def dim(self) -> int:
        return int(self._table.shape[1])

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        if len(texts) <= ONE_BY_ONE:
            encode = self._tokenizer.encode
            return [list(encode(text, add_special_tokens=False).ids) for text in texts]
        encoded = self._tokenizer.encode_batch(list(texts), add_special_tokens=False)
        return [list(e.ids) for e in encoded]

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        ids = self.token_ids(texts)
        lengths = np.fromiter((len(i) for i in ids), np.int64, len(ids))
        flat = np.fromiter((t for row in ids for t in row), np.int64, int(lengths.sum()))
        np.clip(flat, 0, self._table.shape[0] - 1, out=flat)
        out = np.zeros((len(ids), self.dim), np.float32)
        nonempty = lengths > 0
        if flat.size:
            starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))[nonempty]
            sums = np.add.reduceat(self._table[flat], starts, axis=0)
            out[nonempty] = sums / lengths[nonempty, None]
        return normalise(out)

    @property
    def nested_dims(self) -> tuple[int, ...]:
        """Shorter prefixes that are embeddings in their own right (matryoshka training)."""
        return tuple(d for d in TRUNCATIONS if d <= self.dim)

    @property
    def table(self) -> Vectors:
        """The token embedding table (vocabulary x dim), used for query expansion."""
        return self._table

    def vocabulary(self) -> dict[str, int]:
        return dict(self._tokenizer.get_vocab())
