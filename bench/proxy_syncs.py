"""Disk syncs and waits on a proxy turn's path: a real server under strace, one client.

Run: .venv/bin/python bench/proxy_syncs.py [--records 1000] [--archive 4000]
         [--requests 40] [--pause 0.3] [--keep trace.txt]

The home is the one ``bench/proxy_load.py --chat`` builds; the server
(``truehearth serve``) runs under ``strace -f -y -T -tt``, watching its syncs
(``fsync``, ``fdatasync``), its socket reads and writes, and its file writes.
One client sends SillyTavern's shape (the whole chat, no header), one request
at a time with ``--pause`` seconds between them, so each request's window,
from the syscall that reads its headers to the one that sends ``[DONE]``, holds
only its own work; what happens between ``[DONE]`` and the next request (recall's
catch-up) is counted apart.

Per request it reports: the syncs in the window (by file), their time (``-T``),
the file writes, and the wall time of the window; then the same for the gaps.
strace slows every traced call, so the wall figures are not the server's own;
the counts are.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from proxy_load import CHAT_TURNS, _make_home, _one
from truehearth.keys import ensure_token

_LINE = re.compile(
    r"^(?P<pid>\d+)\s+(?P<h>\d+):(?P<m>\d+):(?P<s>\d+\.\d+)\s+(?P<call>\w+)\((?P<args>.*)$"
)
_RESUMED = re.compile(r"^\d+\s+[\d:.]+\s+<\.\.\. f(?:data)?sync resumed>")
_TOOK = re.compile(r"<(?P<took>\d+\.\d+)>\s*$")
_FD = re.compile(r"^\d+<(?P<path>[^>]*)>")


@dataclass
class Window:
    """One request (or one gap between requests): what the server did in it."""

    start: float
    end: float = 0.0
    syncs: Counter[str] = field(default_factory=Counter)
    sync_seconds: float = 0.0
    writes: Counter[str] = field(default_factory=Counter)


def _kind(path: str, home: str) -> str:
    if not path.startswith(home):
        return path
    rel = path[len(home) + 1 :]
    return rel or "(the home's folder)"


def parse(trace: str, home: str) -> tuple[list[Window], list[Window]]:
    """Split the trace into request windows and the gaps after them."""
    requests: list[Window] = []
    gaps: list[Window] = []
    current: Window | None = None
    gap: Window | None = None
    for line in trace.splitlines():
        found = _LINE.match(line)
        if found is None:
            resumed = _RESUMED.match(line)
            target = current if current is not None else gap
            if resumed is not None and target is not None:
                took = _TOOK.search(line)
                target.sync_seconds += float(took["took"]) if took else 0.0
            continue
        at = int(found["h"]) * 3600 + int(found["m"]) * 60 + float(found["s"])
        call, args = found["call"], found["args"]
        if call in ("recvfrom", "read") and "POST /v1/chat/completions" in args:
            if gap is not None:
                gap.end = at
                gaps.append(gap)
                gap = None
            current = Window(at)
            continue
        target = current if current is not None else gap
        if call in ("sendto", "write", "writev") and "[DONE]" in args and current is not None:
            current.end = at
            requests.append(current)
            current = None
            gap = Window(at)
            continue
        if target is None:
            continue
        fd = _FD.match(args)
        path = _kind(fd["path"], home) if fd else "?"
        if call in ("fsync", "fdatasync"):
            target.syncs[f"{call} {path}"] += 1
            took = _TOOK.search(args)
            target.sync_seconds += float(took["took"]) if took else 0.0
        elif call in ("pwrite64", "write") and "socket:" not in path:
            target.writes[path] += 1
    return requests, gaps


def _summary(label: str, windows: list[Window]) -> None:
    if not windows:
        print(f"{label}: none")
        return
    n = len(windows)
    syncs: Counter[str] = Counter()
    writes: Counter[str] = Counter()
    for w in windows:
        syncs.update(w.syncs)
        writes.update(w.writes)
    per = [sum(w.syncs.values()) for w in windows]
    walls = [(w.end - w.start) * 1e3 for w in windows if w.end]
    print(f"{label}: {n} windows")
    print(f"  syncs per window: mean {statistics.mean(per):.2f}, min {min(per)}, max {max(per)}")
    for key, count in syncs.most_common():
        print(f"    {key}: {count / n:.2f} per window")
    sync_ms = [w.sync_seconds * 1e3 for w in windows]
    print(f"  time in syncs per window: mean {statistics.mean(sync_ms):.2f} ms")
    for key, count in writes.most_common(6):
        print(f"    writes to {key}: {count / n:.2f} per window")
    if walls:
        walls.sort()
        print(
            f"  wall (traced): p50 {walls[len(walls) // 2]:.1f} ms, "
            f"p95 {walls[min(len(walls) - 1, int(0.95 * len(walls)))]:.1f} ms"
        )


def _stop(server: subprocess.Popen[bytes]) -> None:
    """End the traced server (strace itself holds SIGTERM back while it traces)."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    pids = children.read_text().split() if children.exists() else []
    for pid in pids:
        os.kill(int(pid), signal.SIGTERM)
    if not pids:
        server.terminate()
    server.wait(timeout=60)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _drive(url: str, token: str, requests: int, pause: float) -> None:
    async with httpx.AsyncClient(timeout=60) as client:
        history: list[dict[str, str]] = []
        for turn in range(requests):
            if len(history) >= 2 * CHAT_TURNS:
                history = []
            await _one(client, url, token, f"s-syncs-{turn}", history)
            await asyncio.sleep(pause)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--archive", type=int, default=4000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--pause", type=float, default=0.3)
    parser.add_argument("--keep", type=Path, help="copy the raw trace here")
    parser.add_argument(
        "--calls",
        default="fsync,fdatasync,recvfrom,sendto,write,writev,pwrite64",
        help="the syscalls traced (fewer: less slowed; without pwrite64 no file writes)",
    )
    args = parser.parse_args()
    strace = shutil.which("strace") or "/usr/bin/strace"
    root = Path(tempfile.mkdtemp(prefix="th-syncs-"))
    path = _make_home(root, args.records, args.archive)
    token = ensure_token(path)
    port = _free_port()
    trace = root / "trace.txt"
    calls = args.calls
    server = subprocess.Popen(
        [
            strace,
            "-f",
            "--seccomp-bpf",
            "-y",
            "-T",
            "-tt",
            "-s",
            "4000",
            "-e",
            f"trace={calls}",
            "-o",
            str(trace),
            sys.executable,
            "-m",
            "truehearth",
            "serve",
            "--home",
            str(path),
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ},
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        url = base + "/v1/chat/completions"
        asyncio.run(_drive(url, token, 3, args.pause))  # warm: load the mouth and the indexes
        asyncio.run(_drive(url, token, args.requests, args.pause))
        time.sleep(1.0)
    finally:
        _stop(server)
    text = trace.read_text(encoding="utf-8", errors="replace")
    if args.keep:
        shutil.copy(trace, args.keep)
    requests, gaps = parse(text, str(path.resolve()))
    requests, gaps = requests[3:], gaps[3:]  # the warm-up's
    print(f"home: {args.records} memories, {args.archive} earlier turns; {len(requests)} requests")
    _summary("request (headers read -> [DONE] sent)", requests)
    _summary("between requests ([DONE] -> next request)", gaps)
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
