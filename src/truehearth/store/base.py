"""The Store port: everything the library needs from persistence, and no more.

A store keeps two things in one transaction:

* the journal, append-only and hash-chained (the truth), and
* projections of the current state (a read cache of the fold), so that reads
  do not replay history.

SQLite is the embedded default; a server database can implement the same
protocol later without touching the core.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from truehearth.core.events import Draft, Event
from truehearth.core.journal import Head


@dataclass(frozen=True, slots=True)
class RecordQuery:
    """A filter over record projections."""

    layers: tuple[str, ...] = ()
    trusts: tuple[str, ...] = ()
    current_only: bool = True
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A record found by full-text search, with its BM25 score (lower is better)."""

    record: dict[str, Any]
    score: float


class Store(Protocol):
    """Persistence for one home."""

    def append(self, drafts: Sequence[Draft], at: str) -> list[Event]:
        """Seal and append drafts atomically, updating projections; all or nothing."""
        ...

    def append_stream(self, drafts: Iterable[Draft], at: str) -> Head | None:
        """Like :meth:`append` for a stream too large to hold: one transaction, returns the head."""
        ...

    def head(self) -> Head | None:
        """The recorded newest event, or ``None`` for an empty journal."""
        ...

    def events(
        self, start: int = 1, stop: int | None = None, *, reverse: bool = False
    ) -> Iterator[Event]:
        """Decoded events with ``start <= seq < stop``."""
        ...

    def raw_events(self) -> Iterator[tuple[int, bytes, str]]:
        """``(seq, body, digest)`` in order, undecoded: the input of verification."""
        ...

    def events_touching(self, entity_id: str) -> list[Event]:
        """Every event whose effects changed ``entity_id``, oldest first."""
        ...

    def get(self, kind: str, entity_id: str) -> dict[str, Any] | None:
        """Current value of one entity."""
        ...

    def find_ids(self, kind: str, prefix: str, limit: int = 5) -> list[str]:
        """Ids of ``kind`` starting with ``prefix`` (for typed short ids)."""
        ...

    def entities(self, kind: str) -> Iterator[dict[str, Any]]:
        """Every current entity of one collection."""
        ...

    def collections(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """Every entity of every collection as ``(kind, id, value)``."""
        ...

    def raw_collections(self) -> Iterator[tuple[str, str, bytes]]:
        """Every entity as ``(kind, id, canonical value bytes)``, undecoded (for verify)."""
        ...

    def records(self, query: RecordQuery) -> list[dict[str, Any]]:
        """Record projections matching a filter, newest first."""
        ...

    def count_records(self, query: RecordQuery) -> int: ...

    def search(self, text: str, query: RecordQuery) -> list[SearchHit]:
        """Full-text search over records, best first."""
        ...

    @property
    def key(self) -> bytes | None:
        """The encryption key in use, or ``None`` for a plain store."""
        ...

    def rekey(self, new_key: bytes) -> None:
        """Re-encrypt everything under a new key (encrypted stores only)."""
        ...

    def close(self) -> None: ...
