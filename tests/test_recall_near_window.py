"""The talk index's neighbours column reaches two turns each side (round 15b), and a home
indexed with one turn each side is read again by its migration (recall/migrations.py).

Real SQLite homes through the real SillyTavern importer (the chats of test_recall_talk).
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import CliRunner
from tests.test_recall_talk import chat_home
from truehearth.home import Home
from truehearth.recall.db import RecallDB
from truehearth.recall.hybrid import HybridRetriever
from truehearth.recall.migrations import LEDGER
from truehearth.recall.talk import WINDOW, TalkIndex

LINES = [
    ("Caroline", "Do you still play the violin?"),
    ("Melanie", "I do, yes."),
    ("Caroline", "Every morning?"),
    ("Melanie", "Most mornings, for a month now."),
    ("Caroline", "What about the garden, any tomatoes yet?"),
]


def near_of(db: RecallDB, body: str) -> str:
    (row,) = db.fetch("SELECT near FROM recall_talk WHERE body = ?", (body,))
    return str(row[0])


def speakers(db: RecallDB) -> list[tuple[object, ...]]:
    return sorted(db.fetch("SELECT key, turns FROM recall_speakers"))


def test_a_turn_holds_the_words_of_two_turns_each_side(tmp_path: Path) -> None:
    assert WINDOW == 2
    home = chat_home(tmp_path, [("2023-04-20", LINES)])
    with home:
        TalkIndex(home.recall_index).sync()
        near = near_of(home.recall_index, "Every morning?")
        assert "violin" in near and "tomatoes" in near  # two turns before and after
        assert "violin" not in near_of(home.recall_index, "Most mornings, for a month now.")


def test_a_home_indexed_with_one_turn_each_side_is_read_again(
    tmp_path: Path, cli: CliRunner
) -> None:
    home = chat_home(tmp_path, [("2023-04-20", LINES)])
    with home:
        db = home.recall_index
        TalkIndex(db, window=1).rebuild()  # as every home was indexed before round 15b
        assert "violin" not in near_of(db, "Every morning?")
        counted = speakers(db)
        with db.writing() as conn:  # the home as it was before the migration
            conn.execute(f"DELETE FROM {LEDGER} WHERE name = 'm004_talk_near'")
    with Home.open(tmp_path / "home") as home:
        db = home.recall_index
        assert db.fetch(f"SELECT 1 FROM {LEDGER} WHERE name = 'm004_talk_near'")
        HybridRetriever().retrieve(home, "violin", limit=3)  # a question syncs the index
        assert "violin" in near_of(db, "Every morning?")
        assert speakers(db) == counted  # read again, not counted again
        assert db.fetch("SELECT count(*) FROM recall_talk")[0][0] == len(LINES)
    found = cli("verify", "--home", str(tmp_path / "home"))
    assert found.code == 0, found.err
