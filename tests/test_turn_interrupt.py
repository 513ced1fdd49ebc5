"""Ctrl-C in the middle of a streamed reply: nothing already said is lost.

`truehearth chat` runs in a child process against a real loopback server that
streams slowly; the test waits for words to arrive, sends SIGINT, then quits.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys

from tests.child_output import read_until
from tests.test_mouths_http import openai_server
from truehearth.core.records import Layer
from truehearth.home import Home
from truehearth.mouths import registry


def test_sigint_mid_stream_keeps_what_was_said(home: Home) -> None:
    with openai_server() as server:
        registry.add(home, "slow", "openai-http", options={"url": server.url, "model": "m"})
        server.mode = "slow"
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
        child = subprocess.Popen(
            [
                sys.executable,
                "-c",
                # Ctrl-C as a terminal gives it: a suite started in the background (no
                # job control) passes SIGINT on ignored, and Python then keeps it ignored.
                "import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
                "from truehearth.cli import entry; entry()",
                "chat",
                "--home",
                str(home.path),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        assert child.stdin is not None
        try:
            read_until(child, b"you \xe2\x80\xba ", 30)
            child.stdin.write(b"tell me everything\n")
            child.stdin.flush()
            read_until(child, b"word5 ", 30)
            child.send_signal(signal.SIGINT)
            read_until(child, b"what was said is kept", 30)
            child.stdin.write(b"/quit\n")
            child.stdin.flush()
            assert child.wait(30) == 0, child.stderr.read() if child.stderr else ""
        finally:
            with contextlib.suppress(ProcessLookupError):
                child.kill()
            child.wait()
            for stream in (child.stdin, child.stdout, child.stderr):
                if stream is not None:
                    stream.close()
    with contextlib.closing(Home.open(home.path)) as again:
        turns = [r for r in again.records(layers=[Layer.ARCHIVE]) if r.meta.get("kind") == "turn"]
        reply = next(r for r in turns if r.meta["speaker"] == "companion")
        human = next(r for r in turns if r.meta["speaker"] == "human")
        assert human.text == "tell me everything"
        assert reply.text.startswith("word0 word1 word2 word3 word4 word5")
        assert "word9999" not in reply.text
        assert reply.meta["interrupted"] in ("keyboard interrupt", "closed before the end")
        assert reply.source.mouth == "slow" and reply.source.session == human.source.session
        assert again.verify().ok
