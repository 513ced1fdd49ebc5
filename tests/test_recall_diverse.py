"""The top ten's last places for sessions not yet in it (real SQLite, the real default embedder).

Spread lets one story keep several places (two turns a session, short lines counting
half), which is what turn recall wants and what costs session recall: a session that
holds the answer but matched less well sits at #11. With the fill on, the last place of
the top ten goes to it, and ``--explain`` says so on both turns that moved.
"""

from __future__ import annotations

from pathlib import Path

from tests.test_recall_talk import chat_home, texts
from truehearth.recall.diverse import Fill, fill
from truehearth.recall.hybrid import HybridRetriever

QUESTION = "What did they say about the kayak on the lake?"
STRONG = [
    [
        (
            "Caroline",
            f"The kayak on the lake again today, {what}, the lake was calm for the kayak.",
        ),
        ("Melanie", f"A kayak on a calm lake, {what}: lovely, the kayak and the lake."),
        ("Caroline", f"Yes the lake and the kayak, {what}, we stayed on the lake for hours."),
        ("Melanie", f"Hours in a kayak on the lake, {what} or not, is my idea of a day."),
    ]
    for what in ("sunny", "windy", "misty")
]
WEAK = [
    ("Caroline", "My brother sold his old kayak last spring to buy a bike."),
    ("Melanie", "Did he ever miss it?"),
]


def sessions() -> list[tuple[str, list[tuple[str, str]]]]:
    days = [f"2023-04-{d:02d}" for d in range(2, 2 + len(STRONG))]
    return [("2023-03-20", WEAK), *zip(days, STRONG, strict=True)]


def test_fill_is_pure_and_drops_nothing() -> None:
    ranked = [("a", 1), ("a", 2), ("b", 1), ("b", 2), ("a", 3), ("c", 1), ("d", 1)]
    rule = Fill(slots=2, top=5)
    notes: list[tuple[tuple[str, int], str]] = []
    out = fill(ranked, lambda t: t[0], rule, lambda t, why: notes.append((t, why)))
    # #4 ("b" is above it) goes to "c"; #5 ("b" again: pushed down from #4) goes to "d"
    assert out == [("a", 1), ("a", 2), ("b", 1), ("c", 1), ("d", 1), ("b", 2), ("a", 3)]
    assert sorted(out) == sorted(ranked)
    assert ("c", 1) in dict(notes) and "brought from #6 to #4" in dict(notes)[("c", 1)]
    assert "moved from #4 to #6" in dict(notes)[("b", 2)]
    # a place already held by a new session, or no new session below: nothing moves
    assert fill([("a", 1), ("b", 1), ("a", 2)], lambda t: t[0], Fill(1, 2)) == [
        ("a", 1), ("b", 1), ("a", 2),
    ]  # fmt: skip
    short = [*ranked[:2], ("a", 5)]
    assert fill(short, lambda t: t[0], Fill(1, 2)) == short
    assert fill(ranked, lambda t: t[0], Fill(0)) == ranked


def test_a_session_below_the_top_ten_gets_its_last_place(tmp_path: Path) -> None:
    with chat_home(tmp_path, sessions()) as home:
        plain = HybridRetriever(meaning=False, fill=0).retrieve(home, QUESTION, limit=12)
        assert "brother" not in " ".join(texts(plain)[:10])  # the strong sessions fill the top
        filled = HybridRetriever(meaning=False, fill=1).retrieve(home, QUESTION, limit=12)
        top = texts(filled)
        assert "brother" in top[9]
        assert "to #10: the top 10's last place goes to a session not yet above" in filled[9].why
        pushed = [r for r in filled if "its place went to another session" in r.why]
        assert len(pushed) == 1 and pushed[0].record.text == plain[9].record.text
        assert top[:9] == texts(plain)[:9]  # the first nine are untouched
        scores = [r.score for r in filled]
        assert scores == sorted(scores, reverse=True)
