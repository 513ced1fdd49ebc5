"""An inverted-file shortlist for large vector indexes: nearest lists first, then exact.

Above some tens of thousands of rows one matrix product per query stops being
cheap, and a scan of a short prefix of every vector misses too much (it agreed
with exact search on 0.74 of the top 50 at a million rows). Here the vectors
are grouped around centroids learnt once by spherical k-means; a query scores
the centroids, takes the rows of the nearest lists, and re-scores those rows
exactly. Only the choice of lists is approximate, and the bench measures its
agreement with exact search.

The learning and searching are pure functions of arrays (deterministic for a
seed). :class:`IvfFile` keeps centroids and postings in one file beside the
vectors, replaced whole and atomically, covering the first ``covered`` rows;
rows added since are scanned exactly until the next refresh, so the file can
never name a row that is not there.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float32]
Lists = npt.NDArray[np.int32]

TRAIN_ROWS = 32_768
"""Rows sampled to learn the centroids (more adds training time, not agreement)."""
ITERATIONS = 8
ASSIGN_BATCH = 8_192


def list_count(rows: int) -> int:
    """How many lists for an index of ``rows``: about 4 x sqrt(rows), at least 16,
    a power of two. Fixed when trained; the lists simply grow with the index."""
    want = max(16, int(4 * np.sqrt(max(rows, 1))))
    return int(2 ** int(np.round(np.log2(want))))


def train(matrix: Matrix, lists: int, seed: int = 0) -> Matrix:
    """Centroids (unit length) of ``lists`` groups, by spherical k-means on a sample.

    Deterministic for the same rows and seed. An empty group takes the row
    worst served by its centroid, so no list is left without rows.
    """
    rng = np.random.default_rng(seed)
    rows = matrix.shape[0]
    if rows == 0:
        raise ValueError("no rows to learn centroids from")
    pick = np.sort(rng.choice(rows, size=min(rows, TRAIN_ROWS), replace=False))
    sample = np.ascontiguousarray(matrix[pick], dtype=np.float32)
    lists = min(lists, sample.shape[0])
    centroids = sample[np.sort(rng.choice(sample.shape[0], size=lists, replace=False))].copy()
    for _ in range(ITERATIONS):
        scores = sample @ centroids.T
        owner = np.argmax(scores, axis=1)
        best = scores[np.arange(sample.shape[0]), owner]
        sums = np.zeros_like(centroids)
        np.add.at(sums, owner, sample)
        counts = np.bincount(owner, minlength=lists)
        for empty in np.flatnonzero(counts == 0):
            worst = int(np.argmin(best))
            sums[empty] = sample[worst]
            best[worst] = np.inf
        centroids = _unit(sums)
    return centroids


def assign(vectors: Matrix, centroids: Matrix) -> Lists:
    """The list of each row: its nearest centroid."""
    out = np.empty(vectors.shape[0], np.int32)
    for start in range(0, vectors.shape[0], ASSIGN_BATCH):
        chunk = np.asarray(vectors[start : start + ASSIGN_BATCH], dtype=np.float32)
        out[start : start + chunk.shape[0]] = np.argmax(chunk @ centroids.T, axis=1)
    return out


@dataclass(frozen=True, slots=True)
class Postings:
    """The rows of each list, in row order: ``rows[starts[c]:starts[c + 1]]`` is list ``c``."""

    rows: npt.NDArray[np.int64]
    starts: npt.NDArray[np.int64]

    @classmethod
    def of(cls, lists: Lists, count: int) -> Postings:
        order = np.argsort(lists, kind="stable").astype(np.int64)
        sizes = np.bincount(lists, minlength=count)
        starts = np.zeros(count + 1, np.int64)
        np.cumsum(sizes, out=starts[1:])
        return cls(order, starts)

    def candidates(self, chosen: npt.NDArray[np.intp]) -> npt.NDArray[np.int64]:
        parts = [self.rows[self.starts[c] : self.starts[c + 1]] for c in chosen]
        if not parts:
            return np.zeros(0, np.int64)
        found = np.concatenate(parts)
        found.sort()  # read memory-mapped rows in file order
        return found


def nearest_lists(query: Matrix, centroids: Matrix, probes: int) -> npt.NDArray[np.intp]:
    """The ``probes`` lists whose centroids are nearest to one query vector."""
    scores = centroids @ query.reshape(-1)
    probes = min(probes, scores.shape[0])
    return np.argpartition(-scores, probes - 1)[:probes]


def _unit(matrix: Matrix) -> Matrix:
    norms = np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    return np.ascontiguousarray(matrix / norms, dtype=np.float32)


RETRAIN_GROWTH = 8
"""Learn the centroids again when the index has grown this many times since they were."""
TAIL_ROWS = 20_000
"""Rows past the file's cover scanned exactly before the postings are written again
(or a twentieth of the index, if that is more)."""

PROBES = 64
"""Lists a query reads (chosen on the tune half of ``bench/ivf_bench.py``)."""

_MAGIC = 0x54484956_46310000  # "THIVF1"
_HEADER = 6  # int64s: magic, lists, dim, covered rows, rows when trained, reserved


@dataclass(frozen=True, slots=True)
class IvfFile:
    """Centroids and postings of the first ``covered`` rows, memory-mapped from one file."""

    centroids: Matrix
    postings: Postings
    covered: int
    trained_at: int

    @staticmethod
    def write(path: Path, centroids: Matrix, postings: Postings, trained_at: int) -> None:
        """Write the whole file beside ``path`` and rename it into place (atomic)."""
        lists, dim = centroids.shape
        covered = int(postings.starts[-1])
        header = np.array([_MAGIC, lists, dim, covered, trained_at, 0], np.int64)
        # A name of its own: two processes refreshing at once each rename a whole file.
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        with open(tmp, "wb") as out:
            out.write(header.tobytes())
            out.write(np.ascontiguousarray(centroids, np.float32).tobytes())
            out.write(np.ascontiguousarray(postings.starts, np.int64).tobytes())
            out.write(np.ascontiguousarray(postings.rows, np.int64).tobytes())
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)

    @classmethod
    def read(cls, path: Path, dim: int, rows: int) -> IvfFile | None:
        """The file if it is whole, for vectors of ``dim``, and covers at most ``rows``;
        else ``None`` (the caller scans exactly, and the next sync writes it again)."""
        try:
            size = path.stat().st_size
        except OSError:
            return None
        if size < _HEADER * 8:
            return None
        header = np.fromfile(path, np.int64, count=_HEADER)
        magic, lists, width, covered, trained_at = (int(v) for v in header[:5])
        expected = _HEADER * 8 + lists * width * 4 + (lists + 1) * 8 + covered * 8
        if magic != _MAGIC or width != dim or covered > rows or lists < 1 or size != expected:
            return None
        offset = _HEADER * 8
        centroids = np.memmap(path, np.float32, "r", offset, (lists, width))
        offset += lists * width * 4
        starts = np.memmap(path, np.int64, "r", offset, (lists + 1,))
        offset += (lists + 1) * 8
        rows_ = (
            np.memmap(path, np.int64, "r", offset, (covered,)) if covered else np.zeros(0, np.int64)
        )
        # Plain array views of the mapped bytes: slicing a memmap object runs Python code
        # for every one of the lists a query reads.
        return cls(
            np.asarray(centroids),
            Postings(np.asarray(rows_), np.asarray(starts)),
            covered,
            trained_at,
        )


def owners(postings: Postings, covered: int) -> Lists:
    """The list of each covered row, read back from the postings."""
    out = np.empty(covered, np.int32)
    sizes = np.diff(postings.starts)
    out[np.asarray(postings.rows)] = np.repeat(np.arange(sizes.shape[0], dtype=np.int32), sizes)
    return out
