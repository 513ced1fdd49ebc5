"""The static vector lists of hybrid recall: plain cosine, and cosine without what a home's
talk has in common.

Kept apart from :mod:`.hybrid` (which fuses them with the other lists) so each reads in one
sitting: these ask the home's vector index (:mod:`.vectors`) and hand fusion ranked,
admitted candidates. :class:`VectorLists` is a base of
:class:`~truehearth.recall.hybrid.HybridRetriever`, whose settings it reads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from truehearth.recall.db import RecallDB
from truehearth.recall.embedder_base import Vectors
from truehearth.recall.glance import Glance
from truehearth.recall.query import without_stopwords
from truehearth.recall.question_rows import QuestionRows
from truehearth.recall.settings import index_of
from truehearth.recall.vectors import VectorHit, VectorIndex

if TYPE_CHECKING:
    from truehearth.recall.hybrid import Fusion


class VectorLists:
    """The vector lists' part of the retriever (its settings are the retriever's)."""

    fusion: Fusion
    candidates: int
    common: int
    uncommon: float
    common_share: float

    def _vector_lists(
        self,
        db: RecallDB,
        rows: QuestionRows,
        text: str,
        admit: Callable[[Glance], bool],
        quarantined: bool,
        syncing: bool,
    ) -> list[tuple[str, tuple[float, int], list[tuple[int, Glance, float]]]]:
        """The vector list (plain cosine, or without the home's common talk when
        :attr:`common` is set alone) and, when :attr:`uncommon` weighs it, the second,
        uncommon one: each with its label and fusion weights."""
        index = index_of(db)
        if syncing:
            index.sync()
        query = index.embedder.embed([without_stopwords(text)])[0]
        shifted = self._rank_by(index, query)
        plain = ("vector", self.fusion.vector)
        wanted = self.candidates * 2
        if shifted is None or self.uncommon <= 0:
            hits = index.search(query, wanted, shifted)
            return [(*plain, self._vector_hits(rows, hits, admit, quarantined))]
        second = ("uncommon vector", (self.uncommon, self.fusion.vector[1]))
        both = index.search_two(query, shifted, wanted)  # one read of the vectors for both
        return [
            (*plain, self._vector_hits(rows, both[0], admit, quarantined)),
            (*second, self._vector_hits(rows, both[1], admit, quarantined)),
        ]

    def _vector_hits(
        self,
        rows: QuestionRows,
        hits: list[VectorHit],
        admit: Callable[[Glance], bool],
        quarantined: bool,
    ) -> list[tuple[int, Glance, float]]:
        return rows.admitted(hits, admit, quarantined, self.candidates)

    def _rank_by(self, index: VectorIndex, query: Vectors) -> Vectors | None:
        """The question's vector with what the home's talk has in common taken out: its
        mean, and its :attr:`common` directions of most variance (None: plain cosine)."""
        if not self.common:
            return None
        found = index.common(self.common, self.common_share)
        if found is None:
            return None
        mean, directions = found
        shifted = query - mean
        return shifted - directions.T @ (directions @ shifted)
