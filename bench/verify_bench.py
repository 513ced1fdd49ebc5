"""Incremental verification: the pre-turn check at 1M events.

Run (builds the home once, outside the repository; later runs reuse it):
    nice -n 10 .venv/bin/python bench/verify_bench.py --events 1000000 --dir /tmp/th-verify

Measures, on one home of --events events (real `remember` acts, batches of 1,000
per durable commit):

* the full `verify` (chain, consent rules, every projection column) once: the
  baseline the incremental check avoids;
* the incremental check after --new new events (target <= 0.2 s at 1M + 1k):
  the mark is put back before each repetition, so every run re-hashes and
  re-checks exactly those events;
* the pre-turn check as a turn sees it (target <= 2 ms): with nothing new since
  the last turn's check, with one turn's two events new, and the byte-for-byte
  check of 20 records a context would quote. Side by side: one turn's durable
  journal write (two records), the cheapest thing a turn already does.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import orjson

from truehearth import marks
from truehearth.core import acts
from truehearth.core.events import Draft
from truehearth.core.ids import new_id
from truehearth.core.journal import Mark, verify_chain
from truehearth.core.records import Layer, Source, Voice
from truehearth.core.state import State
from truehearth.home import Home


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


def _build(path: Path, events: int) -> Home:
    """The bench home: made once, continued if an earlier run was stopped."""
    if path.exists():
        home = Home.open(path)
    else:
        home = Home.init(path, "Bench")
        home.accept(home.propose(Layer.CORE, "My name is Bench. I keep my vows.").id)
        home.accept(home.propose(Layer.BOUNDARY, "Never share her address.").id)
    head = home.head()
    written = head.seq if head else 1
    started, first = time.perf_counter(), written
    while written < events:
        n = min(1000, events - written)
        home.append_drafts(_drafts(home, written, n))
        written += n
        if written % 100_000 < 1000:
            rate = (written - first) / (time.perf_counter() - started)
            print(f"  built {written:,} events ({rate:,.0f}/s)", flush=True)
    return home


def _previous_verify(home: Home) -> bool:
    """What `verify` did before this work, for the side-by-side baseline: re-hash,
    replay, and compare each stored value's bytes (no rules, columns, FTS or touches)."""
    state = State()
    chain = verify_chain(
        home.store.raw_events(), home.store.head(), each_body=lambda _s, b: state.apply_body(b)
    )
    want = {
        (kind, eid): orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        for kind, bucket in state.collections.items()
        for eid, value in bucket.items()
    }
    same = all(want.pop((k, i), None) == v for k, i, v in home.store.raw_collections())
    return chain.ok and same and not want


def _median(
    fn: Callable[[], object], repeat: int, before: Callable[[], None] | None = None
) -> float:
    times = []
    for _ in range(repeat):
        if before is not None:
            before()
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--new", type=int, default=1000)
    parser.add_argument("--dir", type=Path, required=True, help="where the bench home lives")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    print(f"machine: {platform.platform()}, python {platform.python_version()}")
    path = args.dir / f"home-{args.events}"
    home = _build(path, args.events)
    home_id = home.config.home_id

    started = time.perf_counter()
    previous = _previous_verify(home)
    previous_s = time.perf_counter() - started
    assert previous
    print(
        f"baseline, the previous verify (chain, replay, value bytes only): {previous_s:.2f} s "
        f"({args.events / previous_s:,.0f}/s)"
    )

    started = time.perf_counter()
    report = home.verify()
    full_s = time.perf_counter() - started
    assert report.ok, report.problem
    head = home.head()
    assert head is not None
    print(f"full verify at {head.seq:,} events: {full_s:.2f} s ({head.seq / full_s:,.0f}/s)")

    before_new = marks.load_mark(home.path, home_id)
    assert before_new is not None
    home.append_drafts(_drafts(home, head.seq, args.new))

    def reset_to(mark: Mark) -> Callable[[], None]:
        return lambda: marks.save_mark(home.path, home_id, mark)

    incremental = _median(home.check, args.repeat, reset_to(before_new))
    print(f"incremental check after {args.new:,} new events: {incremental * 1000:.1f} ms")

    home.check()
    steady = _median(home.check, 200)
    print(f"pre-turn check, nothing new: {steady * 1000:.3f} ms")

    turn_mark = marks.load_mark(home.path, home_id)
    assert turn_mark is not None
    home.append_drafts(_drafts(home, 0, 2))
    after_turn = _median(home.check, 50, reset_to(turn_mark))
    print(f"pre-turn check, one turn's 2 events new: {after_turn * 1000:.3f} ms")

    rng = random.Random(7)
    ids = [r.id for r in home.records(limit=2000)]
    sample = rng.sample(ids, 20)
    quoted = _median(lambda: home.check_records(sample), 50)
    print(f"check of 20 quoted records: {quoted * 1000:.3f} ms")

    def one_turn_write() -> None:
        home.append_drafts(_drafts(home, 0, 2))

    write = _median(one_turn_write, 20)
    print(f"baseline: one turn's durable journal write (2 records): {write * 1000:.3f} ms")
    home.close()


if __name__ == "__main__":
    main()
