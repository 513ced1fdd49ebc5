"""Persistence of the journal and its projections, behind the :class:`Store` protocol."""

from truehearth.store.base import RecordQuery, Store

__all__ = ["RecordQuery", "Store"]
