"""The store's turn index: kept with the records, backfilled for older homes, never stale."""

from __future__ import annotations

import sqlite3

import pytest

from truehearth.core.canonical import canonical_bytes
from truehearth.core.records import Layer, Voice
from truehearth.home import Home
from truehearth.homedir import DB_NAME
from truehearth.mouths.doubles import EchoMouth
from truehearth.store.turns import FOLLOWS, follows_of
from truehearth.turn import Conversation


def _chat(home: Home, session: str, lines: list[str]) -> None:
    conv = Conversation(home, EchoMouth(), "echo", session=session, via="proxy")
    for line in lines:
        conv.say(line)


def _rows(home: Home) -> list[tuple[object, ...]]:
    with sqlite3.connect(home.path / DB_NAME) as conn:
        return sorted(conn.execute("SELECT id, session, via, turn, human, said FROM turn_index"))


def test_turns_are_found_by_their_lines_not_by_reading_the_archive(home: Home) -> None:
    _chat(home, "s-a", ["hello", "how was the garden?"])
    _chat(home, "s-b", ["hello", "tell me about Lisbon"])
    chat = ["hello", "  how was the garden?\n", "and the roses?"]
    assert home.sessions_holding(chat, via="proxy") == ["s-a"]
    # Both sessions hold only lines of a chat that says all of them; the fuller first.
    every = ["hello", "tell me about Lisbon", "how was the garden?"]
    both = home.sessions_holding(every, via="proxy")
    assert sorted(both) == ["s-a", "s-b"]
    assert home.sessions_holding(["hello"], via="turn") == []
    turns = home.session_turns("s-a")
    assert [(r.meta["turn"], r.voice) for r in turns] == [
        (0, Voice.HUMAN),
        (0, Voice.COMPANION),
        (1, Voice.HUMAN),
        (1, Voice.COMPANION),
    ]


def test_a_corrected_or_rolled_back_turn_leaves_the_index_with_it(home: Home) -> None:
    before = home.head()
    assert before is not None
    _chat(home, "s-a", ["hello", "how was the garden?"])
    human = next(r for r in home.session_turns("s-a") if r.text == "how was the garden?")
    home.correct(human.id, "how was the orchard?", source=human.source)
    assert home.sessions_holding(["hello", "how was the garden?"], via="proxy") == []
    assert home.sessions_holding(["hello", "how was the orchard?"], via="proxy") == ["s-a"]
    home.rollback(before.seq)
    assert home.session_turns("s-a") == []
    assert home.sessions_holding(["hello", "how was the orchard?"], via="proxy") == []
    assert home.verify().ok


def test_an_older_home_gets_its_turns_indexed_when_opened(home: Home) -> None:
    _chat(home, "s-a", ["hello", "how was the garden?"])
    home.remember("we planted basil", layer=Layer.MEMORY)
    written = _rows(home)
    assert len(written) == 4
    home.close()
    with sqlite3.connect(home.path / DB_NAME) as conn:  # the home as m004 left it
        conn.execute("DROP TABLE turn_index")
        conn.execute(
            "DELETE FROM _migrations WHERE name IN ('m005_turn_index', 'm006_turn_index_tails')"
        )
    with Home.open(home.path) as again:
        assert _rows(again) == written
        assert again.sessions_holding(["hello", "how was the garden?"], via="proxy") == ["s-a"]


def test_verify_finds_a_turn_index_that_differs_from_the_journal(home: Home) -> None:
    _chat(home, "s-a", ["hello"])
    assert home.verify().ok
    with sqlite3.connect(home.path / DB_NAME) as conn:
        conn.execute("UPDATE turn_index SET session = 's-other' WHERE human = 1")
    report = home.verify()
    assert not report.ok
    assert "turn index" in str(report.problem)
    with sqlite3.connect(home.path / DB_NAME) as conn:
        conn.execute("UPDATE turn_index SET session = 's-a'")
        conn.execute("DELETE FROM turn_index WHERE human = 0")
    assert "missing from the turn index" in str(home.verify().problem)


