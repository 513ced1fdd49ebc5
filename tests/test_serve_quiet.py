"""`truehearth serve` prints no log line per request a mouth's HTTP client makes.

The MCP SDK configures the process's root logger when its server is built; at its
default (INFO) every call to an HTTP mouth printed httpx's "HTTP Request: POST
http://…/v1/chat/completions" lines on the terminal running the server.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.test_mouths_http import openai_server
from tests.test_server_kill import _port
from truehearth.home import Home
from truehearth.keys import ensure_token
from truehearth.mouths import registry


def test_a_proxied_turn_through_an_http_mouth_logs_nothing(tmp_path: Path) -> None:
    home_dir = tmp_path / "home"
    with openai_server() as upstream:
        with Home.init(home_dir, "Ash") as home:
            registry.add(home, "local", "openai-http", options={"url": upstream.url, "model": "m"})
            token = ensure_token(home.path)
        port = _port()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        server = subprocess.Popen(
            [sys.executable, "-m", "truehearth", "serve", "--home", home_dir, "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert server.poll() is None and time.monotonic() < deadline, "did not start"
                time.sleep(0.05)
            reply = httpx.post(
                f"{base}/v1/chat/completions",
                json={"model": "local", "messages": [{"role": "user", "content": "hello"}]},
                headers={"Authorization": f"Bearer {token}"},
                timeout=60,
            )
            assert reply.status_code == 200, reply.text
            assert any("messages" in r for r in upstream.requests)
        finally:
            server.send_signal(signal.SIGINT)
            _, err = server.communicate(timeout=30)
    said = err.decode()
    assert "HTTP Request" not in said and "INFO" not in said, said
