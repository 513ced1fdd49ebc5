"""A space's vectors held in memory: only appended rows read, the same hits and bits.

Real SQLite homes and the real default embedder. A search of a space up to
``coarse_from`` rows reads every row, and the files were mapped again after every
turn's append (a fresh mapping faults its pages in as the search touches them). The
rows are now held in memory per process: a turn's new rows are read alone, rows
written anew (a rebuild, a moved record: a new generation) are all read again, and
what a search finds is what the mapped files give.
"""

from __future__ import annotations

import mmap
from pathlib import Path

import numpy as np
import pytest

from tests.test_recall_sealed import LINES, same_as_fresh
from truehearth.home import Home
from truehearth.recall import held, scan
from truehearth.recall.embedder_base import one_blas_thread
from truehearth.recall.settings import active_index
from truehearth.recall.vectors import VectorIndex


def _six_rows(home: Home) -> VectorIndex:
    for i in range(6):
        home.remember(LINES[i % 3].format(i=i))
    index = active_index(home)
    index.sync()
    return index


def _mapped(index: VectorIndex) -> np.ndarray:
    """The vector file as it is on disk, mapped (what a search read before)."""
    rows, dim = index.count(), index.embedder.dim
    with open(index.path, "rb") as file:
        mapping = mmap.mmap(file.fileno(), rows * dim * 4, access=mmap.ACCESS_READ)
    return np.frombuffer(mapping, np.float32, rows * dim).reshape(rows, dim)


def test_a_turns_rows_are_read_alone_and_found(tmp_path: Path) -> None:
    path = tmp_path / "home"
    with Home.init(path, "Ash") as home:
        index = _six_rows(home)
        first = index._matrix()
        kept = held.HELD[index.path]
        buffer = kept.matrix
        assert kept.rows == 6
        # A turn journaled and indexed by another connection (the server's catch-up).
        with Home.open(path) as other:
            other.remember(LINES[0].format(i=6))
            other.remember(LINES[1].format(i=7))
            other.sync_recall()
        after = index._matrix()
        assert kept.rows == 8 and kept.matrix is buffer  # two rows read into the same room
        assert np.array_equal(after.matrix[:6], first.matrix)
        assert np.array_equal(after.matrix, _mapped(index))
        assert np.array_equal(after.rids, np.fromfile(index.rid_path, np.int64))
        assert not after.matrix.flags.writeable and not after.rids.flags.writeable
        same_as_fresh(home, index, ["violin lesson", "where does my sister live"])


def test_rows_written_anew_elsewhere_are_all_read_again(tmp_path: Path) -> None:
    """A rebuild in another process writes every row again: a new generation, so the
    rows held are dropped (fails if the held rows were kept by their count alone)."""
    path = tmp_path / "home"
    with Home.init(path, "Ash") as home:
        index = _six_rows(home)
        index.search(index.embedder.embed(["violin"])[0], 3)
        key = held.HELD[index.path].key
        with Home.open(path) as other:
            other.forget(other.remember(LINES[2].format(i=9)).id)
            active_index(other).rebuild()
        matrix = index._matrix().matrix
        assert held.HELD[index.path].key != key
        assert np.array_equal(matrix, _mapped(index))
        same_as_fresh(home, index, ["basil by the fence", "where does my sister live"])


def test_the_products_over_held_rows_have_the_bits_of_the_mapped_file(tmp_path: Path) -> None:
    with Home.init(tmp_path / "home", "Ash") as home:
        index = _six_rows(home)
        in_memory = index._matrix().matrix
        assert in_memory.ctypes.data % held.PAGE == 0  # starts on a page, as a mapping does
        on_disk = _mapped(index)
        rng = np.random.default_rng(5)
        for _ in range(5):
            first, second = (
                rng.standard_normal(index.embedder.dim).astype(np.float32) for _ in range(2)
            )
            with one_blas_thread():
                from_memory = scan.two_products(in_memory, first, second)
                from_file = scan.two_products(on_disk, first, second)
            for one, two in zip(from_memory, from_file, strict=True):
                assert np.array_equal(one.view(np.int32), two.view(np.int32))


def test_a_file_shorter_than_its_count_is_refused(tmp_path: Path) -> None:
    with Home.init(tmp_path / "home", "Ash") as home:
        index = _six_rows(home)
        index._matrix()
        index.path.write_bytes(index.path.read_bytes()[: -index.embedder.dim * 4])
        index._mapped = None
        with pytest.raises(ValueError):
            index._matrix()
