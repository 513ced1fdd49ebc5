"""Beside a hit (on by default from round 15): the short turn after or before a matched
turn is lent a share of its place, and a short line counts half a turn in spread.

In a chat of short turns the answer is often the line after the one the question's
words match ("my sister had the baby!!" ... "girl. ava rose"). Real SQLite homes,
the real default embedder, chats imported through the real SillyTavern importer.
"""

from __future__ import annotations

import json
from pathlib import Path

from truehearth.exchange.formats import import_path
from truehearth.home import Home
from truehearth.recall.beside import Beside
from truehearth.recall.hybrid import HybridRetriever

NOISE = [
    ("Kieran", "work was mad busy tonight, two gigs back to back"),
    ("Rosalind", "Poor you. Did you get any dinner at all?"),
    ("Kieran", "chips on the bus lol"),
    ("Rosalind", "The book group meets on Thursday, I have not finished the novel."),
    ("Kieran", "u never finish it lol"),
    ("Rosalind", "Cheek! Gareth fixed the shed roof at last."),
]
BABY = [
    ("Kieran", "more news tho. my sister had the baby!! weds"),
    ("Rosalind", "Oh Kez, congratulations! Boy or girl?"),
    ("Kieran", "girl. ava rose. 7lb 2oz"),
    ("Rosalind", "What a lovely name. Send me a photo when you can."),
]
LONG = (
    "Rosalind",
    "Oh that is such wonderful news, I am so thrilled for all of you, and please tell "
    "your mum that I said congratulations too, she must be over the moon about being a "
    "grandmother at last after all that waiting and worrying over the winter months.",
)


class Clock:
    def __init__(self, day: str) -> None:
        self.day = day

    def __call__(self) -> str:
        return f"{self.day}T12:00:00.000000+00:00"


def home_of(tmp_path: Path, sessions: list[tuple[str, list[tuple[str, str]]]]) -> Home:
    clock = Clock(sessions[0][0])
    home = Home.init(tmp_path / "home", "Kieran", clock=clock)
    for i, (day, lines) in enumerate(sessions):
        clock.day = day
        path = tmp_path / f"chat-{i}.jsonl"
        rows: list[dict[str, object]] = [
            {"user_name": "Rosalind", "character_name": "Kieran", "create_date": f"{day}@{i}"}
        ]
        for n, (who, text) in enumerate(lines):
            rows.append(
                {
                    "name": who,
                    "is_user": who == "Rosalind",
                    "send_date": f"{day}T20:00:{n:02d}",
                    "mes": text,
                }
            )
        path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
        import_path(home, path, "st-chat")
    clock.day = "2025-06-01"
    return home


QUESTION = "What is the name of the baby Kieran's sister had?"


def test_the_short_answer_two_turns_after_the_hit_is_found(tmp_path: Path) -> None:
    home = home_of(tmp_path, [("2025-04-10", NOISE), ("2025-04-19", BABY), ("2025-05-01", NOISE)])
    with home:
        found = HybridRetriever(beside=True).retrieve(home, QUESTION, limit=5)
        (answer,) = [r for r in found if r.record.text.startswith("girl. ava rose")]
        assert "beside #" in answer.why and "2 turns after it" in answer.why
        texts = [r.record.text for r in found]
        assert texts.index(answer.record.text) > texts.index(BABY[0][1])  # below its hit
        scores = [r.score for r in found]
        assert scores == sorted(scores, reverse=True)
        default = HybridRetriever().retrieve(home, QUESTION, limit=5)  # on by default
        assert [r.record.text for r in default] == texts
        off = HybridRetriever(beside=False).retrieve(home, QUESTION, limit=20)
        assert all("beside #" not in r.why for r in off)


def test_a_long_turn_is_not_lent_a_place(tmp_path: Path) -> None:
    """A long turn stands on its own (as the neighbours column holds only a neighbour's
    first words): it gets no share of the hit beside it."""
    lines = [BABY[0], LONG, BABY[1], BABY[2]]
    home = home_of(tmp_path, [("2025-04-10", NOISE), ("2025-04-19", lines)])
    with home:
        found = HybridRetriever(beside=True).retrieve(home, QUESTION, limit=20)
        assert all("beside #" not in r.why for r in found if r.record.text == LONG[1])
        lent = HybridRetriever(beside=Beside(short_words=0)).retrieve(home, QUESTION, limit=20)
        (long_turn,) = [r for r in lent if r.record.text == LONG[1]]
        assert "beside #" in long_turn.why


FILLER = [NOISE[0], NOISE[2], NOISE[4]]
KAYAK = [
    ("Kieran", "took the kayak out on the lake today"),
    *FILLER,
    ("Kieran", "the kayak flipped in the middle of the lake lol"),
    *FILLER,
    ("Kieran", "kayak dried out by the lake now"),
]
BROTHER = [("Rosalind", "My brother sold his old kayak last spring, it never saw a lake.")]


def test_short_lines_count_half_a_turn_toward_their_sessions_share(tmp_path: Path) -> None:
    """Spread keeps two turns a session before the other sessions'; in a chat of short lines
    one story takes more than two, so a line of at most 12 words counts half a turn. A
    page-long turn still counts whole (RealMem's assistant turns)."""
    home = home_of(tmp_path, [("2025-04-01", BROTHER), ("2025-05-20", KAYAK)])
    question = "What happened with Kieran's kayak on the lake?"
    with home:
        # Without the neighbours column (two turns each side from round 15b, which lends
        # the filler lines between the story's lines its words): spread's count alone.
        ask = HybridRetriever(neighbours=False)
        half = [r.record.text for r in ask.retrieve(home, question, limit=10)]
        rule = Beside(line_counts=1.0)
        whole = HybridRetriever(beside=rule, neighbours=False).retrieve(home, question, limit=10)
        third = KAYAK[4][1]  # the flipped kayak: the session's third best
        assert half.index(third) < half.index(BROTHER[0][1])  # the story's third line stays
        texts = [r.record.text for r in whole]
        assert texts.index(third) > texts.index(BROTHER[0][1])  # counted whole: moved down
        (moved,) = [r for r in whole if r.record.text == third]
        assert "its session already had 2 turns above it" in moved.why


def test_what_a_turn_counts_toward_spread() -> None:
    rule = Beside()
    assert rule.counts("ye. pay rise. start 1st november") == 0.5
    assert rule.counts(LONG[1]) == 1.0
    assert Beside(line_counts=1.0).counts("ok") == 1.0
