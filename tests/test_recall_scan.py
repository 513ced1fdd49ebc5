"""Both vector lists' scans in one read of the matrix: the same scores, bit for bit.

Hybrid recall's plain and uncommon vector lists each multiply every row by a query
vector. ``scan.two_products`` does both block by block, so the second product reads
its rows from the cache; each block is a contiguous run of rows aligned as in the
whole product, so every score has the same bits and every order is the same. Real
SQLite homes and the real default embedder for the search itself.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.test_recall_sealed import LINES
from truehearth.home import Home
from truehearth.recall import scan
from truehearth.recall.embedder_base import one_blas_thread
from truehearth.recall.settings import active_index


@pytest.mark.parametrize("dim", [256, 384, 768])
def test_two_products_have_the_bits_of_one_product_each(dim: int) -> None:
    rng = np.random.default_rng(dim)
    rows = 3 * scan.BLOCK_BYTES // (dim * 4) + 37  # several blocks and a ragged end
    matrix = rng.standard_normal((rows, dim)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    for _ in range(5):
        first, second = (rng.standard_normal(dim).astype(np.float32) for _ in range(2))
        with one_blas_thread():  # as a search runs them
            one, two = scan.two_products(matrix, first, second)
            whole = (matrix @ first, matrix @ second)
        assert np.array_equal(whole[0].view(np.int32), one.view(np.int32))
        assert np.array_equal(whole[1].view(np.int32), two.view(np.int32))


def test_best_is_the_highest_scores_best_first() -> None:
    scores = np.array([0.1, 0.9, 0.5, 0.7, 0.3], np.float32)
    top, found = scan.best(scores, 3)
    assert top.tolist() == [1, 3, 2]
    assert found.tolist() == pytest.approx([0.9, 0.7, 0.5])
    assert scan.best(scores, 10)[0].tolist() == [1, 3, 2, 4, 0]  # k beyond the rows


def test_search_two_is_two_searches(tmp_path: Path) -> None:
    with Home.init(tmp_path / "home", "Ash") as home:
        for i in range(30):
            home.remember(LINES[i % 3].format(i=i))
        index = active_index(home)
        index.sync()
        query = index.embedder.embed(["the violin on Tuesday"])[0]
        rank_by = query - index.embedder.embed(["how was your day"])[0]
        plain, shifted = index.search_two(query, rank_by, 12)
        assert plain == index.search(query, 12)
        assert shifted == index.search(query, 12, rank_by)
