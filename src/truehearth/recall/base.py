"""The Retriever port: how the context router asks a home for relevant records.

The router depends only on this protocol. Full-text search is the first
implementation (:mod:`truehearth.recall.fts`); hybrid retrieval plugs in here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from truehearth.core.records import Layer, Record

if TYPE_CHECKING:
    from truehearth.home import Home


@dataclass(frozen=True, slots=True)
class Recalled:
    """A record chosen for a query, with a score (higher is better) and the reason."""

    record: Record
    score: float
    why: str


class Retriever(Protocol):
    """Finds records relevant to a query, best first."""

    def retrieve(
        self,
        home: Home,
        query: str,
        *,
        limit: int = 10,
        layers: Sequence[Layer] = (),
        include_quarantined: bool = False,
    ) -> list[Recalled]: ...
