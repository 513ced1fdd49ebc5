"""Journal throughput: durable appends and verification at 10k and 1M events.

Run: .venv/bin/python bench/journal_bench.py [--sizes 10000 1000000] [--batch 1000]

Appends are real `remember` acts (record + projection + FTS index) committed
durably (WAL, synchronous=FULL), in batches of --batch events per commit, which
is how importers and bulk writers use the API. A short run of one-event commits
is measured alongside as the baseline of the unbatched path.

Verification is measured twice: the hash chain alone (`verify --quick`) and the
full check that also re-folds the journal and compares the stored state.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import tempfile
import time
from pathlib import Path

from truehearth.core import acts
from truehearth.core.events import Draft
from truehearth.core.ids import new_id
from truehearth.core.journal import verify_chain
from truehearth.core.records import Layer, Source, Voice
from truehearth.home import Home
from truehearth.homedir import DB_NAME


def _drafts(home: Home, start: int, count: int) -> list[Draft]:
    now = home.now()
    source = Source(via="bench")
    return [
        acts.remember(
            record_id=new_id("r"),
            layer=Layer.MEMORY,
            text=f"memory {i}: we walked along the river and talked about the winter garden",
            voice=Voice.HUMAN,
            actor=Voice.HUMAN,
            source=source,
            now=now,
        )
        for i in range(start, start + count)
    ]


def bench_size(root: Path, size: int, batch: int) -> dict[str, float]:
    path = root / f"home-{size}"
    with Home.init(path, "Bench") as home:
        written = 1
        started = time.perf_counter()
        while written < size:
            n = min(batch, size - written)
            home.append_drafts(_drafts(home, written, n))
            written += n
        append_s = time.perf_counter() - started

        started = time.perf_counter()
        chain = verify_chain(home.store.raw_events(), home.store.head())
        quick_s = time.perf_counter() - started
        assert chain.ok and chain.events == size

        started = time.perf_counter()
        report = home.verify(deep=True)
        deep_s = time.perf_counter() - started
        assert report.ok
    db_mb = (path / DB_NAME).stat().st_size / 2**20
    shutil.rmtree(path)
    return {
        "events": size,
        "append_per_s": (size - 1) / append_s,
        "verify_per_s": size / quick_s,
        "deep_verify_per_s": size / deep_s,
        "db_mb": db_mb,
    }


def bench_single_commits(root: Path, count: int) -> float:
    path = root / "home-single"
    with Home.init(path, "Bench") as home:
        started = time.perf_counter()
        for i in range(count):
            home.remember(f"memory {i}: a single durable commit")
        elapsed = time.perf_counter() - started
    shutil.rmtree(path)
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument(
        "--single", type=int, default=2000, help="one-event commits for the baseline"
    )
    parser.add_argument("--dir", type=Path, default=None, help="where to put the bench homes")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="th-bench-", dir=args.dir))
    try:
        cpu = platform.processor() or platform.machine()
        print(f"machine: {platform.platform()}, {cpu}, python {platform.python_version()}")
        single = bench_single_commits(root, args.single)
        print(f"one event per durable commit: {single:,.0f} events/s ({args.single} events)")
        print()
        print(
            f"| events | append (events/s, batch {args.batch}) | verify --quick (events/s) "
            "| verify, incl. re-fold (events/s) | db size |"
        )
        print("|---:|---:|---:|---:|---:|")
        for size in args.sizes:
            r = bench_size(root, size, args.batch)
            print(
                f"| {size:,} | {r['append_per_s']:,.0f} | {r['verify_per_s']:,.0f} | "
                f"{r['deep_verify_per_s']:,.0f} | {r['db_mb']:,.0f} MB |",
                flush=True,
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
