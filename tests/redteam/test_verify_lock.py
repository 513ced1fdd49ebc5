"""Red team: `say` and `recall` printed a traceback, and the proxy answered 500 after 5 s,
while another process held the home's writer lock.

Now they wait a bounded time (TRUEHEARTH_LOCK_WAIT), then say so in one line,
or answer 503 with Retry-After.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import CliRunner
from tests.loopback import serving
from truehearth.core.records import Layer
from truehearth.home import Home
from truehearth.keys import ensure_token
from truehearth.mouths import registry
from truehearth.server.app import create_app
from truehearth.server.settings import ServerSettings

HOLDER = """
import sys, time
from pathlib import Path
from truehearth.home import Home
from truehearth.homedir import LOCK_NAME
from truehearth.store.lock import writer_lock

path = Path(sys.argv[1])
with Home.open(path) as home, writer_lock(path / LOCK_NAME):
    # As a long import does: the writer lock and an open write transaction.
    home.store._conn.execute("BEGIN IMMEDIATE")
    print("holding", flush=True)
    time.sleep(60)
"""


@pytest.fixture
def held(home: Home) -> Iterator[Home]:
    home.accept(home.propose(Layer.CORE, "My name is Ash.").id)
    home.remember("We walk by the river on Sundays.", verified=True)
    registry.add(home, "echo", "echo")
    src = str(Path(__file__).resolve().parents[2] / "src")
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(home.path)], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        yield home
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()


@pytest.mark.parametrize("command", [("say", "hello", "--mouth", "echo"), ("recall", "the river")])
def test_the_cli_says_busy_in_one_line(
    held: Home, cli: CliRunner, command: tuple[str, ...]
) -> None:
    started = time.monotonic()
    result = cli(*command, "--home", held.path)
    assert time.monotonic() - started < 10
    assert result.code != 0
    assert "Traceback" not in result.err and result.err.strip().count("\n") == 0, result.err
    assert "busy" in result.err or "locked" in result.err


def test_the_proxy_answers_503_with_retry_after(held: Home) -> None:
    token = ensure_token(held.path)
    app = create_app(ServerSettings(home=held.path, token=token))
    body = {"model": "echo", "messages": [{"role": "user", "content": "hello"}]}
    with serving(app) as url:
        answer = httpx.post(
            url + "/v1/chat/completions",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
    assert answer.status_code == 503
    assert int(answer.headers["Retry-After"]) >= 1
    error = answer.json()["error"]
    assert (error["type"], error["code"]) == ("server_error", "home_busy")
