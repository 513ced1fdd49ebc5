"""Recall on chats as people text them: dates like "weds" and "sat 16th may", and a
named speaker's empty turns ("lol", "obvs") not lifted for being theirs.

The date parsing is a pure function; recall is checked on real SQLite homes with the
real default embedder, chats imported through the real SillyTavern importer.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.conftest import CliRunner
from tests.test_recall_talk import chat_home
from truehearth.recall import dates
from truehearth.recall.dates import spans
from truehearth.recall.hybrid import HybridRetriever
from truehearth.recall.keyword_passes import ASKS_WHEN

WEDNESDAY = date(2025, 5, 7)


def days(text: str, anchor: date = WEDNESDAY) -> list[str]:
    return [s.describe() for s in spans(text, anchor, texted=True)]


def test_texted_weekdays_resolve_to_the_last_and_the_coming_one() -> None:
    # Texting drops the tense: "weds" said on a Saturday is the Wednesday gone or the next.
    assert days("my sister had the baby!! weds", date(2025, 4, 19)) == [
        "2025-04-16",
        "2025-04-23",
    ]
    assert days("fri.") == ["2025-05-02", "2025-05-09"]
    assert days("interview thurs 10am") == ["2025-05-01", "2025-05-08"]
    assert days("on tues") == ["2025-05-06", "2025-05-13"]
    assert days("weds") == ["2025-05-07", "2025-05-14"]  # said on a Wednesday: today
    assert days("we're goin to see a couple next sat") == ["2025-05-10"]
    assert days("next fri") == ["2025-05-09"]
    assert days("was last fri. northern quarter") == ["2025-05-02"]
    assert days("sat night was mad") == ["2025-05-03", "2025-05-10"]


def test_texted_dates_days_and_relative_words() -> None:
    assert days("sat 16th may. save the date", date(2025, 8, 16)) == ["2026-05-16"]
    assert days("start 6th may", date(2025, 4, 19)) == ["2024-05-06"]  # the last 6 May
    assert days("on the 16th") == ["2025-05-16"]
    assert days("see you the 3rd.") == ["2025-05-03"]
    assert days("2moro") == ["2025-05-08"]
    assert days("tmrw then") == ["2025-05-08"]
    assert days("handed my notice in yday") == ["2025-05-06"]
    assert days("it was my birthday a fortnight ago") == ["2025-04-17..2025-04-26"]
    assert days("2 wks ago") == ["2025-04-17..2025-04-26"]
    assert days("last wk") == ["2025-04-28..2025-05-04"]


def test_words_that_only_look_like_texted_dates_are_not_dates() -> None:
    for text in (
        "I sat on the sofa",  # "sat" the verb
        "I sat down",
        "they got wed last summer",  # "wed" married
        "the sun was out",
        "put on sun cream",
        "where's the sat nav",
        "ye mostly thurs-sat",  # a range of days, not a day
        "the 16th century",
        "I may go",
        "mar the finish",
        "c'mon mate",
    ):
        assert spans(text, WEDNESDAY, texted=True) == [], text


def test_a_question_asks_when_only_if_it_names_no_time_of_its_own() -> None:
    assert ASKS_WHEN.search("When did Kieran move house?")
    assert ASKS_WHEN.search("On what date was the party?")
    assert ASKS_WHEN.search("In which month of 2025 did they get engaged?")
    assert not ASKS_WHEN.search("What did Kieran name the dog?")


def test_texted_dates_are_read_only_when_switched_on() -> None:
    assert not dates.TEXTED_DATES  # off by default (docs/BENCHMARKS.md, round 13b)
    assert spans("my sister had the baby!! weds", WEDNESDAY) == []
    assert spans("start 6th may", WEDNESDAY) == []  # lower-case "may" stays a verb


@pytest.fixture
def texted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Texted dates switched on, for the index and the question alike."""
    monkeypatch.setattr(dates, "TEXTED_DATES", True)


@pytest.mark.usefixtures("texted")
def test_a_texted_day_in_a_turn_matches_a_question_about_that_day(
    tmp_path: Path, cli: CliRunner
) -> None:
    home = chat_home(
        tmp_path,
        [
            ("2023-04-29", [("Melanie", "my sister had the baby!! last weds. a girl")]),
            ("2023-05-06", [("Melanie", "my sister had the baby!! weds. a boy")]),
        ],
    )
    with home:
        found = HybridRetriever().retrieve(
            home, "Which baby did Melanie's sister have on May 3rd?", limit=2
        )
        assert found[0].record.text.endswith("a boy")
        assert "'weds' means 2023-05-03" in found[0].why
    found_cli = cli(  # the command line's clock is today's: the question names the year
        "recall",
        "Which baby did Melanie's sister have on May 3rd, 2023?",
        "--explain",
        "--home",
        str(tmp_path / "home"),
    )
    assert found_cli.code == 0, found_cli.err
    flat = " ".join(found_cli.out.replace("│", " ").split())
    assert "date match: 'weds' means 2023-05-03" in flat


@pytest.mark.usefixtures("texted")
def test_a_texted_day_in_a_question_resolves_against_the_day_it_is_asked(
    tmp_path: Path,
) -> None:
    home = chat_home(  # the question is asked on Monday 8 May 2023
        tmp_path,
        [
            ("2023-05-05", [("Caroline", "Went to the climbing wall, fell off a lot.")]),
            ("2023-04-21", [("Caroline", "Went to the climbing wall with Jo, it was busy.")]),
        ],
    )
    with home:
        found = HybridRetriever().retrieve(home, "who went to the climbing wall on fri?", limit=2)
        assert found[0].record.text.endswith("fell off a lot.")
        assert "date match: 2023-05-05 is within 'on fri'" in found[0].why


def test_a_named_speakers_empty_turns_are_not_lifted_for_being_theirs(tmp_path: Path) -> None:
    home = chat_home(
        tmp_path,
        [
            (
                "2023-04-02",
                [
                    ("Caroline", "Did you finish the painting of the harbour?"),
                    ("Melanie", "lol"),
                    ("Caroline", "The harbour one, with the boats."),
                    ("Melanie", "obvs"),
                    ("Caroline", "Tell me about it then."),
                    ("Melanie", "I painted the harbour at dusk, all orange and pink."),
                ],
            )
        ],
    )
    with home:
        found = HybridRetriever().retrieve(home, "What did Melanie paint of the harbour?", limit=6)
        by_text = {r.record.text: r for r in found}
        assert found[0].record.text.startswith("I painted the harbour")
        assert "speaker match: said by Melanie" in found[0].why
        assert found[1].record.text.startswith("Did you finish")  # not "lol"
        for empty in ("lol", "obvs"):
            if empty in by_text:  # found through its neighbours' words, but not lifted
                assert "said by Melanie, not lifted" in by_text[empty].why
                assert "speaker match" not in by_text[empty].why
        before = HybridRetriever(speaker_needs="", said_by_needs="").retrieve(
            home, "What did Melanie paint of the harbour?", limit=6
        )
        assert sorted(r.record.text for r in before[1:3]) == ["lol", "obvs"]  # as they were lifted
        assert "speaker match: said by Melanie" in before[1].why
