"""Rewinds: the frontend deletes a chat's newest exchanges, and the chat keeps its session.

SillyTavern's "Delete messages" removes the last lines of a chat; the next send
goes on from what is left. These tests replay that through the real server
with the official ``openai`` client, on a real home, and read the journal: the
chat stays one session, the deleted turns' replies are withdrawn and said so in
``truehearth log`` and the web UI, later requests go on as usual, and a new chat
that opens like an old one does not rewind into it (a rewind is asked the same
evidence as a trimmed chat's tail).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import CliRunner
from tests.test_proxy_trimmed import (
    Chat,
    Numbered,
    Served,
    _facts,
    _line,
    _serve,
    _sessions,
    _turns,
)
from truehearth.core.records import Record, Voice
from truehearth.exchange.letta_export import build_agent_file
from truehearth.home import Home


@pytest.fixture
def served(home: Home) -> Iterator[Served]:
    """The trimmed-chat tests' server: a mouth whose replies are each its own sentence."""
    yield from _serve(home, Numbered())


def _withdrawn(home: Home) -> list[dict[str, Any]]:
    with Home.open(home.path) as h:
        return [e.payload for e in h.log(limit=500) if e.kind == "turn.withdrawn"]


def _replies(turns: list[Record], n: int) -> list[str]:
    return [r.id for r in turns if r.meta["turn"] == n and r.voice is Voice.COMPANION]


def _delete(chat: Chat, exchanges: int) -> None:
    """The user deletes the newest ``exchanges`` (a line and its reply each) at the frontend."""
    chat.shown = chat.shown[: -2 * exchanges]


def test_deleting_the_last_exchange_then_sending_goes_on_in_the_session(
    served: Served, cli: CliRunner
) -> None:
    client, home, url, token = served
    chat = Chat(client)
    for i in range(5):
        last = chat.send(_line(i))
    session = _facts(last)["session"]
    _delete(chat, 1)
    answer = chat.send("Never mind that one. Which way is the sea from here?")
    facts = _facts(answer)
    assert facts["session"] == session and facts["turn"] == 5
    assert facts["session_match"] == {
        "how": "rewind",
        "since": 0,
        "shown": 4,
        "after": 3,
        "deleted": [4],
    }
    (withdrawn,) = _withdrawn(home)
    turns = _turns(home)
    deleted = [r for r in turns if r.meta["turn"] == 4]
    assert withdrawn["deleted"] is True and withdrawn["turn"] == 4
    assert withdrawn["human"] == deleted[0].id
    assert withdrawn["replies"] == [r.id for r in deleted if r.voice is Voice.COMPANION]
    new = next(r for r in turns if r.id == facts["human_record"])
    assert new.meta["follows"] == 3
    # The next request shows turns 0-3 and 5: the session as it now stands, whole.
    after = chat.send("And after the sea, the lighthouse on the cape?")
    assert _facts(after)["session"] == session and _facts(after)["turn"] == 6
    assert _facts(after)["session_match"] == {"how": "whole", "since": 0, "shown": 5}
    assert len(_withdrawn(home)) == 1
    assert list(_sessions(home)) == [session]
    shown = cli("log", "--home", str(home.path), "--session", session)
    assert shown.code == 0
    flat = " ".join(shown.out.split())
    assert "rewound chat: the frontend deleted turn(s) 4" in flat
    assert "goes on from turn 3" in flat
    assert f"reply {withdrawn['replies'][0]} (withdrawn)" in flat
    events = cli("log", "--home", str(home.path))
    assert f"the frontend deleted turn 4 of {session}" in " ".join(events.out.split())
    with httpx.Client(base_url=url, timeout=30) as browser:
        login = browser.post("/ui/login", data={"token": token, "next": "/ui/chats"})
        assert login.status_code == 303
        page = browser.get("/ui/chat", params={"session": session})
    assert page.status_code == 200
    assert "rewound chat: the frontend deleted turn(s) 4" in page.text
    assert "1 withdrawn" in page.text
    # What goes to Letta is the chat the user kept: the deleted exchange stays home.
    with Home.open(home.path) as h:
        sent = build_agent_file(h)["agents"][0]["messages"]
    texts = [m["content"][0]["text"] for m in sent]
    assert _line(3) in texts and _line(4) not in texts


