"""How fast, and in how much memory, hostile import files are refused.

    .venv/bin/python bench/import_bombs_bench.py

Each file is imported by the real CLI in its own child process, which reports
its own peak RSS (``VmHWM``; ``ru_maxrss`` would carry over the parent's, which
built the file); the default limits apply. Only the code
under test runs: the importer before the bounds reached 22 GB on
the first file, so it is not run here (it would take the machine down).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

MiB = 1024 * 1024

CHILD = """
import sys, time
from truehearth.cli import main
start = time.perf_counter()
code = main(["import", sys.argv[1], sys.argv[2], "--home", sys.argv[3]])
seconds = time.perf_counter() - start
peak = next(l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(code, f"{seconds:.3f}", peak)
"""


def deep(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


BOMBS: dict[str, tuple[str, Callable[[], bytes]]] = {
    "200,000 [ then ] (400 KB)": ("chatgpt", lambda: deep(200_000)),
    "2.2M keys in one mapping (31 MB)": (
        "chatgpt",
        lambda: b'[{"mapping": {' + b",".join(b'"k%d":{}' % i for i in range(2_200_000)) + b"}}]",
    ),
    "4.5M empty lists (13 MB)": (
        "chatgpt",
        lambda: b'[{"mapping": {"n": [' + b"[]," * 4_500_000 + b"[]]}}]",
    ),
    "one 40 MiB string": ("chatgpt", lambda: b'[{"title": "' + b"a" * (40 * MiB) + b'"}]'),
    "a 200,000-digit number": ("chatgpt", lambda: b"[" + b"9" * 200_000 + b"]"),
    "Letta file, 200,000 levels": ("letta", lambda: b'{"messages": ' + deep(200_000) + b"}"),
}


def run(fmt: str, data: bytes, tmp: Path) -> dict[str, object]:
    from truehearth.home import Home

    path = tmp / "input"
    path.write_bytes(data)
    home = tmp / f"home-{time.monotonic_ns()}"
    Home.init(home, "Bench").close()
    started = time.perf_counter()
    child = subprocess.run(
        [sys.executable, "-c", CHILD, fmt, str(path), str(home)],
        check=False,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    code, seconds, peak = child.stdout.split()
    return {
        "exit": int(code),
        "refusal_s": float(seconds),
        "wall_s": round(wall, 2),
        "peak_rss_mib": round(int(peak) / 1024),
        "said": child.stderr.strip()[:120],
    }


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bombs-") as name:
        for label, (fmt, make) in BOMBS.items():
            print(json.dumps({"file": label, "format": fmt, **run(fmt, make(), Path(name))}))


if __name__ == "__main__":
    main()
