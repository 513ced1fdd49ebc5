"""The embedder port: texts to unit vectors, each space named by an id.

The id is stored with every vector, so vectors from two embedders (or two
settings of one) are never compared with each other. Implementations live in
their own modules (:mod:`~truehearth.recall.embed_wordllama`,
:mod:`~truehearth.recall.embed_st`, :mod:`~truehearth.recall.embed_remote`);
:mod:`~truehearth.recall.embedders` finds them by name.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol, cast, runtime_checkable

import numpy as np
import numpy.typing as npt

from truehearth.core.errors import TruehearthError

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


def package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise EmbedderUnavailable(f"the {name} package is not installed")
    return Path(next(iter(spec.submodule_search_locations)))
