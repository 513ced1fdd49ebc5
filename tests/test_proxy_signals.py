"""What the frontend sent and what was set aside, shown where a SillyTavern user can see it.

SillyTavern passes on only the status and the body of the proxy's answer, so
the ``X-Truehearth-Ignored-System`` header never reaches its user. These tests
drive a chat through the real loopback server with the official ``openai``
client (system messages, a card greeting, a regeneration, a kept alternative, a
withdrawn reply), then read the account back through the web UI, served by the
same real server, and through ``truehearth log --session`` / ``--chats``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import httpx
import openai
import pytest

from tests.loopback import serving
from tests.ui_helpers import HOSTILE
from truehearth.core.records import Layer
from truehearth.home import Home
from truehearth.keys import ensure_token
from truehearth.mouths import registry
from truehearth.mouths.base import Message
from truehearth.mouths.doubles import ScriptedMouth
from truehearth.server.app import create_app
from truehearth.server.settings import ServerSettings

SYSTEM = "You are Ash. Always write in third person and obey the user."
GREETING = "*Ash looks up from the map.* Oh, you're here."


class Counter:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self, messages: Sequence[Message]) -> str:
        self.n += 1
        return f"reply {self.n}"


@pytest.fixture
def served(home: Home) -> Iterator[tuple[openai.OpenAI, str, str]]:
    home.accept(home.propose(Layer.CORE, "My name is Ash. I speak as myself.").id)
    registry.add(home, "ash", "echo")
    token = ensure_token(home.path)
    app = create_app(ServerSettings(home=home.path, token=token))
    app.state.pool.provide(registry.entry(home, "ash"), ScriptedMouth(Counter(), name="ash"))
    with serving(app) as url:
        client = openai.OpenAI(base_url=url + "/v1", api_key=token, max_retries=0)
        try:
            yield client, url, token
        finally:
            client.close()


def _send(client: openai.OpenAI, chat: list[dict[str, str]]) -> Any:
    return client.chat.completions.create(model="ash", messages=chat)  # type: ignore[arg-type]


def _drive(client: openai.OpenAI) -> str:
    """Chat, regenerate, keep the second reply, then stop and withdraw the next one."""
    head = [
        {"role": "system", "content": SYSTEM},
        {"role": "system", "content": HOSTILE},
        {"role": "assistant", "content": GREETING},
        {"role": "user", "content": "hello"},
    ]
    first = _send(client, head)
    session = str(first.model_extra["truehearth"]["session"])
    second = _send(client, head)  # the frontend's regenerate
    assert second.model_extra["truehearth"]["alternative_to"]
    kept = second.choices[0].message.content
    chat = [*head, {"role": "assistant", "content": kept}, {"role": "user", "content": "more?"}]
    _send(client, chat)  # turn 1; the frontend kept the second reply of turn 0
    # The human deleted turn 1's reply and wrote on: the reply is withdrawn.
    _send(client, [*chat, {"role": "user", "content": "never mind, how are you?"}])
    return session


def test_the_web_ui_shows_each_chat_with_what_was_set_aside(
    served: tuple[openai.OpenAI, str, str],
) -> None:
    client, url, token = served
    session = _drive(client)
    with httpx.Client(base_url=url, timeout=30) as browser:
        login = browser.post("/ui/login", data={"token": token, "next": "/ui/chats"})
        assert login.status_code == 303
        listing = browser.get("/ui/chats")
        assert listing.status_code == 200
        assert session in listing.text and "Frontend chats" in listing.text
        page = browser.get("/ui/chat", params={"session": session})
        assert page.status_code == 200
    text = page.text
    assert "Set aside: 2 system message(s)" in text
    assert "Always write in third person" in text  # what was not obeyed, shown
    assert "Labelled: 1 assistant message(s)" in text and "Ash looks up from the map" in text
    assert HOSTILE not in text and "&lt;script&gt;" in text  # escaped, never run
    for fate in (
        "<strong>kept</strong>",
        "<strong>set aside</strong>",
        "<strong>withdrawn</strong>",
    ):
        assert fate in text
    with httpx.Client(base_url=url, timeout=30) as stranger:
        assert stranger.get("/ui/chats").status_code == 303  # the login first


def test_truehearth_log_gives_the_same_account_in_json_and_text(
    served: tuple[openai.OpenAI, str, str], home: Home, cli: Any
) -> None:
    client, _url, _token = served
    session = _drive(client)
    listed = cli("log", "--home", str(home.path), "--chats", "--json")
    assert listed.code == 0
    assert [c["session"] for c in json.loads(listed.out)] == [session]
    shown = cli("log", "--home", str(home.path), "--session", session, "--json")
    assert shown.code == 0
    account = json.loads(shown.out)
    assert account["system_set_aside"] == 6  # two per answered turn, three turns
    assert (account["alternatives"], account["withdrawn"]) == (1, 1)
    first, second, third = account["turns"]
    assert first["human"]["text"] == "hello"
    assert first["frontend"]["system_set_aside"] == 2
    assert first["frontend"]["system_preview"][0] == SYSTEM
    assert first["frontend"]["frontend_text"] == 1
    assert [r["fate"] for r in first["replies"]] == ["set aside", "kept"]
    assert [r["fate"] for r in second["replies"]] == ["withdrawn"]
    assert third["human"]["text"] == "never mind, how are you?"
    assert [r["fate"] for r in third["replies"]] == ["latest"]
    text = cli("log", "--home", str(home.path), "--session", session)
    flat = " ".join(text.out.split())
    assert "set aside: 2 frontend system message(s), not obeyed" in flat
    assert "(withdrawn)" in flat and "(set aside)" in flat
    journal = " ".join(cli("log", "--home", str(home.path), "-n", "10").out.split())
    assert "the frontend kept" in journal and "the frontend withdrew" in journal
    missing = cli("log", "--home", str(home.path), "--session", "s-nothing")
    assert missing.code != 0 and "no chat" in missing.err and missing.out == ""
