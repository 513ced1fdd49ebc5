"""Recall: finding what matters in a home, with provenance and trust."""

from truehearth.recall.base import Recalled, Retriever

__all__ = ["Recalled", "Retriever"]
