"""An encrypted home's vectors: read from its database once, then only the new rows.

Real SQLCipher homes and the real default embedder. Every proxy turn commits
new rows, so a search after each turn used to decrypt and read every vector
again; here the rows a process holds stay, new rows are read alone, and a
rebuild (in this process or another) makes it read them all again. What a
search returns is the same as from a fresh read.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from truehearth.home import Home
from truehearth.recall.settings import active_index
from truehearth.recall.vectors import VectorIndex

PASS = "correct horse battery"
LINES = [
    "The violin lesson moved to Thursday evenings {i}.",
    "My sister Maya {i} lives in Porto now.",
    "We planted basil and tomatoes by the fence {i}.",
]


def _reads(index: VectorIndex, statements: list[str]) -> list[str]:
    return [s for s in statements if s.startswith("SELECT row, rid, record_id, vec")]


QUESTIONS = ("violin lesson", "where does my sister live", "the garden")


def same_as_fresh(home: Home, index: VectorIndex, texts: Sequence[str] = QUESTIONS) -> None:
    """What ``index`` finds for each text is what an index that kept nothing finds."""
    fresh = VectorIndex(home.recall_index, index.embedder)
    for text in texts:
        query = index.embedder.embed([text])[0]
        kept, read = index.search(query, 5), fresh.search(query, 5)
        assert [(h.record_id, h.rid) for h in kept] == [(h.record_id, h.rid) for h in read]
        assert np.array_equal([h.score for h in kept], [h.score for h in read])


def test_a_sealed_home_reads_only_the_rows_added_since_its_last_search(tmp_path: Path) -> None:
    path = tmp_path / "sealed"
    with Home.init(path, "Ash", encryption="passphrase", passphrase=PASS) as home:
        for i in range(6):
            home.remember(LINES[i % 3].format(i=i))
        index = active_index(home)
        index.sync()
        statements: list[str] = []
        home.recall_index.conn.set_trace_callback(statements.append)
        try:
            query = index.embedder.embed(["violin"])[0]
            index.search(query, 3)
            assert _reads(index, statements)[-1].endswith("row >= 0 AND row < 6 ORDER BY row")
            # A turn journaled and indexed by another connection (the server's catch-up).
            with Home.open(path, passphrase=PASS) as other:
                other.remember(LINES[0].format(i=6))
                other.remember(LINES[1].format(i=7))
                other.sync_recall()
            statements.clear()
            index.search(query, 3)
            assert _reads(index, statements) == [
                "SELECT row, rid, record_id, vec FROM recall_vectors "
                f"WHERE embedder = '{index.eid}' AND row >= 6 AND row < 8 ORDER BY row"
            ]
            # The hits' records come with the rows read, not from another query.
            assert not [s for s in statements if s.startswith("SELECT row, record_id")]
            same_as_fresh(home, index)
            # A rebuild elsewhere marks a new generation: every row is read again.
            with Home.open(path, passphrase=PASS) as other:
                active_index(other).rebuild()
            statements.clear()
            index.search(query, 3)
            assert _reads(index, statements)[-1].endswith("row >= 0 AND row < 8 ORDER BY row")
            same_as_fresh(home, index)
        finally:
            home.recall_index.conn.set_trace_callback(None)
