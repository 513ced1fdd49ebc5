"""Continuing sessions: `say --session/--continue/--new` and `chat --resume`."""

from __future__ import annotations

import json
from typing import Any

from truehearth.core.records import Layer, Voice
from truehearth.home import Home
from truehearth.mouths import registry
from truehearth.sessions import last_session, session_log
from truehearth.turn import Conversation


def _say(cli: Any, home: Home, *args: str) -> dict[str, Any]:
    result = cli("say", *args, "--mouth", "echo", "--json", "--home", home.path)
    assert result.code == 0, result.err
    return dict(json.loads(result.out))


def test_continue_and_session_carry_the_history_and_the_numbering(home: Home, cli: Any) -> None:
    registry.add(home, "echo", "echo")
    first = _say(cli, home, "the heron came back today")
    again = _say(cli, home, "and it stayed", "--continue")
    assert again["session"] == first["session"] and again["turn"] == 1
    by_id = _say(cli, home, "third", "--session", first["session"], "--explain")
    assert by_id["session"] == first["session"] and by_id["turn"] == 2
    fresh = _say(cli, home, "something else", "--new")
    assert fresh["session"] != first["session"] and fresh["turn"] == 0
    log = session_log(home, first["session"])
    assert [r.text for r in log.records if r.voice is Voice.HUMAN] == [
        "the heron came back today",
        "and it stayed",
        "third",
    ]
    assert last_session(home) == fresh["session"]
    # The mouth saw what was said before: the earlier turns are in the prompt's history.
    with Conversation.resume(home, first["session"], "echo") as conv:
        assert [m.content for m in conv.history][:2] == [
            "the heron came back today",
            "echo: the heron came back today",
        ]
        result = conv.say("fourth")
        sent = [m.content for m in result.context.messages]
        assert "and it stayed" in sent and "fourth" in sent[-1]
        assert result.index == 3


def test_bad_session_choices_get_one_line_and_write_nothing(home: Home, cli: Any) -> None:
    registry.add(home, "echo", "echo")
    head = home.head()
    nothing = cli("say", "hi", "--continue", "--mouth", "echo", "--home", home.path)
    assert nothing.code != 0 and "no conversation to continue" in nothing.err
    unknown = cli("say", "hi", "--session", "s-nope", "--mouth", "echo", "--home", home.path)
    assert unknown.code != 0 and "no session 's-nope'" in unknown.err
    both = cli("say", "hi", "--continue", "--new", "--mouth", "echo", "--home", home.path)
    assert both.code != 0 and "choose one of" in both.err
    for result in (nothing, unknown, both):
        assert len(result.err.strip().splitlines()) == 1
    assert home.head() == head
    assert home.records(layers=[Layer.ARCHIVE]) == []
