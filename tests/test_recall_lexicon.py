"""Recall across the vocabulary gap: a question asks in general words ("animal",
"mother", "for a living"), the turn that answers says the particular one ("a dog",
"Mum", "a physio"). The shipped word list (recall/lexicon.py) joins them.

The word list itself is pure; recall is checked on real SQLite homes with the real
default embedder, chats imported through the real SillyTavern importer.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import CliRunner
from tests.test_recall_talk import chat_home
from truehearth.recall import hybrid
from truehearth.recall.hybrid import HybridRetriever
from truehearth.recall.lexicon import matched, number_words, related

CHAT = [
    (
        "2023-04-02",
        [
            ("Caroline", "How was the weekend? Did you get out at all?"),
            ("Melanie", "me n jo are thinkin of gettin a dog. a rescue greyhound"),
            ("Caroline", "Oh lovely, tell me everything when you've decided."),
            ("Melanie", "will do. the kind of weekend where nothing happens lol"),
            ("Caroline", "Mum had a fall on Thursday. She broke her hip."),
            ("Melanie", "oh no!! is she ok"),
            ("Caroline", "She's in hospital in Truro, they're operating on Tuesday."),
            ("Melanie", "jo started her new job today. shes a physio now"),
            ("Caroline", "I thought of you when a fox ran across the garden."),
            ("Melanie", "n it was my bday thurs, thirty five lol"),
        ],
    )
]


def words(text: str) -> dict[str, str]:
    return dict(related(text))


def test_a_general_word_looks_for_its_kinds_and_not_the_other_way() -> None:
    assert words("What kind of animal did they get?")["dog"] == "animal"
    assert "greyhound" in words("Which pets does Melanie have?")  # the plural read as the kind
    assert words("Where exactly did he pop the question?")["proposed"] == "pop the question"
    assert words("What does Jo do for a living?")["physio"] == "for a living"
    assert "taekwondo" in words("Which combat sport does Priya train in?")
    asked_dog = words("Did the dog like the beach?")
    assert "greyhound" in asked_dog  # a dog of a breed is a dog
    assert "cat" not in asked_dog and "animal" not in asked_dog  # a member is not its kind


def test_words_for_the_same_thing_look_for_each_other() -> None:
    assert "mum" in words("Is Caroline close to her mother?")
    assert "mother" in words("How is your mum?")
    assert "bday" in words("When is his birthday?")
    assert words("When did they first meet?")["met"] == "meet"


def test_numbers_in_digits_look_for_the_words_texts_spell_them_in() -> None:
    assert number_words("35") == ["thirty five"]
    assert number_words("80th") == ["eightieth", "eighty"]
    assert number_words("3rd") == ["third"]
    assert number_words("2018") == [] and number_words("0") == []
    said = "n it was my bday thurs, thirty-five lol"
    assert matched(said, related("When did he turn 35?")) == ("thirty five", "35")


def test_a_question_in_general_words_finds_the_turn_in_particular_ones(
    tmp_path: Path, cli: CliRunner
) -> None:
    assert hybrid.LEXICON  # on by default (docs/BENCHMARKS.md, round 14)
    home = chat_home(tmp_path, CHAT)
    with home:
        retriever = HybridRetriever()
        found = retriever.retrieve(
            home, "What kind of animal were Melanie and Jo thinking of taking in?", limit=3
        )
        assert found[0].record.text.startswith("me n jo are thinkin of gettin a dog")
        assert "'dog' for the question's 'animal' (word list)" in found[0].why
        mother = retriever.retrieve(home, "What injury did Caroline's mother suffer?", limit=3)
        assert mother[0].record.text.startswith("Mum had a fall")
        assert "'mum' for the question's 'mother' (word list)" in mother[0].why
        job = retriever.retrieve(home, "What does Jo do for a living?", limit=3)
        assert job[0].record.text.startswith("jo started her new job")
        # The same home without the word list (nor the neighbours column, which from round
        # 15b reads two turns each side and finds it too): 'animal' does not find the dog first.
        plain = HybridRetriever(lexicon=False, neighbours=False)
        before = plain.retrieve(
            home, "What kind of animal were Melanie and Jo thinking of taking in?", limit=3
        )
        assert not before[0].record.text.startswith("me n jo are thinkin of gettin a dog")
        assert "word list" not in " ".join(r.why for r in before)
    shown = cli(
        "recall",
        "What kind of animal were Melanie and Jo thinking of taking in?",
        "--explain",
        "--home",
        str(tmp_path / "home"),
    )
    assert shown.code == 0, shown.err
    flat = " ".join(shown.out.replace("│", " ").split())
    assert "'dog' for the question's 'animal' (word list)" in flat


def test_a_word_the_home_has_everywhere_is_not_added(tmp_path: Path) -> None:
    # 300 turns about the dog: "dog" is common in this home (over its 200-row floor), so
    # "animal" does not add it; the rarer "greyhound" is still looked for.
    lines = [("Melanie", f"walked the dog round the park, lap {i}") for i in range(300)]
    lines.append(("Melanie", "the greyhound slept all afternoon"))
    home = chat_home(tmp_path, [("2023-04-02", lines)])
    with home:
        found = HybridRetriever().retrieve(home, "Which animal slept all afternoon?", limit=3)
        assert found[0].record.text == "the greyhound slept all afternoon"
        assert "'greyhound' for the question's 'animal'" in found[0].why
        assert all("'dog' for the question's" not in r.why for r in found)