def test_a_trimmed_chat_finds_the_sessions_whose_newest_turns_it_holds(home: Home) -> None:
    _chat(home, "s-a", ["hello", "the garden", "the roses", "the fence"])
    _chat(home, "s-b", ["hello", "the fence"])
    _chat(home, "s-c", ["the roses", "the fence", "the gate"])  # its last turn is not shown
    chat = ["the garden", "the roses", "the fence", "and now?"]  # "hello" was trimmed
    found = home.session_tails(chat, via="proxy", min_tail=2)
    assert [(t.session, t.turns, t.tail, t.since, t.whole) for t in found] == [
        ("s-a", 4, 3, 1, False)
    ]
    # A session shorter than the minimum still counts when the chat holds all of it.
    found = home.session_tails(["hello", "the fence"], via="proxy", min_tail=3)
    assert [(t.session, t.tail, t.whole) for t in found] == [("s-b", 2, True)]
    assert [r.meta["turn"] for r in home.session_turns("s-a", since=2)] == [2, 2, 3, 3]


def test_turns_a_rewind_cut_neither_count_nor_break_a_tail(home: Home) -> None:
    conv = Conversation(home, EchoMouth(), "echo", session="s-a", via="proxy")
    for line in ["the garden", "the roses", "the fence", "the gate"]:
        conv.say(line)
    conv.human_meta = {"follows": 1}  # the frontend deleted "the fence" and "the gate"
    conv.say("the orchard instead")
    assert conv.human_meta == {}  # said once, on that turn only
    conv.say("and the pond")
    chat = ["the garden", "the roses", "the orchard instead", "and the pond", "now?"]
    found = home.session_tails(chat, via="proxy", min_tail=3)
    assert [(t.session, t.turns, t.tail, t.since, t.whole) for t in found] == [
        ("s-a", 4, 4, 0, True)
    ]
    assert home.sessions_holding(chat, via="proxy") == ["s-a"]
    follows = [r.meta.get("follows") for r in home.session_turns("s-a") if r.voice is Voice.HUMAN]
    assert follows == [None, None, None, None, 1, None]


def test_a_rewound_chat_finds_the_sessions_that_share_its_lines(home: Home) -> None:
    _chat(home, "s-a", ["hello", "the garden", "the roses", "the fence"])
    _chat(home, "s-b", ["hello", "the roses", "the gate"])
    _chat(home, "s-c", ["the pond"])
    chat = ["hello", "the garden", "the roses", "and now?"]
    found = home.sessions_sharing(chat[1:], ends=["the roses"], via="proxy")
    assert [(s.session, s.since, s.shared) for s in found] == [("s-a", 1, 2), ("s-b", 1, 1)]
    # The session must hold every one of the chat's newest lines.
    found = home.sessions_sharing(chat[1:], ends=["hello", "the garden", "the roses"], via="proxy")
    assert [s.session for s in found] == ["s-a"]
    assert home.sessions_sharing(chat, ends=["hello", "the pond"], via="proxy") == []
    assert home.sessions_sharing(["the roses"], ends=["the roses"], via="turn") == []


def test_a_sessions_turns_are_parsed_once_while_their_bytes_stay(home: Home) -> None:
    conv = Conversation(home, EchoMouth(), "echo", session="s-a", via="proxy")
    for line in ["hello", "how was the garden?", "and the roses?"]:
        conv.say(line)
    first = home.session_turns("s-a")
    again = home.session_turns("s-a")
    # The same records, not parsed again: a long chat's request no longer grows with it.
    assert len(again) == 6 and all(a is b for a, b in zip(first, again, strict=True))
    conv.say("and the pond?")
    longer = home.session_turns("s-a")
    assert all(a is b for a, b in zip(first, longer[:6], strict=True))
    assert [r.text for r in longer[6:]] == ["and the pond?", "echo: and the pond?"]
    with Home.open(home.path) as fresh:
        assert [r.to_json() for r in longer] == [r.to_json() for r in fresh.session_turns("s-a")]


