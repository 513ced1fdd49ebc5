"""Minimal, faithful model-listing servers, one per API, run as separate processes.

``python -m tests.model_servers KIND PORT [MODE]`` listens on 127.0.0.1:PORT and
answers the listing requests of one local server kind the way its published
API does (Ollama's ``/api/tags``, LM Studio's ``/api/v0/models``, llama.cpp's
``/props``, KoboldCpp's ``/api/extra/true_max_context_length``, and everyone's
OpenAI ``/v1/models``). MODE ``garbage`` answers HTML, ``nodata`` JSON that is no model list,
``empty`` lists no models, ``slow`` never answers in time, and ``meet:DIR:N`` answers
``/v1/models`` only once N servers given the same DIR have each been asked for it (so a
client that asks them one after another waits for ever). It prints ``ready`` once listening.
"""

from __future__ import annotations

import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

LISTINGS: dict[str, dict[str, Any]] = {
    "ollama": {
        "/v1/models": {"object": "list", "data": [{"id": "llama3.2:3b", "object": "model"}]},
        "/api/tags": {"models": [{"name": "llama3.2:3b", "size": 2019393189}]},
    },
    "lm-studio": {
        "/v1/models": {"object": "list", "data": [{"id": "qwen2.5-7b-instruct"}]},
        "/api/v0/models": {
            "object": "list",
            "data": [{"id": "qwen2.5-7b-instruct", "max_context_length": 32768}],
        },
    },
    "llama.cpp": {
        "/v1/models": {
            "object": "list",
            "data": [{"id": "smollm2.gguf", "meta": {"n_ctx_train": 8192, "size": 98000000}}],
        },
        "/props": {"default_generation_settings": {"n_ctx": 4096}},
    },
    "koboldcpp": {
        "/v1/models": {"object": "list", "data": [{"id": "koboldcpp/tiefighter"}]},
        "/api/extra/true_max_context_length": {"value": 8192},
    },
}


def main(kind: str, port: int, mode: str = "ok") -> None:
    listing = LISTINGS[kind]

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if mode == "slow":
                time.sleep(30)
            if mode.startswith("meet:") and self.path == "/v1/models":
                _meet(mode, port)
            if mode == "garbage":
                self._send(200, b"<html>hello</html>", "text/html")
                return
            body = listing.get(self.path)
            if body is None:
                self._send(404, b'{"error":"not found"}', "application/json")
                return
            if mode == "empty" and self.path == "/v1/models":
                body = {"object": "list", "data": []}
            if mode == "nodata" and self.path == "/v1/models":
                body = {"models": ["not", "openai"]}
            self._send(200, json.dumps(body).encode(), "application/json")

        def do_POST(self) -> None:  # discovery must never send anything but listings
            self._send(500, b"unexpected POST", "text/plain")
            print(f"POST {self.path}", file=sys.stderr, flush=True)

        def _send(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print("ready", flush=True)
    server.serve_forever()


def _meet(mode: str, port: int) -> None:
    """Say this server was asked (a file named by its port), then wait for all the others."""
    where, count = mode.removeprefix("meet:").rsplit(":", 1)
    directory = Path(where)
    (directory / str(port)).touch()
    while len(list(directory.iterdir())) < int(count):
        time.sleep(0.01)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), *(sys.argv[3:4]))
