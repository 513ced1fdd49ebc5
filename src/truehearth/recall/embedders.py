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
    "Embedder",
    "EmbedderFactory",
    "EmbedderUnavailable",
    "Vectors",
    "factories",
    "make_embedder",
    "normalise",
    "one_blas_thread",
]

EmbedderFactory = Callable[[dict[str, str]], Embedder]


def factories() -> dict[str, tuple[EmbedderFactory, str]]:
    """Every embedder by name, with a line about it: the built-ins and any plugin's."""
    from truehearth import plugins

    return plugins.embedder_factories()


DEFAULT_EMBEDDER = "wordllama"

_cache: dict[tuple[str, tuple[tuple[str, str], ...]], Embedder] = {}


def make_embedder(name: str, options: dict[str, str] | None = None) -> Embedder:
    """Build (once per process) the embedder called ``name`` with its options."""
    opts = dict(options or {})
    known = factories()
    if name not in known:
        raise InvalidInput(f"unknown embedder {name!r}; choose one of: {', '.join(known)}")
    key = (name, tuple(sorted(opts.items())))
    if key not in _cache:
        _cache[key] = known[name][0](opts)
    return _cache[key]
