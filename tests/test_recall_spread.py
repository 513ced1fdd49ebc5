"""Spread and the dates column, on real imported chats (real SQLite, the real default embedder).

One passage of one session, indexed with its neighbours' words, can fill the
top places by itself; spread moves a session's turns past the first few below
the other sessions, so a second memory that answers the question gets a place.
"""

from __future__ import annotations

from pathlib import Path

from tests.test_recall_talk import chat_home, texts
from truehearth.recall.beside import Beside
from truehearth.recall.hybrid import HybridRetriever
from truehearth.recall.spread import spread

KAYAK = [
    ("Caroline", "We took the kayak out on the lake on Saturday."),
    ("Melanie", "The kayak trip on the lake sounds lovely, was the lake calm?"),
    ("Caroline", "The lake was calm, the kayak glided, we paddled the whole lake."),
    ("Melanie", "A calm lake and a kayak: I would love that kind of trip."),
]
OTHER = [
    ("Caroline", "My brother sold his old kayak last spring."),
    ("Melanie", "Did he buy a canoe instead?"),
]
QUESTION = "What do you remember about the kayak and the lake?"


def test_a_crowding_session_makes_room_for_another(tmp_path: Path) -> None:
    home = chat_home(tmp_path, [("2023-04-02", OTHER), ("2023-04-20", KAYAK)])
    with home:
        plain = HybridRetriever(meaning=False, per_session=0).retrieve(home, QUESTION, limit=3)
        assert all("brother" not in t for t in texts(plain))  # one session holds the top 3
        # every turn counts whole (no step beside a hit, whose short lines count half)
        spread = HybridRetriever(meaning=False, beside=False).retrieve(home, QUESTION, limit=6)
        top = texts(spread)
        assert any("brother" in t for t in top[:3])
        moved = [r for r in spread if "its session already had 2 turns above it" in r.why]
        assert moved
        assert all(r.record.source.session == spread[0].record.source.session for r in moved)
        scores = [r.score for r in spread]
        assert scores == sorted(scores, reverse=True)


def test_short_turns_right_beside_a_kept_one_stay_with_it(tmp_path: Path) -> None:
    """In a chat of short turns the answer is often the next line: with the step beside a
    hit on (the default from round 15), spread keeps a short turn within two places of a
    short turn it kept, without counting it against the session."""
    home = chat_home(tmp_path, [("2023-04-02", OTHER), ("2023-04-20", KAYAK)])
    with home:
        each_whole = Beside(line_counts=1.0)  # the keeping alone, not the half count
        found = HybridRetriever(meaning=False, beside=each_whole).retrieve(home, QUESTION, limit=6)
        top = texts(found)
        assert all(line in top[:4] for _who, line in KAYAK)  # the passage stays together
        kept = [r for r in found if "kept beside turn" in r.why]
        assert kept and all("(a short turn)" in r.why for r in kept)
        assert not any("its session already had" in r.why for r in found)


def test_spread_with_a_beside_rule_is_pure_and_keeps_the_order() -> None:
    ranked = [("a", 1), ("a", 2), ("b", 1), ("a", 3), ("a", 9), ("b", 2)]

    def near(item: tuple[str, int], kept: list[tuple[str, int]]) -> bool:
        return any(0 < abs(item[1] - k[1]) <= 2 for k in kept)

    assert spread(ranked, lambda t: t[0], 2) == [
        ("a", 1), ("a", 2), ("b", 1), ("b", 2), ("a", 3), ("a", 9),
    ]  # fmt: skip
    assert spread(ranked, lambda t: t[0], 2, near) == [
        ("a", 1), ("a", 2), ("b", 1), ("a", 3), ("b", 2), ("a", 9),
    ]  # fmt: skip
    # a short line counting half (here: turn numbers below 5): a's first three are kept
    half = spread(ranked, lambda t: t[0], 2, counts=lambda t: 0.5 if t[1] < 5 else 1.0)
    assert half == [("a", 1), ("a", 2), ("b", 1), ("a", 3), ("a", 9), ("b", 2)]


def test_question_words_need_not_match_the_dates_column(tmp_path: Path) -> None:
    """ "May" in a question is a month in the dates column of every May turn: noise."""
    home = chat_home(
        tmp_path,
        [
            ("2023-05-02", [("Caroline", "The bakery on the corner closed for good.")]),
            ("2023-04-20", [("Caroline", "I may adopt a greyhound from the shelter.")]),
        ],
    )
    with home:
        words = HybridRetriever(
            meaning=False, vectors=False, replies=False, graph=False, date_words=True
        )
        found = words.retrieve(home, "may greyhound", limit=5)
        assert any("bakery" in t for t in texts(found))  # matched on "May" in its dates
        plain = HybridRetriever(meaning=False, vectors=False, replies=False, graph=False)
        found = plain.retrieve(home, "may greyhound", limit=5)
        assert texts(found) == ["I may adopt a greyhound from the shelter."]
