"""`truehearth mouth discover` against real model-listing servers on loopback.

Each server is a separate process (``tests/model_servers.py``) that answers
like the server kind it stands for; discovery must find and register their
models, report garbage, silence and empty lists in one line each, and never
look beyond this machine.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.test_egress import socket_guard
from truehearth.home import Home
from truehearth.mouths import registry
from truehearth.mouths.discover import KNOWN, Candidate, candidate_for, discover

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def model_server(kind: str, mode: str = "ok") -> Iterator[str]:
    """A listing server of ``kind`` in its own process; yields its ``…/v1`` base URL."""
    port = _free_port()
    command = [sys.executable, "-m", "tests.model_servers", kind, str(port), mode]
    with subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as server:
        try:
            assert server.stdout is not None and server.stdout.readline().strip() == "ready"
            yield f"http://127.0.0.1:{port}/v1"
        finally:
            server.terminate()
            _out, err = server.communicate(timeout=10)
    assert "POST" not in err, "discovery sent something other than a listing request"


def test_each_kind_is_found_with_sizes_and_context_lengths(tmp_path: Path) -> None:
    """The probes run side by side: each server answers its model list only once all four
    have been asked, so probes made one after another would each run out their timeout
    (and report it) instead. How long discovery takes is in docs/BENCHMARKS.md."""
    meet = f"meet:{tmp_path}:4"
    with (
        model_server("ollama", meet) as ollama,
        model_server("lm-studio", meet) as lm_studio,
        model_server("llama.cpp", meet) as llama,
        model_server("koboldcpp", meet) as kobold,
    ):
        candidates = [
            Candidate("ollama", ollama),
            Candidate("lm-studio", lm_studio),
            Candidate("llama.cpp", llama),
            Candidate("koboldcpp", kobold),
        ]
        found = {f.candidate.kind: f for f in discover(candidates, timeout=30)}
    assert all(f.problem is None for f in found.values()), found
    assert len(list(tmp_path.iterdir())) == 4
    ollama_model = found["ollama"].models[0]
    assert (ollama_model.id, ollama_model.size_bytes) == ("llama3.2:3b", 2019393189)
    assert found["lm-studio"].models[0].context_length == 32768
    assert found["llama.cpp"].models[0].context_length == 8192  # the model's own, from meta
    assert found["llama.cpp"].models[0].size_bytes == 98000000
    assert found["koboldcpp"].models[0].context_length == 8192


@pytest.mark.parametrize(
    ("mode", "says"),
    [
        ("garbage", "not with JSON"),
        ("nodata", "not with an OpenAI model list"),
        ("empty", "lists no models"),
        ("slow", "did not answer within 0.5 s"),
    ],
)
def test_a_server_that_misbehaves_gets_one_line(mode: str, says: str) -> None:
    with model_server("ollama", mode) as url:
        (found,) = discover([Candidate("ollama", url)], timeout=0.5)
    assert found.models == () and found.problem is not None and says in found.problem


def test_nothing_listening_is_reported_quietly_and_at_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A refused connection is the answer: one attempt, no retry, no wait for the timeout
    (a wait would end as "did not answer within 30 s", not "nothing listening")."""
    port = _free_port()
    with socket_guard() as seen:
        (found,) = discover([Candidate("ollama", f"http://127.0.0.1:{port}/v1")], timeout=30)
    assert not found.listening and found.problem == "nothing listening"
    assert [t for e, t in seen if e == "socket.connect"] == [("127.0.0.1", port)]
    assert capsys.readouterr() == ("", "")


def test_the_cli_finds_and_registers_an_untested_mouth(home: Home, cli: Any) -> None:
    with model_server("lm-studio") as url:
        shown = cli("mouth", "discover", "--url", url, "--home", home.path)
        assert shown.code == 0, shown.err
        assert "qwen2.5-7b-instruct" in shown.out
        added = cli("mouth", "discover", "--url", url, "--register", "desk", "--home", home.path)
    assert added.code == 0, added.err
    assert "truehearth check --mouth desk" in added.out
    entry = registry.entry(home, "desk")
    assert entry.backend == "openai-http" and entry.standing.value == "untested"
    assert entry.options["model"] == "qwen2.5-7b-instruct"
    assert entry.options["url"] == url and entry.options["context_window"] == 32768


@pytest.mark.parametrize(
    "url", ["http://10.0.0.5:11434/v1", "http://192.168.1.20/v1", "https://api.example.com/v1"]
)
def test_discovery_never_probes_beyond_this_machine(home: Home, cli: Any, url: str) -> None:
    head = home.head()
    with socket_guard() as seen:
        refused = cli("mouth", "discover", "--url", url, "--home", home.path)
        with pytest.raises(Exception, match="only looks on this machine"):
            candidate_for(url)
    assert refused.code != 0 and "only looks on this machine" in refused.err
    assert len(refused.err.strip().splitlines()) == 1
    assert not [t for e, t in seen if e == "socket.connect" and "127.0.0.1" not in str(t)]
    assert home.head() == head


def test_the_known_ports_are_the_servers_people_run() -> None:
    ports = {c.kind: c.base_url.rsplit(":", 1)[1].split("/")[0] for c in KNOWN}
    assert ports == {
        "ollama": "11434",
        "lm-studio": "1234",
        "llama.cpp": "8080",
        "jan": "1337",
        "koboldcpp": "5001",
        "text-generation-webui": "5000",
    }
