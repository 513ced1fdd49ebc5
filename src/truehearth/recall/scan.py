"""Exact scans of a vector matrix: the best rows of a product, and two products in one read.

Pure functions of arrays, kept apart from :mod:`truehearth.recall.vectors` (which owns
the files and the bookkeeping) so that what a search computes can be read on its own.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

BLOCK_BYTES = 1 << 20
"""Bytes of matrix rows multiplied at a time by :func:`two_products` (well inside a
core's L2 cache here: 4 MiB), so the second product reads them from the cache."""

ALIGN = 64
"""Rows per block are a multiple of this: a block starts where the whole matrix's
product would start a group of rows, so each row's dot product is summed the same way
and its score has the same bits, on one BLAS thread as every search runs (several
threads split the rows their own way). Checked in tests/test_recall_scan.py."""


def best(
    scores: npt.NDArray[np.float32], k: int
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float32]]:
    """The places of the ``k`` highest scores, best first, and those scores."""
    k = min(k, scores.shape[0])
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top])]
    return top, scores[top]


def two_products(
    matrix: npt.NDArray[np.float32], first: npt.NDArray[np.float32], second: npt.NDArray[np.float32]
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """``matrix @ first`` and ``matrix @ second``, reading the matrix from memory once.

    Hybrid recall's two vector lists each scan every row (the plain cosine list and
    the uncommon one). The scan is bound by reading the matrix (9 MB at 9,000 rows of
    256 floats, more than a core's cache), so two products cost two reads; block by
    block the second product finds its rows in the cache (0.81-1.11 -> 0.59-0.67 ms
    for both at 9,000 rows, measured). Each block is the product of a contiguous run
    of rows, as one product over the whole matrix computes it (:data:`ALIGN`).
    """
    rows = matrix.shape[0]
    step = max(ALIGN, BLOCK_BYTES // max(1, matrix.shape[1] * 4) // ALIGN * ALIGN)
    one = np.empty(rows, np.float32)
    two = np.empty(rows, np.float32)
    for start in range(0, rows, step):
        block = matrix[start : start + step]
        np.matmul(block, first, out=one[start : start + step])
        np.matmul(block, second, out=two[start : start + step])
    return one, two
