"""Recall's catch-up writes the talk index, the vectors and the graph together.

Real SQLite homes and the real default embedder. Each index keeps its own
watermark on the record feed; the catch-up between turns reads the new rows
once and writes all three in one transaction, so no crash can leave one index
ahead of another, and indexes that a crash (or a lone sync) did leave apart
still end in agreement.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from truehearth.home import Home
from truehearth.recall.graph import Graph
from truehearth.recall.settings import index_of
from truehearth.recall.talk import TalkIndex

FACTS = [
    "I work at Northwind as a translator {i}.",
    "My sister's name is Maya {i}.",
    "Jonas {i} is my best friend from school.",
    "It rained all day and nothing happened {i}.",
]

CHILD = """
import sys
from pathlib import Path
from truehearth.home import Home

FACTS = {facts!r}
with Home.open(Path(sys.argv[1])) as home:
    i = 0
    while True:
        for _ in range(30):
            i += 1
            home.remember(FACTS[i % len(FACTS)].format(i=f"{{sys.argv[2]}}-{{i}}"))
        sys.stdout.write("added\\n")
        sys.stdout.flush()
        home.sync_recall()
"""


def _marks(home: Home) -> tuple[int, int, int]:
    db = home.recall_index
    return TalkIndex(db).watermark(), index_of(db).watermark(), Graph(db).watermark()


def _assert_indexes_agree(home: Home) -> None:
    """Every index saw every record row exactly once, and the feed holds nothing unread."""
    db = home.recall_index
    with sqlite3.connect(home.path / "home.db") as conn:
        # Read rows may wait in the feed for the next trim; its newest position
        # lives on in its sequence either way.
        (head,) = conn.execute(
            "SELECT seq FROM sqlite_sequence WHERE name = 'record_feed'"
        ).fetchone()
        assert _marks(home) == (head, head, head)
        assert db.feed_since(head, 10) == []
        waiting = db.feed_since(0, db.trim_every + 1)
        assert len(waiting) < db.trim_every  # a batch of read rows is trimmed at once
        rows = conn.execute("SELECT count(*) FROM records").fetchone()[0]
        talk = conn.execute("SELECT count(*) FROM recall_talk").fetchone()[0]
        spoken = conn.execute("SELECT coalesce(sum(turns), 0) FROM recall_speakers").fetchone()[0]
        vectors = conn.execute("SELECT count(*) FROM recall_vectors").fetchone()[0]
        edges = conn.execute("SELECT count(*) FROM graph_edges").fetchone()[0]
        distinct = conn.execute(
            "SELECT count(*) FROM (SELECT DISTINCT record_id, subject, relation, object "
            "FROM graph_edges)"
        ).fetchone()[0]
    assert talk == rows and spoken == rows  # a record indexed twice counts its speaker twice
    assert vectors == rows == index_of(db).count()
    assert edges == distinct and edges > 0


def test_the_catch_up_writes_every_index_in_one_transaction(home: Home) -> None:
    for i in range(12):
        home.remember(FACTS[i % len(FACTS)].format(i=i))
    home.sync_recall()
    for i in range(12, 15):
        home.remember(FACTS[i % len(FACTS)].format(i=i))
    statements: list[str] = []
    home.recall_index.conn.set_trace_callback(statements.append)
    try:
        assert home.sync_recall() == 3 * 3  # three rows, counted once per index
    finally:
        home.recall_index.conn.set_trace_callback(None)
    assert [s for s in statements if s.startswith("BEGIN")] == ["BEGIN IMMEDIATE"]
    _assert_indexes_agree(home)


def test_the_feed_is_trimmed_in_batches_never_past_an_index(home: Home) -> None:
    """Trimming is a write (a full fsync) of the journal's connection: not one per turn."""
    db = home.recall_index
    db.trim_every = 6
    for i in range(4):
        home.remember(FACTS[i % len(FACTS)].format(i=i))
    home.sync_recall()
    statements: list[str] = []
    db.projection._conn.set_trace_callback(statements.append)  # type: ignore[attr-defined]
    try:
        home.remember(FACTS[0].format(i=4))
        home.sync_recall()  # five read rows wait: no write on the store's connection
        assert [s for s in statements if s.startswith(("BEGIN", "DELETE"))] == []
        assert [seq for seq, _rid in db.feed_since(0, 10)] == [1, 2, 3, 4, 5]
        home.remember(FACTS[1].format(i=5))
        TalkIndex(db).sync()  # one index ahead of the others: only what all read may go
        assert db.prune_feed() == 0
        home.sync_recall()  # the sixth read row: the batch goes
        assert [s for s in statements if s.startswith("DELETE")] == [
            "DELETE FROM record_feed WHERE seq <= 6"
        ]
    finally:
        db.projection._conn.set_trace_callback(None)  # type: ignore[attr-defined]
    assert db.feed_since(0, 10) == []
    _assert_indexes_agree(home)