def test_deleting_two_exchanges_then_sending_withdraws_both(served: Served) -> None:
    client, home, *_ = served
    chat = Chat(client)
    for i in range(6):
        last = chat.send(_line(i))
    session = _facts(last)["session"]
    _delete(chat, 2)
    answer = chat.send("Forget those two. Back to the ferry: when does it leave?")
    facts = _facts(answer)
    assert facts["session"] == session and facts["turn"] == 6
    assert facts["session_match"]["deleted"] == [4, 5]
    assert facts["session_match"]["after"] == 3
    turns = _turns(home)
    withdrawn = {w["turn"]: w["replies"] for w in _withdrawn(home)}
    assert withdrawn == {4: _replies(turns, 4), 5: _replies(turns, 5)}
    assert all(withdrawn.values())  # each deleted turn had its reply
    # A swipe on the new line is an alternative to it, in the same session.
    swiped = chat.resend()
    assert _facts(swiped)["session"] == session and _facts(swiped)["turn"] == 6
    assert _facts(swiped)["alternative_to"] == [facts["reply_record"]]
    # The user deletes the new exchange too: the next line never reuses a deleted number.
    _delete(chat, 1)
    again = chat.send("No, the ferry can wait. Let us climb the ridge instead.")
    assert _facts(again)["session"] == session and _facts(again)["turn"] == 7
    assert _facts(again)["session_match"]["deleted"] == [6]
    humans = [r.meta["turn"] for r in _turns(home) if r.voice is Voice.HUMAN]
    assert humans == list(range(8))
    assert list(_sessions(home)) == [session]


def test_a_new_chat_that_opens_like_an_old_one_does_not_rewind_into_it(served: Served) -> None:
    client, home, *_ = served
    old = Chat(client)
    for i in range(5):
        last = old.send(_line(i))
    session = _facts(last)["session"]
    # The old chat's first three lines, in order, but with another backend's
    # replies: the human's lines match; the companion's words, the evidence, do not.
    elsewhere = Chat(client)
    for i in range(3):
        elsewhere.shown += [
            {"role": "user", "content": _line(i)},
            {"role": "assistant", "content": f"Another backend's answer {i}, never seen here."},
        ]
    other = elsewhere.send("So where do we go next, after all that?")
    assert _facts(other)["session"] != session
    assert _facts(other)["turn"] == 0 and _facts(other)["session_match"] == {"how": "new"}
    # A new chat opening with the same first line, and going on with the old lines.
    fresh = Chat(client)
    first = fresh.send(_line(0))
    assert _facts(first)["session"] not in (session, _facts(other)["session"])
    assert _facts(first)["turn"] == 0 and _facts(first)["session_match"] == {"how": "new"}
    for i in (1, 2):
        more = fresh.send(_line(i))
    assert _facts(more)["session"] == _facts(first)["session"] and _facts(more)["turn"] == 2
    assert _withdrawn(home) == []
    assert len(_sessions(home)) == 3
    assert len(_sessions(home)[session]) == 10  # the old session: five turns, untouched


def test_a_rewind_that_shows_too_little_starts_a_new_session(served: Served) -> None:
    client, home, *_ = served
    chat = Chat(client)
    for i in range(3):
        last = chat.send(_line(i))
    _delete(chat, 1)  # two turns are left: too little to tell this chat from another
    answer = chat.send("Never mind that. What did the ferryman say?")
    assert _facts(answer)["session"] != _facts(last)["session"]
    assert _facts(answer)["session_match"] == {"how": "new"}
    assert _withdrawn(home) == []


def test_a_trimmed_chat_that_rewinds_goes_on_in_its_session(served: Served) -> None:
    client, home, *_ = served
    chat = Chat(client)
    for i in range(8):
        last = chat.send(_line(i), keep=8)
    session = _facts(last)["session"]
    _delete(chat, 1)
    answer = chat.send("Not that. Tell me about the harbour instead.", keep=8)
    facts = _facts(answer)
    assert facts["session"] == session and facts["turn"] == 8
    assert facts["session_match"] == {
        "how": "rewind",
        "since": 3,
        "shown": 4,
        "after": 6,
        "deleted": [7],
    }
    assert [w["turn"] for w in _withdrawn(home)] == [7]


def test_a_rewind_under_the_session_header_withdraws_the_deleted_turn(served: Served) -> None:
    """The frontend names the session, so no evidence is asked: even one turn left rewinds."""
    client, home, *_ = served
    chat = Chat(client.with_options(default_headers={"X-Truehearth-Session": "s-named"}))
    for i in range(2):
        chat.send(_line(i))
    _delete(chat, 1)
    answer = chat.send("Not that. Where is the nearest well?")
    facts = _facts(answer)
    assert facts["session"] == "s-named" and facts["turn"] == 2
    assert facts["session_match"]["deleted"] == [1]
    (withdrawn,) = _withdrawn(home)
    assert withdrawn["replies"] == _replies(_turns(home), 1)
