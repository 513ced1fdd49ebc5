"""The request's parameters as a demanding user of a real frontend meets them.

What the proxy cannot give in the shape asked (a JSON answer, sound, more than
OpenAI's four ``stop`` sequences, a reply to a tool result) is refused with one
line naming the field; a value of the wrong type (``stream: "yes"``, a number
sent as text) is refused, not coerced; and the sampling knobs frontends send
with every request (``frequency_penalty``, ``logit_bias``, ``top_k`` ...) are
accepted, and when they ask for something, said back as set aside rather than
dropped silently. The MCP tools refuse an argument they do not take.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.loopback import serving
from tests.test_server_first_user import SAID, _client, _mcp_calls, _refusal, _seq
from truehearth.core.records import Layer
from truehearth.home import Home
from truehearth.keys import ensure_token
from truehearth.mouths import registry
from truehearth.server.app import create_app
from truehearth.server.settings import ServerSettings


@pytest.fixture
def server(home: Home) -> Iterator[tuple[str, str]]:
    home.accept(home.propose(Layer.CORE, "My name is Ash.").id)
    registry.add(home, "echo", "echo")
    token = ensure_token(home.path)
    with serving(create_app(ServerSettings(home=home.path, token=token))) as url:
        yield url, token


@pytest.mark.parametrize(
    ("asked", "param", "said"),
    [
        ({"stop": ["a", "b", "c", "d", "e"]}, "stop", "at most 4"),
        ({"response_format": {"type": "json_object"}}, "response_format", "plain text"),
        ({"response_format": {"type": "json_schema", "json_schema": {}}}, "response_format", ""),
        ({"modalities": ["text", "audio"]}, "modalities", "text only"),
        ({"stream": "yes"}, "stream", "boolean"),
        ({"max_tokens": "100"}, "max_tokens", "not text"),
        ({"temperature": "0.7"}, "temperature", "not text"),
        ({"seed": True}, "seed", "not true/false"),
        ({"stream_options": {"include_usage": "yes"}}, "stream_options.include_usage", ""),
    ],
    ids=[
        "five stops",
        "json_object",
        "json_schema",
        "audio",
        "stream yes",
        "max_tokens as text",
        "temperature as text",
        "seed true",
        "include_usage yes",
    ],
)
def test_what_cannot_be_honoured_as_asked_is_refused_in_one_line(
    server: tuple[str, str], home: Home, asked: dict[str, Any], param: str, said: str
) -> None:
    """Each was accepted: ``stream: "yes"`` read as true, a JSON answer asked for and
    a plain reply given, five stop sequences passed to a mouth that may be OpenAI."""
    before = _seq(home)
    url, token = server
    answer = httpx.post(
        url + "/v1/chat/completions",
        json={"model": "echo", "messages": SAID, **asked},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["param"] == param, error
    assert said in error["message"] and "\n" not in error["message"], error
    assert _seq(home) == before


def test_a_tool_result_to_answer_is_refused_as_such_not_as_an_empty_message(
    server: tuple[str, str], home: Home
) -> None:
    """A request of only a tool result said "the message is empty"; one ending on a tool
    result after the companion's words was read as a "continue"."""
    before = _seq(home)
    tool = {"role": "tool", "tool_call_id": "call_1", "content": "42"}
    body = _refusal(server, messages=[tool])
    assert body["param"] == "messages.0.role" and "tool result" in body["message"], body
    assert "empty" not in body["message"], body
    chat = [*SAID, {"role": "assistant", "content": "Let me look."}, tool]
    body = _refusal(server, messages=chat)
    assert body["param"] == "messages.2.role", body
    assert _seq(home) == before


def test_sampling_knobs_frontends_always_send_are_accepted_and_said_set_aside(
    server: tuple[str, str], home: Home
) -> None:
    """``frequency_penalty: 0.5`` and ``top_k`` were dropped without a word."""
    client = _client(server)
    # SillyTavern's defaults ask for nothing: accepted, nothing said.
    plain = client.chat.completions.create(
        model="echo", messages=SAID, frequency_penalty=0, presence_penalty=0, logit_bias={}
    )
    assert plain.model_extra is not None
    assert plain.model_extra["truehearth"]["parameters_set_aside"] == []
    chat: list[Any] = [*SAID, {"role": "assistant", "content": "Yes."}]
    asked = client.chat.completions.with_raw_response.create(
        model="echo",
        messages=[*chat, {"role": "user", "content": "Tell me."}],
        frequency_penalty=0.5,
        response_format={"type": "text"},
        extra_body={"top_k": 40, "repetition_penalty": 1},
    )
    assert asked.headers["X-Truehearth-Ignored-Parameters"] == "frequency_penalty,top_k"
    reply = asked.parse()
    assert reply.choices[0].message.content
    extra = reply.model_extra or {}
    assert extra["truehearth"]["parameters_set_aside"] == ["frequency_penalty", "top_k"]
    with Home.open(home.path) as h:
        kept = h.record(extra["truehearth"]["reply_record"])
    assert kept.meta["frontend"]["parameters_set_aside"] == ["frequency_penalty", "top_k"]


def test_an_mcp_argument_the_tool_does_not_take_is_refused(
    server: tuple[str, str], home: Home
) -> None:
    """``replace`` for ``replaces`` was ignored: a change was journaled as an addition."""
    before = _seq(home)
    answers = _mcp_calls(
        server,
        [
            ("propose_core_change", {"text": "I am Ash, always.", "model": "m1", "replace": "r1"}),
            ("add_reflection", {"text": "A quiet day.", "model": "m1", "layer": "boundary"}),
            ("read_core", {"verbose": True}),
        ],
    )
    for (is_error, text), name in zip(answers, ["'replace'", "'layer'", "'verbose'"], strict=True):
        assert is_error and f"unknown argument {name}" in text and "\n" not in text, text
    assert "'replaces'" in answers[0][1], answers[0]
    assert _seq(home) == before
    ((is_error, _),) = _mcp_calls(server, [("read_core", {})])
    assert not is_error
