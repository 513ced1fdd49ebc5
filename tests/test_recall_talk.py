"""Recall on conversations as people have them: speakers, dates, neighbours, fusion.

Real SQLite homes, the real default embedder (wordllama), conversations imported
through the real SillyTavern importer with both speakers' names and session dates.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from tests.conftest import CliRunner
from truehearth.exchange.formats import import_path
from truehearth.home import Home
from truehearth.recall.dates import spans
from truehearth.recall.graph import Graph
from truehearth.recall.hybrid import CONFIDENT, Fusion, HybridRetriever
from truehearth.recall.talk import TalkIndex, speaker_of

ANCHOR = date(2023, 5, 8)  # a Monday


class Clock:
    def __init__(self, day: str) -> None:
        self.day = day

    def __call__(self) -> str:
        return f"{self.day}T12:00:00.000000+00:00"


def write_chat(folder: Path, day: str, lines: list[tuple[str, str]], index: int) -> Path:
    """A SillyTavern chat log of Caroline (the user) and Melanie on one day."""
    path = folder / f"chat-{index}.jsonl"
    rows: list[dict[str, object]] = [
        {"user_name": "Caroline", "character_name": "Melanie", "create_date": f"{day}@{index}"}
    ]
    for i, (who, text) in enumerate(lines):
        rows.append(
            {
                "name": who,
                "is_user": who == "Caroline",
                "send_date": f"{day}T10:00:{i:02d}",
                "mes": text,
            }
        )
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def chat_home(tmp_path: Path, sessions: list[tuple[str, list[tuple[str, str]]]]) -> Home:
    clock = Clock(sessions[0][0])
    home = Home.init(tmp_path / "home", "Melanie", clock=clock)
    for i, (day, lines) in enumerate(sessions):
        clock.day = day
        import_path(home, write_chat(tmp_path, day, lines, i), "st-chat")
    clock.day = "2023-05-08"
    return home


def texts(found: list) -> list[str]:  # type: ignore[type-arg]
    return [r.record.text for r in found]


# -- dates ------------------------------------------------------------------------------


def test_question_dates_resolve_against_the_day_they_are_asked() -> None:
    def one(text: str) -> tuple[str, str]:
        (span,) = spans(text, ANCHOR)
        return span.start.isoformat(), span.end.isoformat()

    assert one("what did we do last week?") == ("2023-05-01", "2023-05-07")
    assert one("as of 1 February 2023") == ("2023-02-01", "2023-02-01")
    assert one("On May 4th, what did I say?") == ("2023-05-04", "2023-05-04")
    assert one("where did she live in 2010?") == ("2010-01-01", "2010-12-31")
    assert one("what did I do yesterday") == ("2023-05-07", "2023-05-07")
    assert one("the trip in March") == ("2023-03-01", "2023-03-31")
    assert one("a trip in December") == ("2022-12-01", "2022-12-31")  # the last December
    assert spans("I may go; you may not", ANCHOR) == []  # the verb is not the month


# -- speakers ---------------------------------------------------------------------------


def test_speaker_aware_recall_finds_who_said_it(tmp_path: Path) -> None:
    home = chat_home(
        tmp_path,
        [
            (
                "2023-04-02",
                [
                    ("Caroline", "I painted a sunset over the harbour this weekend."),
                    ("Melanie", "Lovely. I painted a lake with pine trees last month."),
                    ("Caroline", "The harbour light was orange and pink."),
                    ("Melanie", "My kids helped me mix the greens."),
                ],
            )
        ],
    )
    with home:
        found = HybridRetriever().retrieve(home, "What did Melanie paint?", limit=3)
        assert found[0].record.text.startswith("Lovely. I painted a lake")
        assert speaker_of(found[0].record) == "Melanie"
        assert "said by Melanie" in found[0].why  # the explanation names the speaker match
        caroline = HybridRetriever().retrieve(home, "What did Caroline paint?", limit=3)
        assert caroline[0].record.text.startswith("I painted a sunset")


# -- dates in recall -----------------------------------------------------------------------


def test_date_aware_recall_matches_the_asked_day_and_relative_dates(tmp_path: Path) -> None:
    home = chat_home(
        tmp_path,
        [
            ("2023-01-15", [("Caroline", "We went to the concert downtown, it was loud.")]),
            ("2023-05-03", [("Caroline", "We went to the concert by the river, so calm.")]),
            ("2023-05-06", [("Caroline", "I started pottery class yesterday, clay everywhere.")]),
        ],
    )
    with home:
        found = HybridRetriever().retrieve(home, "Which concert did we go to last week?", limit=2)
        assert found[0].record.text.endswith("so calm.")
        assert "date match: 2023-05-03 is within 'last week'" in found[0].why
        january = HybridRetriever().retrieve(home, "the concert in January 2023", limit=2)
        assert january[0].record.text.endswith("it was loud.")
        # "yesterday" in a turn of 6 May means 5 May: a question about that day finds it.
        day = HybridRetriever().retrieve(home, "What did Caroline start on May 5th?", limit=2)
        assert day[0].record.text.startswith("I started pottery class")
        assert "'yesterday' means 2023-05-05" in day[0].why


def test_the_same_words_said_on_two_days_talk_about_two_days(tmp_path: Path) -> None:
    """What a turn's text talks about is remembered between questions per text *and* day."""
    line = "I started pottery class yesterday, clay everywhere."
    home = chat_home(
        tmp_path,
        [
            ("2023-03-10", [("Caroline", line)]),
            ("2023-05-06", [("Caroline", line)]),
            ("2023-05-07", [("Caroline", "We went to the concert by the river, so calm.")]),
        ],
    )
    with home:
        for asked, meant in (("May 5th", "2023-05-05"), ("March 9th", "2023-03-09")):
            for _again in range(2):
                found = HybridRetriever().retrieve(
                    home, f"What did Caroline start on {asked}?", limit=2
                )
                assert f"'yesterday' means {meant}" in found[0].why
                assert f"'yesterday' means {meant}" not in found[1].why


