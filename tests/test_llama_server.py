"""A real model server on loopback: llama-cpp-python's own, serving the shipped SmolLM2.

It is started as a separate process, the way a user runs it. Discovery must
find it and register it, the HTTP mouth must count tokens with the server's
own tokenizer (and agree with the embedded mouth, which reads the same GGUF),
and structured output must come back valid.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from truehearth.home import Home
from truehearth.mouths import registry, shipped
from truehearth.mouths.base import GenerationParams, Message
from truehearth.mouths.counting import Method
from truehearth.mouths.discover import Candidate, discover
from truehearth.mouths.llama import LlamaMouth
from truehearth.mouths.openai_http import OpenAIHTTPMouth
from truehearth.mouths.structured import parse

pytestmark = pytest.mark.slow

SCHEMA = {
    "type": "object",
    "properties": {
        "mood": {"type": "string", "enum": ["calm", "glad", "tired"]},
        "words": {"type": "integer", "minimum": 0, "maximum": 50},
    },
    "required": ["mood", "words"],
    "additionalProperties": False,
}


@contextmanager
def llama_server() -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(shipped.smollm2_path()),
        "--model_alias", "smollm2", "--host", "127.0.0.1", "--port", str(port),
        "--n_ctx", "2048", "--n_threads", "1", "--verbose", "false",
    ]  # fmt: skip
    base = f"http://127.0.0.1:{port}/v1"
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as server:
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if httpx.get(base + "/models", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("llama_cpp.server did not start")
                time.sleep(0.2)
            yield base
        finally:
            server.terminate()
            server.wait(timeout=30)


def test_the_real_server_is_found_counted_exactly_and_answers_to_a_schema(
    home: Home, cli: Any
) -> None:
    with llama_server() as base:
        (found,) = discover([Candidate("given", base)], timeout=5)
        assert [m.id for m in found.models] == ["smollm2"], found
        added = cli("mouth", "discover", "--url", base, "--register", "box", "--home", home.path)
        assert added.code == 0, added.err
        assert registry.entry(home, "box").standing.value == "untested"

        remote = OpenAIHTTPMouth(base, "smollm2")
        embedded = LlamaMouth(n_threads=1)
        try:
            assert remote.token_counting.method is Method.SERVER and remote.token_counting.exact
            assert embedded.token_counting.method is Method.TOKENIZER
            for text in ("hello there", "We walk by the river on Sundays, love.", "é ü ß 🙂"):
                assert remote.count_tokens(text) == embedded.count_tokens(text), text
            params = GenerationParams(max_tokens=40, temperature=0.0, top_p=1.0, seed=3)
            for ask in ("How do you feel?", "Describe your morning.", "Are you tired?"):
                messages = [
                    Message("system", "Answer as JSON with your mood and a word count."),
                    Message("user", ask),
                ]
                answer = parse(remote.complete_json(messages, SCHEMA, params).text, SCHEMA)
                assert answer["mood"] in ("calm", "glad", "tired")
        finally:
            remote.close()
            embedded.close()


def test_a_server_without_a_tokenizer_is_estimated_and_says_so() -> None:
    from tests.test_mouths_http import openai_server

    with openai_server() as server:
        mouth = OpenAIHTTPMouth(server.url, "m")
        try:
            assert mouth.token_counting.method is Method.ESTIMATE
            assert mouth.count_tokens("abcdefghi") == 3
        finally:
            mouth.close()
