"""The answer after a hit: the line that answers a short follow-up question asked at or just
after one of the first turns found is placed right after that turn (recall/answers.py).

"my sister had the baby!!" matches a question about the baby's name; "Boy or girl?" is
asked next, and "girl. ava rose" shares no word with the question. Real SQLite homes,
the real default embedder, chats imported through the real SillyTavern importer.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import CliRunner
from tests.test_recall_talk import chat_home
from truehearth.recall import hybrid
from truehearth.recall.answers import Answers
from truehearth.recall.hybrid import HybridRetriever

BABY = [
    ("Kieran", "more news tho. my sister had the baby!! weds"),
    ("Rosalind", "Oh my goodness, what a week for your family! Boy or girl?"),
    ("Kieran", "girl. ava rose. 7lb 2oz"),
    ("Rosalind", "Gorgeous. Send me a photo when you can."),
]
# Turns that share the question's words ("name", "baby", "sister"), so that the answer,
# which shares none, is not found by the lists alone.
OTHERS = [
    ("Kieran", "nadia wants to name the dog biscuit lol. i wanted dave"),
    ("Rosalind", "My sister is visiting on Saturday with her new puppy."),
    ("Kieran", "the band changed their name again. third time this year"),
    ("Rosalind", "Isla was such a tiny baby, I still cannot believe she is eleven."),
    ("Kieran", "jonno's sister works at the studio now"),
    ("Rosalind", "What was the name of that pub in Penzance? I can never remember it."),
    ("Kieran", "the baby next door cried all night. no sleep"),
    ("Rosalind", "Gareth's sister sends her love, and so does the cat."),
]
WORK = [
    ("Rosalind", "Kez, are you awake? I've just got back from my pottery class."),
    ("Kieran", "awake ye just got in from work. dale swapped me onto a tues again"),
    ("Rosalind", "Marguerite the teacher says I have good hands for clay."),
]


def test_the_answer_to_a_follow_up_question_is_placed_after_its_hit(
    tmp_path: Path, cli: CliRunner
) -> None:
    assert hybrid.ANSWERS_BY_DEFAULT  # on by default (docs/BENCHMARKS.md, round 14b)
    home = chat_home(
        tmp_path,
        [
            ("2025-01-05", OTHERS[:4]),
            ("2025-02-09", OTHERS[4:]),
            ("2025-03-16", [("Rosalind", "How was your week, love?"), *BABY]),
        ],
    )
    asked = "What is the name of the baby Kieran's sister had?"
    with home:
        found = HybridRetriever().retrieve(home, asked, limit=5)
        said = [r.record.text for r in found]
        hit = said.index(BABY[0][1])
        assert said[hit + 1] == "girl. ava rose. 7lb 2oz"
        why = found[hit + 1].why
        assert f"the answer after #{hit + 1} (asked 1 turn after it: " in why
        assert "Boy or girl?" in why
        # Without the step the answer is not in the first five: the reply list alone
        # (it follows a question that matched) does not lift it there.
        before = HybridRetriever(answers=False).retrieve(home, asked, limit=5)
        assert "girl. ava rose. 7lb 2oz" not in [r.record.text for r in before]
    shown = cli("recall", asked, "--explain", "--home", str(tmp_path / "home"))
    assert shown.code == 0, shown.err
    flat = " ".join(shown.out.replace("│", " ").split())
    assert "the answer after #" in flat


def test_a_question_that_turns_to_another_subject_places_nothing(tmp_path: Path) -> None:
    # "Kez, are you awake? I've just got back from my pottery class." asks, but does not
    # stop on its question: the next line answers "are you awake", not the pottery.
    home = chat_home(tmp_path, [("2025-04-06", WORK), ("2025-04-13", OTHERS)])
    with home:
        found = HybridRetriever().retrieve(home, "How was Rosalind's pottery class?", limit=5)
        assert found[0].record.text == WORK[0][1]
        assert all("the answer after" not in r.why for r in found)
        # Any line with a question mark (ask_words=0) would have placed Kieran's reply.
        loose = HybridRetriever(answers=Answers(ask_words=0)).retrieve(
            home, "How was Rosalind's pottery class?", limit=5
        )
        assert "the answer after #1 (asked in it" in loose[1].why


def test_a_placed_answer_does_not_count_against_its_session(tmp_path: Path) -> None:
    # Spread keeps a session's first turns (here one) before the others'; the answer
    # rides with its hit instead of being moved below every other session.
    home = chat_home(
        tmp_path,
        [
            ("2025-01-05", OTHERS[:4]),
            ("2025-02-09", OTHERS[4:]),
            ("2025-03-16", [("Rosalind", "How was your week, love?"), *BABY]),
        ],
    )
    asked = "What is the name of the baby Kieran's sister had?"
    with home:
        # (the step beside a hit off: its short lines would count half a turn here)
        found = HybridRetriever(per_session=1, beside=False).retrieve(home, asked, limit=4)
        said = [r.record.text for r in found]
        hit = said.index(BABY[0][1])
        assert said[hit + 1] == "girl. ava rose. 7lb 2oz"
        assert "kept with the turn it answers" in found[hit + 1].why
        apart = HybridRetriever(per_session=1, answers=Answers(keep=False), beside=False)
        moved = [r.record.text for r in apart.retrieve(home, asked, limit=4)]
        assert "girl. ava rose. 7lb 2oz" not in moved[: moved.index(BABY[0][1]) + 2]


def test_a_stock_prompt_places_nothing(tmp_path: Path) -> None:
    # "Tell me more?" after every piece of news is what this home always says: the line
    # after it is another subject, not the answer to the question asked of the news.
    talk: list[tuple[str, str]] = []
    for news, then in [
        ("we adopted a beagle puppy and named him Oskar", "the printer jammed twice"),
        ("I finally moved to Ghent last month", "I burned the toast again"),
        ("I got promoted to team lead today", "it rained all day"),
        ("I joined a fencing club on Tuesdays", "the bus was late"),
    ]:
        talk += [("Melanie", news), ("Caroline", "That's lovely. Tell me more?")]
        talk += [("Melanie", then), ("Caroline", "Oh dear.")]
    home = chat_home(tmp_path, [("2025-04-06", talk)])
    asked = "What did Melanie name the beagle puppy?"
    with home:
        found = HybridRetriever().retrieve(home, asked, limit=5)
        assert found[0].record.text.startswith("we adopted a beagle puppy")
        assert all("the answer after" not in r.why for r in found)
        every = HybridRetriever(answers=Answers(stock=0)).retrieve(home, asked, limit=5)
        assert "the answer after #1 (asked 1 turn after it: 'Tell me more?')" in every[1].why
