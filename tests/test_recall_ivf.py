"""The inverted-file shortlist: learnt deterministically, kept in one file that is
replaced whole, never trusted when torn, and searched together with the rows added
since it was written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from truehearth.home import Home
from truehearth.recall import ivf
from truehearth.recall.settings import active_index, index_of
from truehearth.recall.vectors import VectorIndex

TOPICS = (
    "beagle puppy Biscuit walks in the park",
    "quarterly tax return paperwork due",
    "cello practice scales and bowing",
    "rain storm blew the bins over",
    "sister Maya paints watercolours",
    "late train to the coast again",
    "baking rye bread on Sunday",
    "grandmother's garden roses",
)


def _unit(rows: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    m = np.random.default_rng(seed).standard_normal((rows, dim)).astype(np.float32)
    out: np.ndarray = m / np.linalg.norm(m, axis=1, keepdims=True)
    return out


def test_centroids_are_learnt_the_same_way_every_time_and_cover_every_row() -> None:
    m = _unit(2_000)
    a, b = ivf.train(m, 64), ivf.train(m, 64)
    assert np.array_equal(a, b) and a.shape == (64, 32)
    owner = ivf.assign(m, a)
    assert np.bincount(owner, minlength=64).min() >= 1  # no empty list
    postings = ivf.Postings.of(owner, 64)
    assert sorted(postings.rows.tolist()) == list(range(2_000))
    assert np.array_equal(ivf.owners(postings, 2_000), owner)
    everything = postings.candidates(np.arange(64))
    assert everything.tolist() == list(range(2_000))
    query = m[7]
    chosen = ivf.nearest_lists(query, a, 4)
    assert len(set(chosen.tolist())) == 4 and owner[7] in chosen  # its own list is nearest
    assert postings.candidates(chosen).tolist() == np.flatnonzero(np.isin(owner, chosen)).tolist()


def test_the_file_round_trips_and_a_torn_or_foreign_file_is_refused(tmp_path: Path) -> None:
    m = _unit(500)
    centroids = ivf.train(m, 16)
    postings = ivf.Postings.of(ivf.assign(m, centroids), 16)
    path = tmp_path / "x.ivf"
    ivf.IvfFile.write(path, centroids, postings, trained_at=500)
    read = ivf.IvfFile.read(path, 32, 500)
    assert read is not None and read.covered == 500 and read.trained_at == 500
    assert np.array_equal(read.centroids, centroids)
    assert np.array_equal(read.postings.rows, postings.rows)
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind
    assert ivf.IvfFile.read(path, 64, 500) is None  # vectors of another width
    assert ivf.IvfFile.read(path, 32, 499) is None  # names rows the index no longer has
    data = path.read_bytes()
    path.write_bytes(data[:-8])  # torn
    assert ivf.IvfFile.read(path, 32, 500) is None
    path.write_bytes(b"\0" * len(data))
    assert ivf.IvfFile.read(path, 32, 500) is None
    assert ivf.IvfFile.read(tmp_path / "missing.ivf", 32, 500) is None


@pytest.fixture
def grown(home: Home) -> tuple[Home, VectorIndex]:
    for n in range(240):
        home.remember(f"{TOPICS[n % len(TOPICS)]} (note {n})")
    base = active_index(home)
    index = VectorIndex(home.recall_index, base.embedder, coarse_from=100)
    index.sync()
    return home, index


def test_a_large_index_writes_its_lists_and_finds_what_exact_search_finds(
    grown: tuple[Home, VectorIndex],
) -> None:
    home, index = grown
    assert index.refresh_lists() is False  # already up to date after the sync
    lists = ivf.IvfFile.read(index.ivf_path, index.embedder.dim, index.count())
    assert lists is not None and lists.covered == 240
    exact = VectorIndex(home.recall_index, index.embedder, coarse_from=10**9)
    query = index.embedder.embed(["what is our dog called"])[0]
    fast, slow = index.search(query, 10), exact.search(query, 10)
    # 240 rows make 64 lists, and a query reads 64: here the lists must find exactly
    # what the one matrix product finds (the bench measures fewer lists than rows need).
    assert ivf.list_count(240) <= ivf.PROBES
    assert {h.record_id for h in fast} == {h.record_id for h in slow}
    assert fast[0].record_id == slow[0].record_id


def test_rows_added_since_the_lists_were_written_are_still_found(
    grown: tuple[Home, VectorIndex],
) -> None:
    home, index = grown
    fresh = home.remember("The violin teacher moved her lessons to Thursday.")
    index.sync()
    lists = ivf.IvfFile.read(index.ivf_path, index.embedder.dim, index.count())
    assert lists is not None and lists.covered == 240 and index.count() == 241  # a tail
    query = index.embedder.embed(["violin lessons Thursday"])[0]
    assert index.search(query, 3)[0].record_id == fresh.id


def test_a_damaged_lists_file_falls_back_and_is_written_again(
    grown: tuple[Home, VectorIndex],
) -> None:
    _home, index = grown
    index.ivf_path.write_bytes(b"garbage")
    query = index.embedder.embed(["cello scales"])[0]
    assert index.search(query, 3)  # the prefix scan answers meanwhile
    assert index.refresh_lists() is True
    assert ivf.IvfFile.read(index.ivf_path, index.embedder.dim, index.count()) is not None


def test_a_rebuild_drops_the_lists_with_the_vectors(grown: tuple[Home, VectorIndex]) -> None:
    _home, index = grown
    assert index.ivf_path in index.files() and index.ivf_path.exists()
    index.rebuild()
    lists = ivf.IvfFile.read(index.ivf_path, index.embedder.dim, index.count())
    assert lists is not None and lists.covered == index.count() == 240


def test_a_kept_index_reads_again_what_another_writer_changed(
    grown: tuple[Home, VectorIndex],
) -> None:
    """The vector files and lists stay open between queries; a rebuild or an append
    by another index object (another process does the same) is noticed, never served
    stale."""
    home, index = grown
    assert index_of(home.recall_index) is index_of(home.recall_index)  # kept between queries
    query = index.embedder.embed(["violin lessons Thursday"])[0]
    before = index.search(query, 3)
    assert before
    other = VectorIndex(home.recall_index, index.embedder, coarse_from=100)
    other.rebuild()  # every file replaced under the open maps
    again = index.search(query, 3)
    assert [h.record_id for h in again] == [h.record_id for h in before]
    fresh = home.remember("The violin teacher moved her lessons to Thursday.")
    other.sync()  # appended by the other object
    assert index.search(query, 1)[0].record_id == fresh.id
