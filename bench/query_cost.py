"""The default recall path's CPU cost per query on one kept home, for before/after runs.

    PYTHONPATH=src .venv/bin/python bench/query_cost.py --build 100000 --home /work/runs/h
    PYTHONPATH=src .venv/bin/python bench/query_cost.py --home /work/runs/h

``recall_bench.py`` grows a home in a temporary folder and times it once; a change
to the query path is judged better by timing the old and the new code against the
*same* home, alternated in one shell (the machine is shared, so its load moves).
``--build`` stores convgen's turns (seed 11, as ``recall_bench.py``) through the
same ingestion and indexes them. Without it, the generated questions are asked
warm ``--rounds`` times with the default retriever, and the CPU milliseconds per
query are reported (p50 / p95), with the load average before and after. Point
``PYTHONPATH`` at another checkout's ``src`` to time that code on the same home.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from convgen import generate
from recall_bench import ingest, percentiles
from truehearth.home import Home
from truehearth.recall.hybrid import HybridRetriever


def questions(size: int) -> list[str]:
    conv = generate(max(1, size // 500), min(size, 500), seed=11, prefix="L")
    return [q.text for q in conv.questions]


def build(path: Path, size: int) -> None:
    conv = generate(max(1, size // 500), min(size, 500), seed=11, prefix="L")
    with Home.init(path, "bench") as home:
        c0 = time.process_time()
        ingest(home, conv.turns[:size], batch=20_000)
        HybridRetriever().retrieve(home, "warm up")  # every index synced and its lists written
        print(f"built {size:,} turns at {path} in {time.process_time() - c0:.0f} s CPU")


def measure(path: Path, size: int, queries: int, rounds: int) -> None:
    asked = questions(size)
    asked = (asked * (queries // len(asked) + 1))[:queries]
    load = os.getloadavg()[0]
    with Home.open(path) as home:
        retriever = HybridRetriever()
        for q in asked[:5]:
            retriever.retrieve(home, q)
        cpu: list[float] = []
        for _ in range(rounds):
            for q in asked:
                c0 = time.process_time()
                retriever.retrieve(home, q)
                cpu.append((time.process_time() - c0) * 1000)
    p50, p95 = percentiles(cpu)
    code = Path(sys.modules["truehearth"].__file__ or "").parent
    print(
        f"{len(cpu)} queries: CPU ms p50 {p50:.1f} / p95 {p95:.1f}; "
        f"load {load:.1f} -> {os.getloadavg()[0]:.1f}; code {code}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--build", type=int, default=0, help="store this many turns first")
    parser.add_argument("--size", type=int, default=100_000, help="turns the home holds")
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if args.build:
        build(args.home, args.build)
    else:
        measure(args.home, args.size, args.queries, args.rounds)


if __name__ == "__main__":
    main()
