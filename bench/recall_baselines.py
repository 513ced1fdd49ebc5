"""Outside baselines for the external recall benchmark: small, obvious, and honest.

They see the same sessions in the same order as the home, but keep their own
index (an in-memory FTS5 table and a matrix of wordllama vectors), so they show
what a 30-line script gets on the same data:

* ``bm25-bare``: BM25 over each turn's text alone;
* ``bm25-window``: BM25 over each turn plus its neighbours (within ``window``) and
  the session date written out;
* ``rrf-window+wordllama``: weighted reciprocal rank fusion of ``bm25-window``
  with wordllama cosine over the bare turns.
"""

from __future__ import annotations

import sqlite3
from datetime import date

import numpy as np

from extsets import Session
from truehearth.recall.embed_wordllama import WordLlamaEmbedder
from truehearth.recall.query import keyword_terms

Key = tuple[int, int]  # (session index, turn index)


def date_words(day: str) -> str:
    """'2023-05-04' as words a question might use: 'May 4 2023 Thursday'."""
    try:
        d = date.fromisoformat(day)
    except ValueError:
        return day
    return f"{d.strftime('%B')} {d.day} {d.year} {d.strftime('%A')}"


class Baselines:
    """The three outside baselines, grown one session at a time."""

    def __init__(self, embedder: WordLlamaEmbedder, window: int = 1) -> None:
        self.db = sqlite3.connect(":memory:")
        for table in ("bare", "win"):
            self.db.execute(
                f"CREATE VIRTUAL TABLE {table} USING fts5(text, s UNINDEXED, t UNINDEXED, "
                "tokenize='porter unicode61')"
            )
        self.embedder = embedder
        self.window = window
        self.keys: list[Key] = []
        self.vectors: list[np.ndarray] = []

    def add(self, index: int, session: Session) -> None:
        texts = [f"{t.speaker}: {t.text}" for t in session.turns]
        bare = [t.text for t in session.turns]
        when = date_words(session.date)
        for i, text in enumerate(bare):
            lo, hi = max(0, i - self.window), i + self.window + 1
            self.db.execute("INSERT INTO bare VALUES (?, ?, ?)", (text, index, i))
            self.db.execute(
                "INSERT INTO win VALUES (?, ?, ?)",
                (when + "\n" + "\n".join(texts[lo:hi]), index, i),
            )
            self.keys.append((index, i))
        if bare:
            vecs = self.embedder.embed(bare)
            self.vectors.append(np.asarray(vecs, np.float32))

    def bm25(self, table: str, query: str, limit: int) -> list[Key]:
        words = keyword_terms(query)
        if not words:
            return []
        match = " OR ".join(f'"{w}"' for w in words)
        rows = self.db.execute(
            f"SELECT s, t FROM {table} WHERE {table} MATCH ? ORDER BY bm25({table}) LIMIT ?",
            (match, limit),
        )
        return [(int(s), int(t)) for s, t in rows]

    def cosine(self, query: str, limit: int) -> list[Key]:
        if not self.vectors:
            return []
        matrix = np.concatenate(self.vectors)
        self.vectors = [matrix]
        q = np.asarray(self.embedder.embed([query])[0], np.float32)
        sims = matrix @ q
        top = np.argsort(-sims)[:limit]
        return [self.keys[int(i)] for i in top]

    def rrf(self, query: str, limit: int, weight: float = 0.5, k: int = 60) -> list[Key]:
        """Weighted RRF: the keyword list counts fully, the vector list by ``weight``."""
        scores: dict[Key, float] = {}
        for w, ranked in ((1.0, self.bm25("win", query, 100)), (weight, self.cosine(query, 100))):
            for rank, key in enumerate(ranked, 1):
                scores[key] = scores.get(key, 0.0) + w / (k + rank)
        return sorted(scores, key=lambda key: -scores[key])[:limit]

    def systems(self) -> dict[str, object]:
        return {
            "BM25 over bare turns": lambda q, n: self.bm25("bare", q, n),
            "BM25 over turn ± 1 + session date": lambda q, n: self.bm25("win", q, n),
            "weighted RRF of that with wordllama": self.rrf,
        }
