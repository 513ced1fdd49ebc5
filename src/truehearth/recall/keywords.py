"""Keeping BM25 fast on a large home: leave out words that are everywhere.

FTS5 scores every row that matches any word of an OR query, so one word that
half the turns contain ("day", "today") costs a pass over half the home and
adds almost nothing to the ranking (its IDF is near zero). Before a query we
count, with a bounded scan, how many rows each word matches, and drop the
words above a share of the home (capped at a fixed count for large homes);
the count is cached per process.

A question made only of such words still gets one pass, on its rarest word;
on a large home that word can be in most turns, and scoring all of them cost
30-130 ms a question (the whole of context assembly's p95 tail at 100k). Its
IDF is near zero, so bm25 over all of them ranks little better than chance:
the pass reads only the word's newest :data:`NEWEST` turns instead.
"""

from __future__ import annotations

import math

from truehearth.store.base import ProjectionReader

COMMON_SHARE = 0.02  # a word in more than 2% of records is too common to search for
MIN_COMMON = 200  # ... but never call a word common in a small home below this many rows
MAX_COMMON = 5_000  # ... and in a large home, a word in 5,000 records distinguishes little


PASS_BUDGET = 10_000  # rows one BM25 pass may have to score, summed over its words
# A question of common words only: its rarest word is read in its newest this many
# turns (talk-index rows). Chosen on the tuning parts of the external sets and on
# context_bench's 100k home (docs/BENCHMARKS.md, round 7).
NEWEST = 2_000


def _common_limit(rows: int) -> int:
    """Above how many matching records a word is common in a home of ``rows`` records."""
    return min(MAX_COMMON, max(MIN_COMMON, int(rows * COMMON_SHARE)))


class CommonWords:
    """Per-home cache of how many records each word matches (counted up to a bound)."""

    def __init__(self, records: ProjectionReader) -> None:
        self.records = records
        self._seen: dict[tuple[str, int], int] = {}

    def _limit(self) -> tuple[int, int]:
        rows = self.records.approximate_count()
        bucket = int(math.log2(rows + 1))  # recount only when the home doubles
        return _common_limit(rows), bucket

    def _matches(self, word: str, limit: int, bucket: int) -> int:
        """How many records ``word`` matches, counted up to ``limit + 1`` ("more than limit").

        The count is kept for the bucket, while the limit grows with the home
        inside it. So the scan goes up to the largest limit the bucket can
        reach: a word once found common stays common until the home doubles.
        Counted only up to the limit of the moment, a common word's count was
        ``limit + 1`` of its day, and once the home had grown by 50 rows per
        unit of limit it no longer counted as common: every such word was
        searched again (a proxy bench home went from one cheap pass to bm25
        over 6,300 rows, ~5 ms a question, after 1,000 new rows).
        """
        key = (word, bucket)
        if key not in self._seen:
            most = _common_limit(2 ** (bucket + 1) - 1)  # rows stay below this in the bucket
            self._seen[key] = self.records.word_matches(word, most + 1)
        return min(self._seen[key], limit + 1)

    def common(self, word: str) -> bool:
        limit, bucket = self._limit()
        return self._matches(word, limit, bucket) > limit

    def everywhere(self, kept: list[str]) -> bool:
        """Whether the words :meth:`keep` returned are its fallback: one common word."""
        return len(kept) == 1 and self.common(kept[0])

    def keep(
        self, words: list[str], *, budget: int = PASS_BUDGET, fallback: bool = True
    ) -> list[str]:
        """The words worth a BM25 pass, in their order: rarest first until the budget is spent.

        Words above the common limit are left out. When none is left and
        ``fallback`` is set, the single rarest word is kept, so a question made
        only of common words still finds something, at a bounded cost.
        """
        limit, bucket = self._limit()
        counted = sorted((self._matches(w, limit, bucket), i, w) for i, w in enumerate(words))
        kept: list[tuple[int, str]] = []
        spent = 0
        for matches, i, word in counted:
            if matches > limit or spent + matches > budget:
                continue
            kept.append((i, word))
            spent += matches
        if not kept and fallback and counted:
            kept = [(counted[0][1], counted[0][2])]
        return [word for _i, word in sorted(kept)]
