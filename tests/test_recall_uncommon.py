"""The second vector list: the question's vector without what a home's talk has in common.

Real imported chats, real SQLite, the real default embedder (wordllama). What a
home has in common is the mean of its vectors and their directions of most
variance; the second list ranks by the question's vector with those taken out,
and is fused beside the plain cosine list.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from tests.test_recall_talk import chat_home
from truehearth.home import Home
from truehearth.recall import vectors
from truehearth.recall.hybrid import HybridRetriever
from truehearth.recall.query import without_stopwords
from truehearth.recall.settings import index_of
from truehearth.recall.vectors import COMMON, COMMON_SHARE

FILLER = [
    "it rained all day", "the sun finally came out", "I made soup from leftovers",
    "we ordered pizza again", "the meeting ran over", "my inbox is a disaster",
    "I feel a bit flat", "I went to the post office", "a neighbour's sister borrowed our ladder",
    "my friend's partner got a new car", "I repotted the basil", "we binged a crime show",
    "slugs ate my lettuce", "the supermarket was packed",
]  # fmt: skip
OPENERS = ["Honestly,", "So,", "Ugh,", "Anyway,", "Well,", ""]
REPLIES = [
    "That sounds like a lot. How are you feeling about it?",
    "Ha, that made me smile.",
    "I hear you. Small days count too.",
]
FACT = "My sister's name is Lena, she's two years older than me."
QUESTION = "Which girl did my parents raise alongside me?"


def everyday(sessions: int, seed: int = 3) -> list[tuple[str, list[tuple[str, str]]]]:
    """Sessions of 40 everyday turns; one holds a fact no other turn talks about."""
    rng = random.Random(seed)
    out = []
    for s in range(sessions):
        lines = [
            ("Melanie", rng.choice(REPLIES))
            if t % 2
            else ("Caroline", f"{rng.choice(OPENERS)} {rng.choice(FILLER)}.".strip())
            for t in range(40)
        ]
        if s == sessions // 2:
            lines[20] = ("Caroline", FACT)
        out.append((f"2023-04-{s % 28 + 1:02d}", lines))
    return out


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Home:
    """1,200 turns: more than COMMON_FROM rows per dimension of the embedder."""
    home = chat_home(tmp_path_factory.mktemp("uncommon"), everyday(30))
    index_of(home.recall_index).sync()
    return home


def test_what_a_home_has_in_common_is_its_mean_and_main_directions(big: Home) -> None:
    index = index_of(big.recall_index)
    matrix = np.asarray(index._matrix().matrix, np.float64)
    rows = matrix.shape[0]
    assert rows >= vectors.COMMON_FROM * index.embedder.dim
    found = index.common(8)
    assert found is not None
    mean, directions = found
    shift = rows.bit_length() - 5
    span = rows >> shift << shift
    step = max(1, span // vectors.MEAN_SAMPLE)
    sample = matrix[:span:step]
    assert np.allclose(mean, sample.mean(axis=0), atol=1e-5)
    assert np.allclose(directions @ directions.T, np.eye(8), atol=1e-4)  # orthonormal
    centred = sample - sample.mean(axis=0)
    top = np.linalg.svd(centred, full_matrices=False)[2][:8]
    # the same subspace as the sample's first eight principal directions
    assert np.allclose(np.abs(np.linalg.svd(top @ directions.T)[1]), 1.0, atol=1e-3)
    assert index.common(8) is found  # kept while the home does not grow


def test_search_can_rank_by_another_vector_and_still_reports_cosines(big: Home) -> None:
    index = index_of(big.recall_index)
    query = index.embedder.embed([without_stopwords(QUESTION)])[0]
    rank_by = HybridRetriever()._rank_by(index, query)
    assert rank_by is not None
    hits = index.search(query, 20, rank_by)
    matrix = np.asarray(index._matrix().matrix)
    order = np.argsort(-(matrix @ rank_by))[:20]
    by_rid = {int(r): i for i, r in enumerate(np.asarray(index._matrix().rids))}
    rows = [by_rid[h.rid] for h in hits]
    assert np.allclose(np.sort(matrix[rows] @ rank_by), np.sort(matrix[order] @ rank_by))
    for hit, row in zip(hits, rows, strict=True):
        assert hit.score == pytest.approx(float(matrix[row] @ query), abs=1e-5)
    plain = index.search(query, 20)
    assert [h.rid for h in plain] != [h.rid for h in hits]  # a different order


def test_the_uncommon_list_lifts_a_rare_statement_and_says_so(big: Home) -> None:
    """The question shares no word with the fact; among 1,200 everyday turns the plain
    cosine list ranks it about #20, below filler, and fusion leaves it out of the top 10."""
    off = HybridRetriever(meaning=False, common=0, uncommon=0.0).retrieve(big, QUESTION, limit=10)
    assert FACT not in [r.record.text for r in off]
    assert all("uncommon vector" not in r.why for r in off)
    found = HybridRetriever(meaning=False).retrieve(big, QUESTION, limit=10)  # the default
    top = [r.record.text for r in found]
    assert FACT in top[:3]
    assert "uncommon vector rank 1" in found[top.index(FACT)].why