# -- neighbours ---------------------------------------------------------------------------


def test_a_turn_is_found_through_its_neighbours(tmp_path: Path) -> None:
    lines = [
        ("Caroline", "Do you still play the violin?"),
        ("Melanie", "Yes! I have been practising it every morning for a month now."),
        ("Caroline", "What about the garden, any tomatoes yet?"),
        ("Melanie", "A few, the basil is doing better."),
    ]
    home = chat_home(tmp_path, [("2023-04-20", lines)])
    with home:
        TalkIndex(home.recall_index).sync()
        (near,) = home.recall_index.fetch(
            "SELECT near FROM recall_talk WHERE body LIKE 'Yes! I have been%'"
        )[0]
        assert "violin" in near  # the turn's document holds its neighbours' words
        found = HybridRetriever(replies=False).retrieve(
            home, "How often does Melanie practise the violin?", limit=3
        )
        assert "every morning for a month" in texts(found)[0]
        # (Nor the answer after a hit, recall/answers.py, which would place it after the
        # question: the neighbours column alone is what this checks.)
        alone = HybridRetriever(
            replies=False, neighbours=False, vectors=False, answers=False, beside=False
        ).retrieve(home, "violin Melanie", limit=3)
        assert all("every morning" not in t for t in texts(alone))
        # Without the neighbours column, the step beside a hit (recall/beside.py) lends it a place.
        beside = HybridRetriever(
            replies=False, neighbours=False, vectors=False, beside=True, answers=False
        ).retrieve(home, "violin Melanie", limit=3)
        (lent,) = [r for r in beside if "every morning" in r.record.text]
        assert "beside #1 (1 turn after it)" in lent.why


# -- fusion ---------------------------------------------------------------------------------


def test_a_strong_keyword_hit_stays_in_the_top_three_when_noisy_lists_disagree(
    tmp_path: Path,
) -> None:
    noise = [
        ("Caroline", f"The dog and the cat played in the garden again, day {i}, so happy.")
        for i in range(40)
    ]
    evidence = ("Melanie", "The vet said Biscuit has a torn ligament in his hind leg.")
    home = chat_home(
        tmp_path, [("2023-04-01", noise[:20]), ("2023-04-02", [*noise[20:], evidence])]
    )
    with home:
        question = "What did the vet say about my happy dog Biscuit in the garden?"
        found = HybridRetriever().retrieve(home, question, limit=3)
        assert evidence[1] in texts(found)  # the default: equal k, filtered lists
        sharp = HybridRetriever(fusion=CONFIDENT).retrieve(home, question, limit=3)
        assert texts(sharp)[0] == evidence[1]  # a confident keyword list puts it first
        # Forty turns agree with each other on every noisy list, and only the keyword
        # list knows "Biscuit" and "vet": with vectors weighted far above keywords the
        # hit drops out, which is the dilution both settings avoid.
        drowned = Fusion(keyword=(0.2, 60), vector=(1.0, 1), reply=(1.0, 1))
        diluted = HybridRetriever(fusion=drowned).retrieve(home, question, limit=3)
        assert evidence[1] not in texts(diluted)


# -- explanation ------------------------------------------------------------------------


def test_explain_names_the_speaker_and_the_date_that_matched(
    tmp_path: Path, cli: CliRunner
) -> None:
    home = chat_home(
        tmp_path,
        [
            ("2023-01-15", [("Melanie", "We went to the concert downtown, it was loud.")]),
            ("2023-05-03", [("Caroline", "We went to the concert by the river, so calm.")]),
        ],
    )
    home.close()
    found = cli(
        "recall",
        "Which concert did Melanie go to in January 2023?",
        "--explain",
        "--home",
        str(tmp_path / "home"),
    )
    assert found.code == 0, found.err
    flat = " ".join(found.out.replace("│", " ").split())
    assert "date match: 2023-01-15 is within 'January 2023'" in flat
    assert "speaker match: said by Melanie" in flat


# -- graph ----------------------------------------------------------------------------------


def test_graph_facts_come_from_every_speaker_with_the_speaker_as_subject(tmp_path: Path) -> None:
    home = chat_home(
        tmp_path,
        [
            (
                "2023-03-01",
                [("Caroline", "How is your family?"), ("Melanie", "My sister Rosa moved.")],
            )
        ],
    )
    with home:
        graph = Graph(home.recall_index)
        graph.sync()
        edges = graph.about("Melanie")
        assert [(e.subject, e.relation, e.object) for e in edges] == [("Melanie", "sister", "Rosa")]
