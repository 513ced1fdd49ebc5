"""A vector space's rows held in memory by a process: a turn's new rows read alone.

A search of a space up to ``coarse_from`` rows (:mod:`truehearth.recall.vectors`)
multiplies every row by the question. The files were mapped again after every
turn's append, and a fresh mapping faults its pages in as the search first touches
them: some 150 page faults a proxy turn at 9,000 rows, about 0.5 ms of the kernel's
time (measured: minor faults 200 -> 56 a request, system time 2.3 -> 1.8 ms). Here the
rows are read into memory once per process, and each later search reads only the
rows appended since. Only for a space a search scans whole, whose every page is
read anyway. Pure file reads and arrays: which rows are valid (the count, the
generation) is the vector index's to say.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

PAGE = 4096
HELD_SPACES = 8
"""Vector spaces whose rows a process holds in memory at most (then it starts over)."""


@dataclass(slots=True)
class Held:
    """A space's rows read from its files into memory, with room to grow.

    ``key``: the two files' inodes and the space's generation. Within one generation
    rows are only appended (a rebuild or a moved record counts the generation up), so
    rows held stay right and only rows added since are read.
    """

    key: tuple[int, int, int]
    matrix: npt.NDArray[np.float32]
    rids: npt.NDArray[np.int64]
    rows: int = 0

    def grow(self, rows: int) -> None:
        """Room for ``rows``: a new buffer (views of the old one stay whole for their readers)."""
        if rows <= self.matrix.shape[0]:
            return
        room = max(rows, self.matrix.shape[0] * 5 // 4) + 256
        matrix = _aligned(room, self.matrix.shape[1])
        rids = np.zeros(room, np.int64)
        matrix[: self.rows] = self.matrix[: self.rows]
        rids[: self.rows] = self.rids[: self.rows]
        self.matrix, self.rids = matrix, rids


HELD: dict[Path, Held] = {}
HELD_LOCK = threading.Lock()


def vectors(
    path: Path, rid_path: Path, rows: int, dim: int, seen: tuple[int, ...]
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
    """The first ``rows`` rows of a space's files, from memory; rows not held yet are read.

    The buffer starts on a page, as a mapping does, so a product over it sums each
    row as over the mapped file (the same bits; tests/test_recall_vectors_held.py).
    ``seen``: the row count, each file's identity and the generation, as the vector
    index read them. A file shorter than ``rows`` rows raises ``ValueError``, as
    mapping it does.
    """
    _rows, f32_inode, f32_size, _t1, rid_inode, rid_size, _t2, generation = seen
    if f32_size < rows * dim * 4 or rid_size < rows * 8:
        raise ValueError(f"{path.name}: the vector files hold fewer than {rows} rows")
    key = (f32_inode, rid_inode, generation)
    with HELD_LOCK:
        kept = HELD.get(path)
        if kept is None or kept.key != key:
            if kept is None and len(HELD) >= HELD_SPACES:
                HELD.clear()
            kept = HELD[path] = Held(key, _aligned(0, dim), np.zeros(0, np.int64))
        if rows > kept.rows:
            vectors = _read(path, kept.rows * dim * 4, rows * dim * 4)
            rids = _read(rid_path, kept.rows * 8, rows * 8)
            kept.grow(rows)
            kept.matrix[kept.rows : rows] = np.frombuffer(vectors, np.float32).reshape(-1, dim)
            kept.rids[kept.rows : rows] = np.frombuffer(rids, np.int64)
            kept.rows = rows
        matrix, rid_view = kept.matrix[:rows], kept.rids[:rows]
    matrix.flags.writeable = False
    rid_view.flags.writeable = False
    return matrix, rid_view


def _aligned(rows: int, dim: int) -> npt.NDArray[np.float32]:
    """A ``rows`` x ``dim`` float32 array that starts on a page boundary."""
    raw = np.empty(rows * dim * 4 + PAGE, np.uint8)
    start = -raw.ctypes.data % PAGE
    return raw[start : start + rows * dim * 4].view(np.float32).reshape(rows, dim)


def _read(path: Path, start: int, end: int) -> bytes:
    """Bytes ``start`` to ``end`` of a file; a file that ends before them raises ``ValueError``."""
    with open(path, "rb") as file:
        found = os.pread(file.fileno(), end - start, start)
    if len(found) != end - start:
        raise ValueError(f"{path.name} ends before byte {end}")
    return found
