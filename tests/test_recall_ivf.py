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
    ivf.IvfFile.write(path, centroids, postings, trained_at=500, tight=np.zeros(16, np.bool_))
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


def _with_repeats() -> np.ndarray:
    """6,000 spread rows, then one of them repeated on every fourth row (a sentence said
    often): 1,501 equal rows."""
    m = _unit(6_000)
    m[::4] = m[1]
    return m


def _top_scores(scores: np.ndarray, k: int) -> np.ndarray:
    return np.sort(scores)[::-1][:k]


def test_equal_rows_get_a_tight_list_and_a_query_reads_only_k_of_them() -> None:
    m = _with_repeats()
    centroids = ivf.train(m, 64)
    owner = ivf.assign(m, centroids)
    assert np.bincount(owner).max() >= 1_500  # k-means leaves the repeats in one list
    kept, kept_owner = centroids.copy(), owner.copy()
    learnt = ivf.balance(m, centroids, owner)
    assert np.array_equal(centroids, kept) and np.array_equal(owner, kept_owner)  # untouched
    again = ivf.balance(m, centroids, owner)
    assert np.array_equal(learnt.owner, again.owner)  # deterministic
    assert np.array_equal(learnt.centroids, again.centroids)
    count = learnt.centroids.shape[0]
    (tight,) = np.flatnonzero(learnt.tight)
    repeats = np.flatnonzero(np.all(m == m[1], axis=1))
    assert np.all(learnt.owner[repeats] == tight)
    assert np.count_nonzero(learnt.owner == tight) == repeats.shape[0] == 1_501
    assert np.array_equal(learnt.centroids[tight], m[1])
    sizes = np.bincount(learnt.owner, minlength=count)
    assert sizes.min() >= 1  # no list left empty
    mean = m.shape[0] // 64
    assert sizes[~learnt.tight].max() <= ivf.SPLIT * mean
    postings = ivf.Postings.of(learnt.owner, count)
    assert sorted(postings.rows.tolist()) == list(range(m.shape[0]))
    # A query next to the repeated sentence: its list is read for only k rows, and the
    # top k found score exactly as the exact top k (the repeats tie).
    query = m[1]
    chosen = ivf.nearest_lists(query, learnt.centroids, 4)
    assert tight in chosen
    whole = postings.candidates(chosen)
    some = postings.candidates(chosen, learnt.tight, 50)
    assert whole.shape[0] - some.shape[0] == 1_501 - 50
    got = some[np.argsort(-(m[some] @ query))[:50]]
    assert np.allclose(np.sort(m[got] @ query)[::-1], _top_scores(m @ query, 50))


def test_an_oversized_list_of_distinct_rows_is_split_by_k_means() -> None:
    m = _unit(6_000)
    crowd = m[:2_000] * 0.05 + m[4_000]  # 2,000 different rows close to one point
    m[:2_000] = crowd / np.linalg.norm(crowd, axis=1, keepdims=True)
    centroids = ivf.train(m[2_000:], 64)  # learnt before the crowd came
    owner = ivf.assign(m, centroids)
    before = np.bincount(owner).max()
    assert before > ivf.SPLIT * (6_000 // 64)
    learnt = ivf.balance(m, centroids, owner)
    sizes = np.bincount(learnt.owner, minlength=learnt.centroids.shape[0])
    assert not learnt.tight.any()  # no row repeats exactly
    assert learnt.centroids.shape[0] > 64 and sizes.max() < before / 2 and sizes.min() >= 1
    assert np.allclose(np.linalg.norm(learnt.centroids, axis=1), 1.0, atol=1e-5)


def test_a_tight_list_that_takes_a_different_row_is_tight_no_more() -> None:
    m = _with_repeats()
    centroids = ivf.train(m, 64)
    learnt = ivf.balance(m, centroids, ivf.assign(m, centroids))
    (tight,) = np.flatnonzero(learnt.tight)
    same = np.repeat(m[1][None, :], 3, axis=0)
    into = ivf.assign(same, learnt.centroids)
    assert np.all(into == tight)
    assert np.array_equal(ivf.still_tight(same, into, learnt.centroids, learnt.tight), learnt.tight)
    near = same.copy()
    near[1, 0] += 1e-3  # no longer the very same vector, though it joins the same list
    near[1] /= np.linalg.norm(near[1])
    joined = np.full(3, tight, np.int32)
    after = ivf.still_tight(near, joined, learnt.centroids, learnt.tight)
    assert not after.any() and learnt.tight[tight]  # the flag is cleared on a copy


def test_tight_flags_round_trip_and_a_file_without_them_still_reads(tmp_path: Path) -> None:
    m = _with_repeats()
    centroids = ivf.train(m, 64)
    learnt = ivf.balance(m, centroids, ivf.assign(m, centroids))
    count = learnt.centroids.shape[0]
    postings = ivf.Postings.of(learnt.owner, count)
    path = tmp_path / "x.ivf"
    ivf.IvfFile.write(path, learnt.centroids, postings, 6_000, learnt.tight)
    read = ivf.IvfFile.read(path, 32, 6_000)
    assert read is not None and np.array_equal(read.tight, learnt.tight) and read.tight.any()
    assert np.array_equal(read.postings.rows, postings.rows)
    assert np.array_equal(read.centroids, learnt.centroids)
    # The layout written before lists could be tight: no flag bytes, its own magic.
    old = tmp_path / "old.ivf"
    header = np.array([0x54484956_46310000, count, 32, 6_000, 6_000, 0], np.int64)
    old.write_bytes(
        header.tobytes()
        + learnt.centroids.tobytes()
        + postings.starts.astype(np.int64).tobytes()
        + postings.rows.astype(np.int64).tobytes()
    )
    legacy = ivf.IvfFile.read(old, 32, 6_000)
    assert legacy is not None and not legacy.tight.any()
    assert np.array_equal(legacy.postings.rows, postings.rows)
    data = path.read_bytes()
    path.write_bytes(data[:-8])  # torn
    assert ivf.IvfFile.read(path, 32, 6_000) is None


def test_a_home_gives_a_sentence_said_hundreds_of_times_a_tight_list(home: Home) -> None:
    """Real records through the real embedder: equal texts embed to equal vectors, the
    sync that writes the lists gives them a tight list, and a search near them still
    agrees with exact search (any of the equal rows is as near as another)."""
    for n in range(120):
        home.remember(f"{TOPICS[n % len(TOPICS)]} (note {n})")
    for _ in range(ivf.SAME_MIN + 20):
        home.remember("Ha, that made me smile.")
    base = active_index(home)
    index = VectorIndex(home.recall_index, base.embedder, coarse_from=100)
    index.sync()
    rows = index.count()
    lists = ivf.IvfFile.read(index.ivf_path, index.embedder.dim, rows)
    assert lists is not None and lists.covered == rows
    (tight,) = np.flatnonzero(lists.tight)
    assert np.diff(lists.postings.starts)[tight] == ivf.SAME_MIN + 20
    exact = VectorIndex(home.recall_index, index.embedder, coarse_from=10**9)
    for asked in ("that made me smile", "what is our dog called"):
        query = index.embedder.embed([asked])[0]
        fast, slow = index.search(query, 10), exact.search(query, 10)
        assert [round(h.score, 5) for h in fast] == [round(h.score, 5) for h in slow]
    smile = index.embedder.embed(["that made me smile"])[0]
    assert {h.record_id for h in index.search(smile, 10)} <= {
        r.id for r in home.records(limit=1_000) if r.text == "Ha, that made me smile."
    }
