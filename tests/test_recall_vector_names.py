"""Which record each vector row holds: read from the table once per generation.

Real SQLite homes and the real default embedder. A search names its hits by
row; the same rows come back question after question (and twice a question,
with the second vector list), so the names read are kept, and a search asks
the table only for rows no search returned before. Rows are only appended
until they are written anew (a rebuild here or in another process, a record
moved by a rollback), which marks a new generation: then every name is read
again. What a search returns is the same as from an index that kept nothing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.test_recall_sealed import LINES, same_as_fresh
from truehearth.home import Home
from truehearth.recall.settings import active_index
from truehearth.recall.vectors import VectorIndex

NAMES = "SELECT row, record_id FROM recall_vectors"


def _six_rows(home: Home) -> VectorIndex:
    """Six remembered lines, their vectors synced: the index the tests search."""
    for i in range(6):
        home.remember(LINES[i % 3].format(i=i))
    index = active_index(home)
    index.sync()
    return index


def test_a_search_reads_only_the_names_no_search_read_before(tmp_path: Path) -> None:
    path = tmp_path / "home"
    with Home.init(path, "Ash") as home:
        index = _six_rows(home)
        statements: list[str] = []
        home.recall_index.conn.set_trace_callback(statements.append)
        try:
            query = index.embedder.embed(["violin"])[0]
            first = index.search(query, 6)  # every row
            assert len([s for s in statements if s.startswith(NAMES)]) == 1
            statements.clear()
            again = index.search(query, 3)
            assert again == first[:3]
            assert not [s for s in statements if s.startswith(NAMES)]  # all kept
            # A turn journaled and indexed by another connection (the server's catch-up).
            with Home.open(path) as other:
                other.remember(LINES[0].format(i=6))
                other.remember(LINES[1].format(i=7))
                other.sync_recall()
            statements.clear()
            found = index.search(query, 8)  # every row again: only the two new ones are read
            (read,) = [s for s in statements if s.startswith(NAMES)]
            assert read.endswith(("row IN (6,7)", "row IN (7,6)"))
            assert len(found) == 8
            same_as_fresh(home, index, ["violin lesson", "where does my sister live"])
        finally:
            home.recall_index.conn.set_trace_callback(None)


def test_rows_written_anew_elsewhere_are_named_afresh(tmp_path: Path) -> None:
    """A rollback drops a record whose row was named; a rebuild in another process then
    puts another record at that row. The names kept are of the old generation."""
    path = tmp_path / "home"
    with Home.init(path, "Ash") as home:
        home.remember(LINES[0].format(i=0))
        after_first = home.head()
        assert after_first is not None
        home.remember(LINES[1].format(i=1))
        index = active_index(home)
        index.sync()
        for text in (LINES[0].format(i=0), LINES[1].format(i=1)):
            index.search(index.embedder.embed([text])[0], 2)  # both rows named
        with Home.open(path) as other:
            other.rollback(after_first.seq)  # the second record is gone
            newer = other.remember(LINES[2].format(i=2))
            active_index(other).rebuild()  # row 1 now holds the newer record
        query = index.embedder.embed([LINES[2].format(i=2)])[0]
        best = index.search(query, 1)[0]
        assert best.record_id == newer.id
        assert (
            best.rid
            == home.recall_index.fetch(
                "SELECT rid FROM recall_vectors WHERE record_id = ?", (newer.id,)
            )[0][0]
        )
        same_as_fresh(home, index, [LINES[0].format(i=0), LINES[2].format(i=2)])
        # A rebuild by this index itself starts over too.
        index.rebuild()
        same_as_fresh(home, index, [LINES[0].format(i=0), LINES[2].format(i=2)])


@pytest.mark.parametrize("held", [True, False])
def test_the_vector_files_are_read_as_plain_arrays(tmp_path: Path, held: bool) -> None:
    """Held in memory (up to coarse_from rows) or mapped again after every turn's append
    (above it): plain arrays (no np.memmap subclass), holding what the files hold, and
    a short file is refused."""
    path = tmp_path / "home"
    with Home.init(path, "Ash") as home:
        index = _six_rows(home)
        if not held:  # a space past coarse_from: mapped, with its short prefixes
            index = VectorIndex(home.recall_index, index.embedder, coarse_from=0)
        mapped = index._matrix()
        assert type(mapped.matrix) is np.ndarray and type(mapped.rids) is np.ndarray
        assert (mapped.coarse is None) is held  # below coarse_from: never read, never mapped
        on_disk = np.fromfile(index.path, np.float32).reshape(-1, index.embedder.dim)
        assert np.array_equal(mapped.matrix, on_disk)
        assert np.array_equal(mapped.rids, np.fromfile(index.rid_path, np.int64))
        assert not mapped.matrix.flags.writeable
        index.rid_path.write_bytes(index.rid_path.read_bytes()[:-8])
        index._mapped = None
        with pytest.raises(ValueError):
            index._matrix()
