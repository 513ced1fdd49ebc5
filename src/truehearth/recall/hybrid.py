"""Hybrid recall: BM25 and vectors (and graph facts), fused, then weighed by trust and age.

Each source ranks candidates its own way; reciprocal rank fusion adds
``1 / (K + rank)`` per source, so a record found by several sources rises
without any one source's raw scores dominating. The fused score is then
multiplied by trust (verified above untrusted; quarantined never, unless asked)
and by a small recency factor, so between two equal memories the newer wins.
Every result says why it was chosen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from truehearth.core.records import Layer, Record, Trust
from truehearth.recall.base import Recalled
from truehearth.recall.db import RecallDB
from truehearth.recall.expand import default_expander
from truehearth.recall.graph import Graph
from truehearth.recall.indextext import asks, record_date, turn_key
from truehearth.recall.query import (
    check_query,
    content_words,
    keyword_terms,
    without_stopwords,
)
from truehearth.recall.settings import index_of
from truehearth.store.base import RecordQuery

if TYPE_CHECKING:
    from truehearth.home import Home

RRF_K = 60
TRUST_WEIGHT = {Trust.VERIFIED: 1.0, Trust.UNTRUSTED: 0.8, Trust.QUARANTINED: 0.3}
RECENCY_BOOST = 0.05  # at most +5% for a memory from today
RECENCY_HALF_LIFE_DAYS = 180.0
GRAPH_WEIGHT = 2.0  # an extracted fact whose relation the question names is strong evidence
MAX_RELATED = 16  # related words per query: each adds its matches to the second BM25 pass
REPLY_WEIGHT = 1.0  # the answer to a question that matched counts like the question
REPLY_DEPTH = 20  # only the replies to the best keyword hits


@dataclass
class _Candidate:
    record: Record
    fused: float = 0.0
    reasons: list[str] = field(default_factory=list)


class HybridRetriever:
    """The default :class:`~truehearth.recall.base.Retriever`: BM25 + vectors + graph."""

    def __init__(
        self,
        *,
        bm25: bool = True,
        vectors: bool = True,
        graph: bool = True,
        expand: bool = True,
        replies: bool = True,
        candidates: int = 50,
        sync: bool = True,
    ) -> None:
        self.use_bm25 = bm25
        self.use_vectors = vectors
        self.use_graph = graph
        self.use_expansion = expand
        self.use_replies = replies
        self.candidates = candidates
        self.sync = sync

    def retrieve(
        self,
        home: Home,
        query: str,
        *,
        limit: int = 10,
        layers: Sequence[Layer] = (),
        include_quarantined: bool = False,
    ) -> list[Recalled]:
        text = check_query(query)
        db = home.recall_index  # the one thing recall asks of the home
        allowed = set(layers)
        pool: dict[str, _Candidate] = {}

        def admit(record: Record) -> bool:
            if not record.is_current or (allowed and record.layer not in allowed):
                return False
            return include_quarantined or record.trust is not Trust.QUARANTINED

        def add(rank: int, record: Record, reason: str, weight: float = 1.0) -> None:
            if not admit(record):
                return
            entry = pool.setdefault(record.id, _Candidate(record))
            entry.fused += weight / (RRF_K + rank)
            entry.reasons.append(reason)

        leads: list[tuple[int, Record, str]] = []
        keyword_filter = RecordQuery(
            layers=tuple(layer.value for layer in layers),
            trusts=() if include_quarantined else (Trust.VERIFIED.value, Trust.UNTRUSTED.value),
            limit=self.candidates,
        )
        for label, words in self._keyword_queries(db, text):
            hits = db.projection.search(words, keyword_filter)
            for rank, (record, _score) in enumerate(hits, 1):
                add(rank, record, f"{label} (bm25 rank {rank})")
                leads.append((rank, record, f"{label} rank {rank}"))
        if self.use_vectors:
            nearest = self._vector_hits(db, text, admit, include_quarantined)
            for rank, record, score in nearest:
                add(rank, record, f"vector rank {rank} (cos {score:.2f})")
        if self.use_graph:
            graph = Graph(db)
            if self.sync:
                graph.sync()
            for rank, edge in enumerate(graph.lookup(text, limit=self.candidates), 1):
                add(rank, edge.record, f"graph: {edge.describe()}", GRAPH_WEIGHT)
        if self.use_replies:
            for rank, record, reason in self._replies(db, leads):
                add(rank, record, f"reply after {reason}", REPLY_WEIGHT)
        today = datetime.now(UTC).date()
        ranked = sorted(pool.values(), key=lambda c: _final(c, today)[0], reverse=True)[:limit]
        return [self._recalled(c, today) for c in ranked]

    def _keyword_queries(self, db: RecallDB, text: str) -> list[tuple[str, str]]:
        """The BM25 queries to run: the question's own words, then related words."""
        queries: list[tuple[str, str]] = []
        if self.use_bm25:
            common = db.common_words
            own = keyword_terms(text) or content_words(text)
            queries.append(("keyword match", " ".join(common.keep(own))))
            if self.use_expansion:
                related = default_expander().expand(text)[: MAX_RELATED * 2]
                kept = common.keep(related, fallback=False)[:MAX_RELATED]
                if kept:
                    queries.append(("related words", " ".join(kept)))
        return queries

    def _replies(
        self, db: RecallDB, leads: list[tuple[int, Record, str]]
    ) -> list[tuple[int, Record, str]]:
        """The turn right after a keyword hit that asked something: the answer.

        "What did you name the puppy?" - "Oskar!" shares no word with "what is
        my dog called?"; the companion's question does, and the answer is the
        next turn.
        """
        wanted: dict[str, tuple[int, str]] = {}
        for rank, record, reason in leads:
            key = turn_key(record)
            if key is None or rank > REPLY_DEPTH:
                continue
            following = db.turn_at(key.session, key.turn + 1)
            if following is not None and following not in wanted and asks(record):
                wanted[following] = (rank, reason)
        found = db.records_by_id(list(wanted))
        return [(wanted[rid][0], record, wanted[rid][1]) for rid, record in found.items()]

    def _vector_hits(
        self, db: RecallDB, text: str, admit: Callable[[Record], bool], quarantined: bool
    ) -> list[tuple[int, Record, float]]:
        index = index_of(db)
        if self.sync:
            index.sync()
        query = index.embedder.embed([without_stopwords(text)])[0]
        hits = index.search(query, self.candidates * 2)
        rows = db.projection_rows([h.rid for h in hits])
        out: list[tuple[int, Record, float]] = []
        for hit in hits:
            row = rows.get(hit.rid)
            if row is None or row.id != hit.record_id:
                continue  # the row was removed (rollback) or reused by another record
            if not row.current or (row.trust == Trust.QUARANTINED.value and not quarantined):
                continue  # cheap column checks before the record is decoded
            record = row.record()
            if not admit(record):
                continue
            out.append((len(out) + 1, record, hit.score))
            if len(out) >= self.candidates:
                break
        return out

    def _recalled(self, candidate: _Candidate, today: date) -> Recalled:
        score, age = _final(candidate, today)
        record = candidate.record
        why = " + ".join(candidate.reasons)
        when = "today" if age == 0 else f"{age} day{'s' if age != 1 else ''} old"
        return Recalled(record, score, f"{why}; {record.trust.value}; {when}")


def _final(candidate: _Candidate, today: date) -> tuple[float, int]:
    record = candidate.record
    try:
        age = max(0, (today - date.fromisoformat(record_date(record))).days)
    except ValueError:
        age = 0
    recency = 1.0 + RECENCY_BOOST * 0.5 ** (age / RECENCY_HALF_LIFE_DAYS)
    return candidate.fused * TRUST_WEIGHT[record.trust] * recency, age
