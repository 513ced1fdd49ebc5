"""A question made only of words that are everywhere: its one keyword pass reads only the
newest turns that have its rarest word (recall/keywords.py NEWEST), on a real SQLite home
with the real default embedder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from truehearth.core import acts
from truehearth.core.ids import new_id
from truehearth.core.records import Layer, Source, Voice
from truehearth.home import Home
from truehearth.recall import HybridRetriever
from truehearth.recall.keywords import MIN_COMMON, CommonWords
from truehearth.recall.talk import TalkIndex

OLD = 40  # the oldest turns say "garden" three times: bm25's best, without the bound
COMMON = MIN_COMMON + 60  # turns with "garden": above the common limit of a small home


def texts() -> list[str]:
    out = [f"garden garden garden {i}" for i in range(OLD)]
    out += [f"we planted beans near the garden fence on plot {i} today" for i in range(COMMON)]
    out += ["the tulips by the shed came up yellow this spring"]
    return out


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Home]:
    with Home.init(tmp_path_factory.mktemp("common") / "home", "Ash") as h:
        now = h.now()
        h.append_drafts(
            [
                acts.remember(
                    record_id=new_id("r"),
                    layer=Layer.MEMORY,
                    text=text,
                    voice=Voice.HUMAN,
                    actor=Voice.HUMAN,
                    source=Source(via="test"),
                    now=now,
                )
                for text in texts()
            ]
        )
        yield h


def _talk(home: Home) -> TalkIndex:
    talk = TalkIndex(home.recall_index)
    talk.sync()
    return talk


def test_newest_from_bounds_only_a_word_with_more_matches(home: Home) -> None:
    talk = _talk(home)
    everything = talk.search('{body near} : ("garden")', limit=10_000)
    assert len(everything) >= OLD + COMMON
    since = talk.newest_from('{body near} : ("garden")', 25)
    assert since is not None
    bounded = talk.search('{body near} : ("garden")', limit=10_000, since=since)
    assert len(bounded) == 25 and all(h.rid >= since for h in bounded)
    # the same scores as the whole pass gives those rows: bm25 reads the whole index
    whole = {h.rid: h.score for h in everything}
    assert all(abs(whole[h.rid] - h.score) < 1e-9 for h in bounded)
    assert talk.newest_from('{body near} : ("tulips")', 25) is None


def test_a_question_of_common_words_reads_only_the_newest_turns(home: Home) -> None:
    assert home.recall_index.common_words.common("garden")
    unbounded = HybridRetriever(newest=None, vectors=False).retrieve(home, "the garden", limit=5)
    assert unbounded and all(r.record.text.startswith("garden garden") for r in unbounded)
    assert not any("only its newest" in r.why for r in unbounded)
    bounded = HybridRetriever(newest=30, vectors=False).retrieve(home, "the garden", limit=5)
    assert bounded and not any(r.record.text.startswith("garden garden") for r in bounded)
    assert all("'garden' is in too many turns, only its newest 30 read" in r.why for r in bounded)


def test_a_rarer_word_keeps_the_whole_pass(home: Home) -> None:
    found = HybridRetriever(newest=30, vectors=False).retrieve(home, "the garden tulips", limit=5)
    assert found[0].record.text.startswith("the tulips")
    assert not any("only its newest" in r.why for r in found)


def test_the_default_bound_leaves_a_small_home_as_it_was(home: Home) -> None:
    before = HybridRetriever(newest=None).retrieve(home, "the garden", limit=10)
    now = HybridRetriever().retrieve(home, "the garden", limit=10)
    assert [(r.record.id, r.why) for r in now] == [(r.record.id, r.why) for r in before]


def test_a_common_word_stays_common_while_the_home_grows_past_its_first_count(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """The count is kept until the home doubles; the limit it is compared with grows meanwhile.

    Counted only up to the limit of its day, a common word's count fell under the
    limit once the home had grown a little, and the word was searched again: bm25
    over every turn that has it, on every question, until the home doubled.
    """

    def remember(h: Home, texts: list[str]) -> None:
        now = h.now()
        h.append_drafts(
            [
                acts.remember(
                    record_id=new_id("r"),
                    layer=Layer.ARCHIVE,
                    text=text,
                    voice=Voice.HUMAN,
                    actor=Voice.HUMAN,
                    source=Source(via="test"),
                    now=now,
                )
                for text in texts
            ]
        )

    with Home.init(tmp_path_factory.mktemp("growing") / "home", "Ash") as h:
        # 10,000 records: the common limit is MIN_COMMON (200), in the bucket up to 16,383.
        remember(h, [f"the garden on day {i}" for i in range(300)])
        remember(h, [f"a quiet line {i}" for i in range(9_700)])
        words = CommonWords(h.recall_index.projection)
        assert words.common("garden")
        assert words.keep(["garden", "day", "quiet"], fallback=False) == []
        # 600 more records: the limit is now 212, still the same bucket.
        remember(h, [f"another line {i}" for i in range(600)])
        assert words.common("garden")
        assert words.keep(["garden", "day", "quiet"], fallback=False) == []
