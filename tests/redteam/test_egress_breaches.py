"""Red team: egress look-alikes, remote embedders and mouths smuggled in by a bundle.

Each test here failed on the code before its fix: ``evil.localhost`` and
``localhost.`` counted as local (and were resolved through DNS), a remote
embeddings server received every record unasked, and a restored bundle
brought its remote mouth in armed, with every layer allowed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.test_egress import socket_guard
from tests.test_mouths_http import openai_server
from truehearth.core.records import Layer
from truehearth.exchange import bundle
from truehearth.home import Home
from truehearth.mouths import registry
from truehearth.mouths.base import GenerationParams, Message
from truehearth.mouths.egress import EgressPolicy, connect_url
from truehearth.mouths.errors import EgressRefused, MouthDisabled
from truehearth.mouths.openai_http import OpenAIHTTPMouth
from truehearth.recall.embed_remote import OpenAIEmbedder


@pytest.mark.parametrize(
    "url", ["http://evil.localhost:9/v1", "http://localhost.:9/v1", "http://x.localhost/v1"]
)
def test_localhost_lookalikes_are_remote_and_never_resolved(home: Home, url: str) -> None:
    head = home.head()
    with socket_guard() as seen:
        with pytest.raises(EgressRefused, match="nothing leaves by default"):
            registry.add(home, "sly", "openai-http", options={"url": url, "model": "m"})
        with pytest.raises(EgressRefused):
            OpenAIHTTPMouth(url, "m")
    assert seen == []  # no DNS query, no connection
    assert home.head() == head


def test_localhost_is_reached_without_asking_a_resolver() -> None:
    assert connect_url("http://localhost:8080/v1") == "http://127.0.0.1:8080/v1"
    assert connect_url("http://LOCALHOST/v1") == "http://127.0.0.1/v1"
    assert connect_url("http://127.0.0.1:1/v1") == "http://127.0.0.1:1/v1"
    with openai_server() as server:
        url = server.url.replace("127.0.0.1", "localhost")
        mouth = OpenAIHTTPMouth(url, "m")
        with socket_guard() as seen:
            reply = mouth.complete([Message("user", "hello")], GenerationParams())
        mouth.close()
    assert reply.text
    assert any(event == "socket.connect" for event, _ in seen)
    lookups = [target for event, target in seen if event == "socket.getaddrinfo"]
    assert "localhost" not in lookups, lookups


def test_a_remote_embeddings_server_is_refused_unless_opted_in() -> None:
    with socket_guard() as seen:
        with pytest.raises(EgressRefused, match="every record would be sent"):
            OpenAIEmbedder("https://embed.example.com/v1", "m")
        with pytest.raises(EgressRefused, match="every record would be sent"):
            OpenAIEmbedder("http://evil.localhost:11434/v1", "m")
        with pytest.raises(EgressRefused, match="https"):
            OpenAIEmbedder("http://embed.example.com/v1", "m", allow_remote=True)
    assert seen == []


def _home_with_a_remote_mouth(path: Path) -> Home:
    home = Home.init(path, "Ash")
    home.remember("We walk by the river on Sundays.", verified=True)
    everything = EgressPolicy(True, frozenset(Layer))
    registry.add(
        home,
        "far",
        "openai-http",
        options={"url": "https://api.example.com/v1", "model": "m"},
        egress=everything,
    )
    registry.use(home, "far")
    registry.add(home, "echo", "echo")
    return home


def test_mouths_from_a_bundle_arrive_disabled_untested_and_local_only(
    tmp_path: Path, cli: Any
) -> None:
    with _home_with_a_remote_mouth(tmp_path / "theirs") as theirs:
        bundle.export_bundle(theirs, tmp_path / "theirs.zip")
    result = cli("import", "bundle", tmp_path / "theirs.zip", "--home", tmp_path / "mine")
    assert result.code == 0, result.err
    assert "'far' came with the bundle and is disabled" in result.err
    with Home.open(tmp_path / "mine") as mine:
        assert mine.verify().ok
        found = {m.name: m for m in registry.mouths(mine)}
        assert set(found) == {"far", "echo"}
        for entry in found.values():
            assert entry.disabled and entry.standing.value == "untested"
            assert not entry.egress.allow_remote and not entry.egress.layers
            assert not entry.default
            with pytest.raises(MouthDisabled, match="mouth enable"):
                registry.load(entry)
        with pytest.raises(Exception, match="disabled"):
            registry.use(mine, "far")
        # The human may enable it; it stays local-only, so the remote one is still refused.
        enabled = registry.enable(mine, "far")
        assert not enabled.disabled
        with pytest.raises(EgressRefused, match="nothing leaves by default"):
            registry.sendable(enabled)
        echo = registry.load(registry.enable(mine, "echo"))
        echo.close()
        kinds = [e.kind for e in mine.log(limit=10)]
    assert kinds.count("mouth.disarmed") == 2 and kinds.count("mouth.enabled") == 2