def test_a_narrow_home_keeps_its_rare_directions(big: Home) -> None:
    """Its everyday talk lies in a few dozen directions; the directions after them are its
    rare statements, and counting them as common would hide exactly those."""
    index = index_of(big.recall_index)
    found = index.common(COMMON, COMMON_SHARE)
    assert found is not None
    _mean, directions = found
    assert 0 < directions.shape[0] < COMMON
    rows = index._matrix().matrix.shape[0]
    span = rows >> (rows.bit_length() - 5) << (rows.bit_length() - 5)
    sample = np.asarray(index._matrix().matrix[:span], np.float64)  # below MEAN_SAMPLE: all
    centred = sample - sample.mean(axis=0)
    values = np.sort(np.linalg.eigvalsh(centred.T @ centred))[::-1]
    held = np.cumsum(values) / values.sum()
    assert held[directions.shape[0] - 1] >= COMMON_SHARE - 1e-3
    assert held[directions.shape[0] - 2] < COMMON_SHARE + 1e-3


def test_a_small_home_has_no_uncommon_list(tmp_path: Path) -> None:
    with chat_home(tmp_path, everyday(3)) as home:  # 120 turns: too few to tell
        assert index_of(home.recall_index).common(COMMON) is None
        found = HybridRetriever(meaning=False).retrieve(home, QUESTION, limit=10)
        assert found
        assert all("uncommon vector" not in r.why for r in found)


def test_the_estimate_is_kept_for_the_next_process(
    big: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server's catch-up runs on a home of its own: what it estimates between turns
    reaches the request's index through the index directory, not through memory."""
    first = index_of(big.recall_index)
    found = first.common(COMMON, COMMON_SHARE)
    assert found is not None
    assert first.common_path.exists()
    other = vectors.VectorIndex(big.recall_index, first.embedder)  # nothing in memory
    calls: list[int] = []
    eigh = np.linalg.eigh

    def counting(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        calls.append(1)
        return eigh(matrix)

    monkeypatch.setattr(np.linalg, "eigh", counting)  # counts numpy's calls; numpy does the work
    again = other.common(COMMON, COMMON_SHARE)
    assert calls == []  # read, not estimated again
    assert again is not None
    assert np.array_equal(again[0], found[0])
    assert np.array_equal(again[1], found[1])
    other.common_path.write_bytes(b"not an estimate")
    fresh = vectors.VectorIndex(big.recall_index, first.embedder)
    redone = fresh.common(COMMON, COMMON_SHARE)  # a damaged file: estimated again
    assert calls == [1]
    assert redone is not None
    assert np.allclose(redone[0], found[0])


def test_a_question_reads_each_candidate_row_once(big: Home) -> None:
    """The two vector lists (and the keyword passes) mostly return the same turns: a
    row one of them read is not read from the store again for the next."""
    retriever = HybridRetriever(meaning=False)
    retriever.retrieve(big, QUESTION, limit=10)  # indexes synced, glances kept
    statements: list[str] = []
    projection = big.recall_index.projection
    big.recall_index.kept_rows.rows.clear()  # rows kept between questions: none here
    projection._conn.set_trace_callback(statements.append)  # type: ignore[attr-defined]
    try:
        found = retriever.retrieve(big, QUESTION, limit=10)
        read = _rows_read(statements)
        statements.clear()
        again = retriever.retrieve(big, QUESTION, limit=10)
    finally:
        projection._conn.set_trace_callback(None)  # type: ignore[attr-defined]
    assert any("uncommon vector" in r.why for r in found)  # both lists ran
    assert read
    assert len(read) == len(set(read))
    assert _rows_read(statements) == []  # the next question: kept, nothing changed them
    assert [(r.record.id, r.score, r.why) for r in again] == [
        (r.record.id, r.score, r.why) for r in found
    ]


def _rows_read(statements: list[str]) -> list[int]:
    return [
        int(rid)
        for s in statements
        if s.startswith("SELECT rid, id, trust, current, value FROM records WHERE rid IN (")
        for rid in s.rsplit("(", 1)[1].rstrip(")").split(",")
    ]


def test_the_catch_up_finds_the_estimate_without_mapping_the_vectors(tmp_path: Path) -> None:
    """Between turns the server's catch-up appends the turn's vectors (which drops its
    mapped files) and asks for the estimate: while the span stands, it is answered from
    memory, and the files are not mapped again only to count their rows."""
    with chat_home(tmp_path, everyday(27)) as home:  # 1,080 turns: enough to estimate
        home.sync_recall()
        index = index_of(home.recall_index)
        found = index.common(COMMON, COMMON_SHARE)
        assert found is not None
        home.remember("We talked about the garden again.")
        home.sync_recall()
        assert index._mapped is None  # appended, and not mapped again
        assert index.common(COMMON, COMMON_SHARE) is found
        assert index._mapped is None
        rows = index.count()
        fresh = vectors.VectorIndex(home.recall_index, index.embedder).common(COMMON, COMMON_SHARE)
        assert fresh is not None  # the same estimate, read from the mapped rows
        assert np.array_equal(fresh[0], found[0]) and np.array_equal(fresh[1], found[1])
        assert index._rows_held() == rows
        index.path.write_bytes(index.path.read_bytes()[:-4])  # a file short of its count
        assert index._rows_held() == 0  # never taken for the counted rows
