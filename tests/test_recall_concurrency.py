"""Concurrent recall on one home: index syncs racing each other lose nothing and fail nothing."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from truehearth.home import Home
from truehearth.recall import HybridRetriever, default_retriever


def test_parallel_queries_each_syncing_the_index(home: Home) -> None:
    for i in range(40):
        home.remember(f"memory {i}: we walked to the lighthouse and counted {i} gulls")
    default_retriever().retrieve(home, "lighthouse", limit=3)  # first sync
    for i in range(40, 120):
        home.remember(f"memory {i}: the orchard was full of pears in season {i}")

    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def ask(path: Path) -> None:
        try:
            with Home.open(path) as mine:
                start.wait()
                # Built directly: it indexes all 80 new rows before it searches (a turn's
                # retriever leaves a backlog beyond catchup.INLINE to the catch-up).
                found = HybridRetriever().retrieve(mine, "pears in the orchard", limit=5)
                assert found, "every query finds the pears"
        except BaseException as exc:  # collected and re-raised in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=ask, args=(home.path,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []

    with sqlite3.connect(home.path / "home.db") as conn:
        indexed = conn.execute("SELECT count(DISTINCT record_id) FROM recall_vectors").fetchone()[0]
        total = conn.execute("SELECT count(*) FROM records").fetchone()[0]
        duplicates = conn.execute(
            "SELECT count(*) - count(DISTINCT embedder || record_id) FROM recall_vectors"
        ).fetchone()[0]
    assert indexed == total
    assert duplicates == 0
