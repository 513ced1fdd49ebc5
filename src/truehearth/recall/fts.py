"""Full-text recall: SQLite FTS5 BM25 over current records."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from truehearth.core.records import Layer
from truehearth.recall.base import Recalled

if TYPE_CHECKING:
    from truehearth.home import Home


class FTSRetriever:
    """BM25 ranking from the store's FTS5 index; quarantined records only on request."""

    def retrieve(
        self,
        home: Home,
        query: str,
        *,
        limit: int = 10,
        layers: Sequence[Layer] = (),
        include_quarantined: bool = False,
    ) -> list[Recalled]:
        hits = home.search(
            query, layers=layers, include_quarantined=include_quarantined, limit=limit
        )
        return [
            Recalled(record, -score, f"keyword match (bm25 {-score:.2f})") for record, score in hits
        ]
