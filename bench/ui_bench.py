"""Web UI page latency on a home of realistic size, over a real loopback server.

Run: .venv/bin/python bench/ui_bench.py [--memories 20000] [--imported 5000] [--runs 20]

The home gets --memories memories (batched appends) and one text import of
--imported passages waiting for review, plus a few proposals. Each page is then
fetched --runs times by a logged-in client over HTTP from a real
`truehearth serve` in its own process on 127.0.0.1 (which opens the home per
request), and the median
and p95 are reported. `/healthz` is measured alongside as the floor: the cost
of one HTTP round trip with no home opened.
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from truehearth.core import acts
from truehearth.core.ids import new_id
from truehearth.core.records import Layer, Source, Voice
from truehearth.exchange.formats import import_path
from truehearth.home import Home
from truehearth.keys import ensure_token

PAGES = (
    "/healthz",
    "/ui",
    "/ui?before=5000",
    "/ui/identity",
    "/ui/memory",
    "/ui/memory?q=river+garden",
    "/ui/review",
    "/ui/review?match=passage+42",
    "/ui/mouths",
    "/ui/continuity",
)


def build(root: Path, memories: int, imported: int) -> Path:
    with Home.init(root / "home", "Ash") as home:
        for start in range(0, memories, 1000):
            now = home.now()
            home.append_drafts(
                [
                    acts.remember(
                        record_id=new_id("r"),
                        layer=Layer.MEMORY,
                        text=f"memory {i}: we walked along the river and talked about the garden",
                        voice=Voice.HUMAN,
                        actor=Voice.HUMAN,
                        source=Source(via="bench"),
                        now=now,
                    )
                    for i in range(start, min(start + 1000, memories))
                ]
            )
        letters = root / "letters.md"
        letters.write_text(
            "".join(
                f"# passage {i}\nA letter about the sea, number {i}.\n" for i in range(imported)
            ),
            encoding="utf-8",
        )
        import_path(home, letters, "text")
        for i in range(5):
            home.propose(Layer.CORE, f"A proposed anchor number {i}.")
        return home.path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _measure(client: httpx.Client, runs: int) -> None:
    print(f"{'page':32} {'median ms':>10} {'p95 ms':>8} {'KiB':>6}")
    for page in PAGES:
        client.get(page)  # warm
        times, size = [], 0
        for _ in range(runs):
            t = time.perf_counter()
            r = client.get(page)
            times.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, (page, r.status_code)
            size = len(r.content)
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        print(f"{page:32} {statistics.median(times):10.1f} {p95:8.1f} {size / 1024:6.1f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--memories", type=int, default=20_000)
    parser.add_argument("--imported", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        path = build(Path(tmp), args.memories, args.imported)
        print(f"built the home in {time.perf_counter() - started:.1f} s")
        token = ensure_token(path)
        port = _free_port()
        command = [sys.executable, "-m", "truehearth", "serve", "--home", str(path)]
        server = subprocess.Popen([*command, "--port", str(port)], stdout=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(300):
                try:
                    if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            print(
                f"machine: {platform.platform()}, {os.cpu_count()} cores, "
                f"python {platform.python_version()}"
            )
            with httpx.Client(base_url=base) as client:
                client.post("/ui/login", data={"token": token, "next": "/ui"})
                _measure(client, args.runs)
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
