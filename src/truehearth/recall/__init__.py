"""Recall: finding what matters in a home, with provenance and trust."""

from truehearth.recall.base import Recalled, Retriever
from truehearth.recall.catchup import INLINE, sync_indexes
from truehearth.recall.fts import FTSRetriever
from truehearth.recall.hybrid import HybridRetriever


def default_retriever() -> Retriever:
    """The retriever the context router uses unless told otherwise: hybrid recall.

    A turn's retrieval never waits for a large backlog (an import) to be indexed:
    it searches the index as it stands (see :data:`~truehearth.recall.catchup.INLINE`).
    """
    return HybridRetriever(inline=INLINE)


__all__ = [
    "FTSRetriever",
    "HybridRetriever",
    "Recalled",
    "Retriever",
    "default_retriever",
    "sync_indexes",
]
