"""The server's pool of open homes and recall's catch-up between turns, through the real server."""

from __future__ import annotations

import time

import httpx

from tests.loopback import serving
from truehearth.core.records import Layer
from truehearth.home import Home
from truehearth.keys import ensure_token
from truehearth.mouths import registry
from truehearth.recall.talk import TalkIndex
from truehearth.server.app import create_app
from truehearth.server.homes import HomePool
from truehearth.server.settings import ServerSettings


def test_a_lent_home_comes_back_and_one_that_failed_does_not(home: Home) -> None:
    path = home.path
    opened: list[Home] = []

    def opener() -> Home:
        opened.append(Home.open(path))
        return opened[-1]

    pool = HomePool(opener, keep=1)
    first = pool.take()
    pool.give(first)
    assert pool.take() is first  # reused, not opened again
    second = pool.take()  # the first is lent: another is opened
    assert second is not first
    pool.give(first, sound=False)  # it saw an error: closed, never lent again
    pool.give(second)
    assert pool.take() is second
    pool.give(second)
    pool.close()
    assert len(opened) == 2
    assert pool.take() is not second  # the pool is closed: a fresh home


def _served(home: Home) -> tuple[ServerSettings, str]:
    home.accept(home.propose(Layer.CORE, "My name is Ash. I speak as myself.").id)
    registry.add(home, "echo", "echo")
    token = ensure_token(home.path)
    return ServerSettings(home=home.path, token=token), token


def test_a_pooled_home_sees_what_another_writer_wrote(home: Home) -> None:
    settings, token = _served(home)
    app = create_app(settings)
    auth = {"Authorization": f"Bearer {token}"}
    with serving(app) as url:
        models = httpx.get(url + "/v1/models", headers=auth).json()
        assert [m["id"] for m in models["data"]] == ["echo"]
        with Home.open(home.path) as other:  # the CLI, in another process
            registry.add(other, "second", "echo")
        models = httpx.get(url + "/v1/models", headers=auth).json()
        assert [m["id"] for m in models["data"]] == ["echo", "second"]


def test_recall_catches_up_with_a_turn_between_turns(home: Home) -> None:
    settings, token = _served(home)
    app = create_app(settings)
    auth = {"Authorization": f"Bearer {token}"}
    with serving(app) as url:
        chat = [{"role": "user", "content": "We planted basil by the fence."}]
        reply = httpx.post(
            url + "/v1/chat/completions",
            json={"model": "echo", "messages": chat},
            headers=auth,
            timeout=30,
        )
        assert reply.status_code == 200
        assert app.state.catch_up.wait_idle(30)
        assert app.state.catch_up.passes >= 1
        assert app.state.catch_up.failure is None
        with Home.open(home.path) as fresh:
            # Nothing left for the next retrieval to index: the turn was caught up with.
            assert TalkIndex(fresh.recall_index).sync() == 0
            turns = [r for r in fresh.records(layers=[Layer.ARCHIVE]) if r.meta.get("kind")]
            assert len(turns) == 2
            assert fresh.verify().ok


def test_recall_catches_up_with_a_streamed_turn_once_its_reply_is_sent(home: Home) -> None:
    settings, token = _served(home)
    app = create_app(settings)
    auth = {"Authorization": f"Bearer {token}"}
    body = {
        "model": "echo",
        "stream": True,
        "messages": [{"role": "user", "content": "We planted basil by the fence."}],
    }
    with serving(app) as url:
        with httpx.stream(
            "POST", url + "/v1/chat/completions", json=body, headers=auth, timeout=30
        ) as reply:
            lines = [line for line in reply.iter_lines() if line]
        assert reply.status_code == 200 and lines[-1] == "data: [DONE]"
        deadline = time.monotonic() + 30
        while app.state.catch_up.passes < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert app.state.catch_up.wait_idle(30)
        assert app.state.catch_up.passes >= 1 and app.state.catch_up.failure is None
        with Home.open(home.path) as fresh:
            assert TalkIndex(fresh.recall_index).sync() == 0
            assert fresh.verify().ok