def test_kept_turns_follow_what_another_home_changes(home: Home) -> None:
    before = home.head()
    assert before is not None
    _chat(home, "s-a", ["hello", "how was the garden?"])
    human = next(r for r in home.session_turns("s-a") if r.text == "how was the garden?")
    with Home.open(home.path) as other:
        other.correct(human.id, "how was the orchard?", source=human.source)
    texts = [r.text for r in home.session_turns("s-a") if r.voice is Voice.HUMAN]
    assert texts == ["hello", "how was the orchard?"]
    with Home.open(home.path) as other:
        other.rollback(before.seq)
    assert home.session_turns("s-a") == []


def _index_rows(home: Home) -> list[tuple[object, ...]]:
    columns = "id, session, via, turn, human, said, current, at, follows"
    with sqlite3.connect(home.path / DB_NAME) as conn:
        return sorted(conn.execute(f"SELECT {columns} FROM turn_index"))


def test_an_m005_home_gets_what_the_tails_query_reads_in_its_turn_index(home: Home) -> None:
    conv = Conversation(home, EchoMouth(), "echo", session="s-a", via="proxy")
    for line in ["the garden", "the roses", "the fence", "the gate"]:
        conv.say(line)
    conv.human_meta = {"follows": 1}
    conv.say("the orchard instead")
    roses = next(r for r in home.session_turns("s-a") if r.text == "the roses")
    home.correct(roses.id, "the tulips", source=roses.source)  # the old turn is not current
    _chat(home, "s-b", ["hello", "the pond"])
    chat = ["the garden", "the tulips", "the orchard instead", "now?"]
    tails = home.session_tails(chat, via="proxy", min_tail=2)
    written = _index_rows(home)
    assert {row[6] for row in written} == {0, 1}  # current and not
    assert [row[8] for row in written if row[8] is not None] == [1]
    home.close()
    # The file as m005 left it: the columns the tails query reads were not there.
    with sqlite3.connect(home.path / DB_NAME) as conn:
        for column in ("current", "at", "follows"):
            conn.execute(f"ALTER TABLE turn_index DROP COLUMN {column}")
        conn.execute("DELETE FROM _migrations WHERE name = 'm006_turn_index_tails'")
    with Home.open(home.path) as again:
        assert _index_rows(again) == written
        assert again.session_tails(chat, via="proxy", min_tail=2) == tails
        assert again.verify().ok


def test_the_tails_query_reads_no_records_row(home: Home) -> None:
    """A records row per human turn made finding a long chat's session grow with it."""
    _chat(home, "s-a", ["the garden", "the roses"])
    conn = home.store._conn  # type: ignore[attr-defined]
    tables: list[str] = []

    def watch(action: int, table: str | None, *_: object) -> int:
        if action == sqlite3.SQLITE_READ and table is not None:
            tables.append(table)
        return sqlite3.SQLITE_OK

    conn.set_authorizer(watch)
    try:
        found = home.session_tails(["the garden", "the roses", "now?"], via="proxy", min_tail=2)
    finally:
        conn.set_authorizer(None)
    assert [t.session for t in found] == ["s-a"]
    assert "turn_index" in tables and "records" not in tables


def test_verify_finds_a_turn_index_whose_tail_columns_differ(home: Home) -> None:
    _chat(home, "s-a", ["hello"])
    with sqlite3.connect(home.path / DB_NAME) as conn:
        conn.execute("UPDATE turn_index SET current = 0 WHERE human = 1")
    assert "turn index" in str(home.verify().problem)


@pytest.mark.parametrize("follows", [None, 3, -1, "2", True, False, [1, "a"], {"b": 1, "a": "é"}])
def test_a_follows_value_is_kept_as_the_stored_json_reads(follows: object) -> None:
    """The index must hold what the tails query read from the record: ``json_extract``'s value."""
    meta = {"kind": "turn"} if follows is None else {"kind": "turn", FOLLOWS: follows}
    stored = canonical_bytes({"meta": meta}).decode()
    with sqlite3.connect(":memory:") as conn:
        (read,) = conn.execute("SELECT json_extract(?, '$.meta.follows')", (stored,)).fetchone()
        (kept,) = conn.execute("SELECT ?", (follows_of(meta),)).fetchone()
    assert (kept, type(kept)) == (read, type(read))
