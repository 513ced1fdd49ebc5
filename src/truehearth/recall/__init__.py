"""Recall: finding what matters in a home, with provenance and trust."""

from truehearth.recall.base import Recalled, Retriever
from truehearth.recall.fts import FTSRetriever


def default_retriever() -> Retriever:
    """The retriever the context router uses unless told otherwise."""
    return FTSRetriever()


__all__ = ["FTSRetriever", "Recalled", "Retriever", "default_retriever"]
