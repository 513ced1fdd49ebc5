"""An inverted-file shortlist for large vector indexes: nearest lists first, then exact.

Above some tens of thousands of rows one matrix product per query stops being
cheap, and a scan of a short prefix of every vector misses too much (it agreed
with exact search on 0.74 of the top 50 at a million rows). Here the vectors
are grouped around centroids learnt once by spherical k-means; a query scores
the centroids, takes the rows of the nearest lists, and re-scores those rows
exactly. Only the choice of lists is approximate, and the bench measures its
agreement with exact search.

Repeated sentences ("ok", "Ha, that made me smile.") embed to the very same
vector, and k-means cannot split rows that are equal: at a million generated
turns eight such sentences held half the rows, and one list held 62,750 of
them, so a query near it re-scored as many rows as exact search (p95 156 ms).
:func:`balance` therefore gives every large group of equal rows a *tight* list
of its own (a query reads only the first ``k`` rows of it: the rest score the
same) and splits what is left of any list far above the mean size by k-means.

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


SPLIT = 8
"""A list holding more than this many times the mean list size is split at training."""
SAME_MIN = 256
"""Equal rows that get a tight list of their own (fewer cost little to re-score)."""

Flags = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Trained:
    """Centroids, the list of every row, and which lists are tight (all rows equal)."""

    centroids: Matrix
    owner: Lists
    tight: Flags


def balance(matrix: Matrix, centroids: Matrix, owner: Lists, seed: int = 0) -> Trained:
    """Split every list holding more than :data:`SPLIT` times the mean size.

    Within such a list, each group of at least :data:`SAME_MIN` rows with the
    very same vector becomes a tight list whose centroid is that vector; what
    is left is split by k-means into parts of about the mean size (or keeps the
    list, re-centred, when it is small enough). The first piece keeps the
    list's number and the others are appended, so no list is left empty.
    Deterministic for the same rows and seed.
    """
    lists = centroids.shape[0]
    mean = max(1, owner.shape[0] // max(lists, 1))
    cap = max(SPLIT * mean, SAME_MIN)
    postings = Postings.of(owner, lists)
    sizes = np.diff(postings.starts)
    owner = owner.copy()
    out = [np.array(centroids, np.float32)]  # a copy: the caller's centroids stay as learnt
    tight = np.zeros(lists, np.bool_)
    extra_tight: list[bool] = []
    for big in np.flatnonzero(sizes > cap):
        members = postings.rows[postings.starts[big] : postings.starts[big + 1]]
        pieces = _pieces(np.asarray(matrix[members], np.float32), cap, mean, seed)
        for n, (rows, centroid, equal) in enumerate(pieces):
            if n == 0:
                number = int(big)
                out[0][number] = centroid
                tight[number] = equal
            else:
                number = lists + len(extra_tight)
                out.append(centroid[None, :])
                extra_tight.append(equal)
            owner[members[rows]] = number
    if len(out) == 1:
        return Trained(out[0], owner, tight)
    return Trained(
        np.ascontiguousarray(np.concatenate(out), np.float32),
        owner,
        np.concatenate([tight, np.array(extra_tight, np.bool_)]),
    )


def _pieces(
    vectors: Matrix, cap: int, mean: int, seed: int
) -> list[tuple[npt.NDArray[np.intp], Matrix, bool]]:
    """One oversized list cut into (row positions, centroid, tight) pieces."""
    pieces: list[tuple[npt.NDArray[np.intp], Matrix, bool]] = []
    left = np.ones(vectors.shape[0], np.bool_)
    keys = np.array([hash(v.tobytes()) for v in vectors], np.int64)
    _values, first, inverse, counts = np.unique(
        keys, return_index=True, return_inverse=True, return_counts=True
    )
    large = np.flatnonzero(counts >= SAME_MIN)
    for group in large[np.argsort(first[large])]:  # in row order, whatever the hashes are
        rows = np.flatnonzero(inverse == group)
        vector = vectors[rows[0]]
        rows = rows[np.all(vectors[rows] == vector, axis=1)]  # equal, not just a hash match
        if rows.shape[0] >= SAME_MIN:
            pieces.append((rows, vector.copy(), True))
            left[rows] = False
    rest = np.flatnonzero(left)
    if rest.shape[0] > cap:
        parts = train(vectors[rest], -(-rest.shape[0] // mean), seed)
        part = assign(vectors[rest], parts)
        for p in np.unique(part):
            pieces.append((rest[part == p], parts[p], False))
    elif rest.shape[0]:
        pieces.append((rest, _unit(vectors[rest].sum(axis=0, keepdims=True))[0], False))
    return pieces


def still_tight(vectors: Matrix, lists: Lists, centroids: Matrix, tight: Flags) -> Flags:
    """The tight flags once ``vectors`` are added to ``lists``: a tight list that takes
    a row not equal to its centroid is tight no more (its rows no longer score alike)."""
    out = tight.copy()
    into = np.flatnonzero(out[lists])
    if into.shape[0]:
        differs = np.any(np.asarray(vectors[into], np.float32) != centroids[lists[into]], axis=1)
        out[lists[into[differs]]] = False
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

    def candidates(
        self, chosen: npt.NDArray[np.intp], tight: Flags | None = None, k: int = 0
    ) -> npt.NDArray[np.int64]:
        """The rows of the ``chosen`` lists; of a tight list only its first ``k`` (its rows
        are equal, so any ``k`` of them are as good as all)."""
        ends = self.starts[1:]
        if tight is not None and k > 0:
            ends = np.where(tight, np.minimum(ends, self.starts[:-1] + k), ends)
        parts = [self.rows[self.starts[c] : ends[c]] for c in chosen]
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

_MAGIC = 0x54484956_46310000  # "THIVF1": no tight flags (every list is re-scored whole)
_MAGIC2 = 0x54484956_46320000  # "THIVF2": a byte per list after the centroids, 1 if tight
_HEADER = 6  # int64s: magic, lists, dim, covered rows, rows when trained, reserved


def _flag_bytes(lists: int) -> int:
    return -(-lists // 8) * 8  # padded, so the int64 arrays after it stay aligned


@dataclass(frozen=True, slots=True)
class IvfFile:
    """Centroids, tight flags and postings of the first ``covered`` rows, memory-mapped
    from one file."""

    centroids: Matrix
    postings: Postings
    covered: int
    trained_at: int
    tight: Flags

    @staticmethod
    def write(
        path: Path, centroids: Matrix, postings: Postings, trained_at: int, tight: Flags
    ) -> None:
        """Write the whole file beside ``path`` and rename it into place (atomic)."""
        lists, dim = centroids.shape
        covered = int(postings.starts[-1])
        header = np.array([_MAGIC2, lists, dim, covered, trained_at, 0], np.int64)
        flags = np.zeros(_flag_bytes(lists), np.uint8)
        flags[:lists] = tight
        # A name of its own: two processes refreshing at once each rename a whole file.
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        with open(tmp, "wb") as out:
            out.write(header.tobytes())
            out.write(np.ascontiguousarray(centroids, np.float32).tobytes())
            out.write(flags.tobytes())
            out.write(np.ascontiguousarray(postings.starts, np.int64).tobytes())
            out.write(np.ascontiguousarray(postings.rows, np.int64).tobytes())
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)

    @classmethod
    def read(cls, path: Path, dim: int, rows: int) -> IvfFile | None:
        """The file if it is whole, for vectors of ``dim``, and covers at most ``rows``;
        else ``None`` (the caller scans exactly, and the next sync writes it again).
        A file written before lists could be tight reads as having none."""
        try:
            size = path.stat().st_size
        except OSError:
            return None
        if size < _HEADER * 8:
            return None
        header = np.fromfile(path, np.int64, count=_HEADER)
        magic, lists, width, covered, trained_at = (int(v) for v in header[:5])
        if magic not in (_MAGIC, _MAGIC2) or width != dim or covered > rows or lists < 1:
            return None
        flag_bytes = _flag_bytes(lists) if magic == _MAGIC2 else 0
        expected = _HEADER * 8 + lists * width * 4 + flag_bytes + (lists + 1) * 8 + covered * 8
        if size != expected:
            return None
        offset = _HEADER * 8
        centroids = np.memmap(path, np.float32, "r", offset, (lists, width))
        offset += lists * width * 4
        tight = np.zeros(lists, np.bool_)
        if flag_bytes:
            tight = np.memmap(path, np.uint8, "r", offset, (lists,)) != 0
        offset += flag_bytes
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
            np.asarray(tight),
        )


def owners(postings: Postings, covered: int) -> Lists:
    """The list of each covered row, read back from the postings."""
    out = np.empty(covered, np.int32)
    sizes = np.diff(postings.starts)
    out[np.asarray(postings.rows)] = np.repeat(np.arange(sizes.shape[0], dtype=np.int32), sizes)
    return out