def test_indexes_left_apart_agree_after_the_next_catch_up(home: Home) -> None:
    """What a crash between two separate syncs used to leave: the talk index ahead."""
    for i in range(8):
        home.remember(FACTS[i % len(FACTS)].format(i=i))
    home.sync_recall()
    for i in range(8, 20):
        home.remember(FACTS[i % len(FACTS)].format(i=i))
    TalkIndex(home.recall_index).sync()
    talk, vectors, graph = _marks(home)
    assert talk > vectors == graph
    home.sync_recall()
    _assert_indexes_agree(home)


def test_a_catch_up_killed_at_random_moments_never_splits_the_indexes(home_dir: Path) -> None:
    with Home.init(home_dir, "Ash") as home:
        for i in range(4):
            home.remember(FACTS[i].format(i=i))
        home.sync_recall()  # the first sync builds the indexes; later ones catch up
    script = home_dir.parent / "catchup_child.py"
    script.write_text(CHILD.format(facts=FACTS))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    rng = random.Random(20261202)
    for kill in range(6):
        child = subprocess.Popen(
            [sys.executable, str(script), str(home_dir), str(kill)],
            stdout=subprocess.PIPE,
            env=env,
        )
        assert child.stdout is not None
        child.stdout.readline()  # the first rows are in: the kill lands among syncs and writes
        time.sleep(rng.uniform(0.0, 0.4))
        child.send_signal(signal.SIGKILL)
        child.communicate()
        assert child.returncode == -signal.SIGKILL
        with Home.open(home_dir) as home:
            talk, vectors, graph = _marks(home)
            assert talk == vectors == graph  # all three moved together, or none did
    with Home.open(home_dir) as home:
        home.sync_recall()
        _assert_indexes_agree(home)
        assert home.verify().ok


def _hits(home: Home, question: str) -> list[tuple[str, float]]:
    index = index_of(home.recall_index)
    query = index.embedder.embed([question])[0]
    return [(h.record_id, round(h.score, 5)) for h in index.search(query, 10)]


def test_vector_files_that_lost_rows_to_a_power_cut_are_rebuilt(home_dir: Path) -> None:
    """The vector files are not synced to disk on each append: a power cut may keep
    recall's row count (made durable by the journal's next commit) and lose the
    rows themselves. The next sync sees a file shorter than its count and rebuilds."""
    with Home.init(home_dir, "Ash") as home:
        for i in range(12):
            home.remember(FACTS[i % len(FACTS)].format(i=i))
        home.sync_recall()
        index = index_of(home.recall_index)
        rows, dim = index.count(), index.embedder.dim
        assert rows >= 12
        before = _hits(home, "who is my sister")
        paths = (index.path, index.rid_path)
    assert before
    for path, width in zip(paths, (dim * 4, 8), strict=True):
        assert path.stat().st_size == rows * width
        os.truncate(path, (rows - 3) * width)  # the last rows never reached the disk
        with Home.open(home_dir) as home:
            home.sync_recall()
            index = index_of(home.recall_index)
            assert index.count() == rows
            assert index.path.stat().st_size == rows * dim * 4
            assert index.rid_path.stat().st_size == rows * 8
            assert _hits(home, "who is my sister") == before
            _assert_indexes_agree(home)


def test_vector_files_as_long_as_their_count_are_not_rebuilt(home: Home) -> None:
    for i in range(6):
        home.remember(FACTS[i % len(FACTS)].format(i=i))
    home.sync_recall()
    index = index_of(home.recall_index)
    generation = home.recall_index.meta(f"vec.generation:{index.eid}")
    home.remember("One more line about the garden.")
    home.sync_recall()
    assert home.recall_index.meta(f"vec.generation:{index.eid}") == generation  # no rebuild
    _assert_indexes_agree(home)


def test_a_talk_batch_written_twice_counts_its_speakers_once(home: Home) -> None:
    """A request's own talk sync and the server's catch-up may make the same batch at
    once; the second to write re-writes the documents but must not count again."""
    for i in range(4):
        home.remember(FACTS[i].format(i=i))
    home.sync_recall()
    for i in range(4, 9):
        home.remember(FACTS[i % len(FACTS)].format(i=i))
    db = home.recall_index
    talk = TalkIndex(db)
    feed = db.feed_since(talk.watermark(), 100)
    late = talk.documents(db.records_by_rid([rid for _seq, rid in feed]))  # made, not written
    home.sync_recall()  # the other thread's catch-up writes the same rows first
    with db.writing() as conn:
        talk.write(conn, late, feed[-1][0])
    _assert_indexes_agree(home)
