"""Egress: nothing leaves the machine by default, shown with a socket guard.

The guard is a Python audit hook: every ``socket.connect`` and every name
lookup (``socket.getaddrinfo``) in this process is recorded while it is on.
Audit hooks see all socket use, including from libraries, without replacing
anything.
"""

from __future__ import annotations

import contextlib
import ipaddress
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.test_mouths_http import openai_server
from truehearth.context import assemble
from truehearth.core.records import Layer
from truehearth.home import Home
from truehearth.mouths import registry
from truehearth.mouths.egress import EgressPolicy, destination, is_loopback_host
from truehearth.mouths.errors import EgressRefused
from truehearth.mouths.openai_http import OpenAIHTTPMouth
from truehearth.turn import Conversation

_seen: list[tuple[str, Any]] = []
_watching: list[bool] = []


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if _watching and event in ("socket.connect", "socket.getaddrinfo"):
        target = args[1] if event == "socket.connect" else args[0]
        _seen.append((event, target))


sys.addaudithook(_hook)


@contextlib.contextmanager
def socket_guard() -> Iterator[list[tuple[str, Any]]]:
    _seen.clear()
    _watching.append(True)
    try:
        yield _seen
    finally:
        _watching.clear()


def _is_local(target: Any) -> bool:
    if isinstance(target, str):  # a unix socket path, or a host name being resolved
        return target.startswith("/") or is_loopback_host(target)
    host = target[0] if isinstance(target, tuple) else target
    if isinstance(host, bytes):
        host = host.decode()
    try:
        return ipaddress.ip_address(str(host)).is_loopback
    except ValueError:
        return is_loopback_host(str(host))


def test_loopback_is_recognised_without_resolving() -> None:
    with socket_guard() as seen:
        for host in ("127.0.0.1", "127.8.9.1", "::1", "[::1]", "localhost", "LOCALHOST"):
            assert is_loopback_host(host), host
        for host in ("example.com", "10.0.0.2", "192.168.1.5", "localhost.example.com", "::2"):
            assert not is_loopback_host(host), host
        # Names a resolver decides: never local, whatever they look like.
        for host in ("localhost.", "evil.localhost", "a.b.localhost", "localhost.localdomain"):
            assert not is_loopback_host(host), host
    assert seen == []
    assert destination("http://127.0.0.1:8080/v1") == "loopback"
    assert destination("https://api.example.com/v1") == "remote"
    assert destination("http://anything/v1", "/run/mouth.sock") == "unix"
    with pytest.raises(EgressRefused, match="not an http"):
        destination("ftp://127.0.0.1/v1")


@pytest.mark.parametrize(
    ("url", "policy", "match"),
    [
        ("https://api.example.com/v1", EgressPolicy(), "nothing leaves by default"),
        ("https://api.example.com/v1", EgressPolicy(True), "naming which layers"),
        ("http://api.example.com/v1", EgressPolicy(True, frozenset({Layer.CORE})), "https"),
        ("http://10.1.2.3:11434/v1", EgressPolicy(), "--allow-lan"),
    ],
)
def test_remote_mouths_are_refused_before_any_connection(
    home: Home, url: str, policy: EgressPolicy, match: str
) -> None:
    head = home.head()
    with socket_guard() as seen:
        with pytest.raises(EgressRefused, match=match):
            registry.add(
                home, "far", "openai-http", options={"url": url, "model": "m"}, egress=policy
            )
        with pytest.raises(EgressRefused, match=match):
            OpenAIHTTPMouth(url, "m", egress=policy)
    assert seen == []
    assert home.head() == head


def test_cli_refuses_a_remote_url_without_opt_in(home: Home, cli: Any) -> None:
    with socket_guard() as seen:
        result = cli(
            "mouth",
            "add",
            "far",
            "--url",
            "https://api.example.com/v1",
            "--model",
            "m",
            "--home",
            home.path,
        )
    assert result.code == 1 and "nothing leaves by default" in result.err
    assert seen == []


def test_default_policy_turns_only_touch_loopback(home: Home, cli: Any) -> None:
    with openai_server() as server:
        registry.add(home, "near", "openai-http", options={"url": server.url, "model": "m"})
        with socket_guard() as seen:
            said = cli("say", "hello, near one", "--home", home.path, "--mouth", "near")
            assert said.code == 0, said.err
        # The guard really watches: the loopback connection was seen...
        assert any(event == "socket.connect" for event, _ in seen)
        # ...and nothing else was ever attempted.
        assert all(_is_local(target) for _, target in seen), seen


def test_opted_in_remote_mouth_receives_only_the_named_layers(home: Home) -> None:
    home.accept(home.propose(Layer.CORE, "I am Ash.").id)
    home.accept(home.propose(Layer.BOUNDARY, "I keep our secrets at home.").id)
    home.remember("the secret garden behind the house", verified=True)
    policy = EgressPolicy(True, frozenset({Layer.CORE}))
    with socket_guard() as seen:
        entry = registry.add(
            home,
            "far",
            "openai-http",
            options={"url": "https://api.example.com/v1", "model": "m"},
            egress=policy,
        )
        layers = registry.sendable(entry)
        mouth = OpenAIHTTPMouth("https://api.example.com/v1", "m", egress=policy)
        ctx = assemble(home, mouth, "tell me about the secret garden", allowed_layers=layers)
        mouth.close()
    assert seen == []  # building and assembling send nothing
    assert layers == frozenset({Layer.CORE})
    system = ctx.messages[0].content
    assert "I am Ash." in system
    assert "secrets at home" not in system and "secret garden behind" not in system
    with contextlib.closing(Conversation.open(home, "far")) as conv:
        assert conv.allowed_layers == frozenset({Layer.CORE})
