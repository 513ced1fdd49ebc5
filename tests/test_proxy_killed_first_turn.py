"""A new chat's first reply cut by ``kill -9``: the human's line is kept, once.

A real ``truehearth serve`` streams a slow mouth's reply to a chat's first
line and is killed mid-reply; the frontend keeps the partial reply, so its
next request (to a restarted server) is ``[line 1, partial reply, line 2]``.
Nothing of the first turn was journaled, and that request cannot be told from
a chat begun elsewhere, so line 1 was lost. The proxy now journals a new
chat's line before the mouth speaks. Sent again and again (a retry, a swipe,
another kill), no line is journaled twice.
"""

from __future__ import annotations

import json
import signal
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.test_mouths_http import openai_server
from tests.test_server_kill import _port, _serve
from truehearth import threads
from truehearth.core.records import Layer
from truehearth.home import Home
from truehearth.keys import ensure_token
from truehearth.mouths import registry
from truehearth.mouths.doubles import EchoMouth
from truehearth.threads import Said
from truehearth.turn import Conversation

LINE1 = "The first line of a chat whose reply was cut when the server died."
LINE2 = "And this is what I said after the partial reply."
LINE3 = "A third line, after a second kill."


def _humans(home_dir: Path) -> list[str]:
    with Home.open(home_dir) as home:
        assert home.verify().ok
        return [
            r.text
            for r in home.records(layers=(Layer.ARCHIVE,))
            if r.voice.value == "human" and r.is_current
        ]


def _partial(url: str, token: str, messages: list[dict[str, str]]) -> str:
    """Start a streamed reply from the slow mouth and return once a few words came."""
    body = {"model": "slow", "stream": True, "messages": messages}
    said: list[str] = []
    with (
        httpx.Client(timeout=30) as client,
        client.stream("POST", url, json=body, headers={"Authorization": f"Bearer {token}"}) as r,
    ):
        assert r.status_code == 200
        for line in r.iter_lines():
            if line.startswith("data: ") and line != "data: [DONE]":
                for choice in json.loads(line[6:]).get("choices") or []:
                    said.append(choice.get("delta", {}).get("content") or "")
            if len("".join(said).split()) >= 3:
                return "".join(said)
    raise AssertionError("the stream ended early")


def _killed_mid_reply(home_dir: Path, token: str, messages: list[dict[str, str]]) -> str:
    port = _port()
    server = _serve(home_dir, port)
    try:
        partial = _partial(f"http://127.0.0.1:{port}/v1/chat/completions", token, messages)
    finally:
        server.send_signal(signal.SIGKILL)
        server.communicate()
    return partial


def _send(home_dir: Path, token: str, messages: list[dict[str, str]]) -> dict[str, Any]:
    port = _port()
    server = _serve(home_dir, port)
    try:
        reply = httpx.post(
            f"http://127.0.0.1:{port}/v1/chat/completions",
            json={"model": "echo", "messages": messages},
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )
    finally:
        server.terminate()
        server.communicate()
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


@pytest.mark.slow
def test_a_first_line_whose_reply_was_killed_is_kept_once(home_dir: Path) -> None:
    with openai_server() as mouth_server:
        mouth_server.mode = "slow"
        with Home.init(home_dir, "Ash") as home:
            registry.add(home, "echo", "echo")
            slow = {"url": mouth_server.url, "model": "m"}
            registry.add(home, "slow", "openai-http", options=slow)
        token = ensure_token(home_dir)
        chat = [{"role": "assistant", "content": "*waves* Hello, traveller."}]  # a greeting
        chat.append({"role": "user", "content": LINE1})
        partial = _killed_mid_reply(home_dir, token, chat)
        assert _humans(home_dir) == [LINE1]
        chat += [{"role": "assistant", "content": partial}, {"role": "user", "content": LINE2}]
        partial2 = _killed_mid_reply(home_dir, token, chat)  # killed again, mid-reply
        chat += [{"role": "assistant", "content": partial2}, {"role": "user", "content": LINE3}]
        first = _send(home_dir, token, chat)
        again = _send(home_dir, token, chat)  # a swipe of the last line
    assert sorted(_humans(home_dir)) == sorted([LINE1, LINE2, LINE3])
    assert first["truehearth"]["session"] == again["truehearth"]["session"]
    assert again["truehearth"]["alternative_to"] == [first["truehearth"]["reply_record"]]
    with Home.open(home_dir) as home:
        turns = sorted(
            (int(r.meta["turn"]), r.text)
            for r in home.records(layers=(Layer.ARCHIVE,))
            if r.voice.value == "human"
        )
    assert turns == [(0, LINE1), (1, LINE2), (2, LINE3)]


def test_a_lone_line_never_answered_sent_again_later_is_its_retry(home: Home) -> None:
    """Past the regenerate window, a one-turn session asked again was a new chat; for a
    line that never got a reply (its send failed) that journaled the line a second time."""
    lost = Conversation(home, EchoMouth(), "echo", session="s-lost", via="proxy")
    lost.ask_first("Are you there? The lights went out.")
    answered = Conversation(home, EchoMouth(), "echo", session="s-answered", via="proxy")
    answered.say("Good morning, a whole new day.")
    later = (datetime.fromisoformat(home.now()) + timedelta(hours=2)).isoformat()
    retry = threads.locate(
        home, [Said("user", "Are you there? The lights went out.")], now=later, asks_reply=True
    )
    assert retry.match is not None and retry.match.thread.session == "s-lost"
    again = threads.locate(
        home, [Said("user", "Good morning, a whole new day.")], now=later, asks_reply=True
    )
    assert again.match is None  # an answered line, hours later: a new chat opening alike
