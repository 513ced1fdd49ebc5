"""The GPU box on the local network: an explicit --allow-lan, never the default."""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_egress import socket_guard
from truehearth.core.records import Layer
from truehearth.home import Home
from truehearth.mouths import registry
from truehearth.mouths.egress import Destination, EgressPolicy, destination, is_lan_host


def test_private_literals_are_lan_and_names_never_are() -> None:
    for host in ("10.0.0.2", "172.16.5.4", "172.31.255.1", "192.168.1.20", "fd00::1", "fe80::1"):
        assert is_lan_host(host), host
    for host in ("172.32.0.1", "8.8.8.8", "127.0.0.1", "gpu-box.local", "::1", "0.0.0.0"):
        assert not is_lan_host(host), host
    assert destination("http://192.168.1.20:11434/v1") is Destination.LAN
    assert destination("http://gpu-box.local:11434/v1") is Destination.REMOTE


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ([], "--allow-lan and --send LAYERS"),
        (["--allow-lan"], "naming which layers"),
    ],
)
def test_a_lan_address_is_refused_before_any_byte_leaves(
    home: Home, cli: Any, args: list[str], says: str
) -> None:
    head = home.head()
    with socket_guard() as seen:
        result = cli(
            "mouth", "add", "box", "--url", "http://192.168.1.20:11434/v1", "--model", "m",
            *args, "--home", home.path,
        )  # fmt: skip
    assert result.code != 0 and says in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert seen == [] and home.head() == head


def test_a_public_address_needs_allow_remote_even_with_allow_lan(home: Home, cli: Any) -> None:
    with socket_guard() as seen:
        result = cli(
            "mouth", "add", "far", "--url", "http://8.8.8.8:11434/v1", "--model", "m",
            "--allow-lan", "--send", "core", "--home", home.path,
        )  # fmt: skip
    assert result.code != 0 and "nothing leaves by default" in result.err
    assert seen == []


def test_allow_lan_sends_only_the_named_layers_warns_and_is_fingerprinted(
    home: Home, cli: Any
) -> None:
    with socket_guard() as seen:
        added = cli(
            "mouth", "add", "box", "--url", "http://192.168.1.20:11434/v1", "--model", "m",
            "--allow-lan", "--send", "core,boundary", "--home", home.path,
        )  # fmt: skip
    assert added.code == 0, added.err
    assert seen == []  # registering sends nothing
    assert "plain http over your local network" in added.err
    entry = registry.entry(home, "box")
    assert entry.egress == EgressPolicy(False, frozenset({Layer.CORE, Layer.BOUNDARY}), True)
    assert entry.fingerprint.params["egress"] == "lan"
    assert registry.sendable(entry) == frozenset({Layer.CORE, Layer.BOUNDARY})
    loopback = registry.add(
        home, "near", "openai-http", options={"url": "http://127.0.0.1:9/v1", "model": "m"}
    )
    assert "egress" not in loopback.fingerprint.params
