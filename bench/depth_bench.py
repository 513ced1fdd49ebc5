"""Timing of training export (100k records) and rhythm (1M journal events) on big homes.

    nice -n 10 env PYTHONPATH=src python bench/depth_bench.py --root /tmp/truehearth-depth-bench

The homes are built once into ``--root`` (outside the repository) and reused
on later runs. Each figure is printed beside a baseline measured in the same
run on the same home (reading every record, or every journal body), because
this machine's load moves absolute times a lot.

* export home: 5,000 sessions x 20 turns = 100,000 verified turn records;
* rhythm home (``--million``): 1,000,000 journal events, 25,000 sessions of 40
  turns (half of them the human's); without it, rhythm is timed on the export
  home (100,000 events, 50,000 of them the human's turns). Bulk-written, so all
  events of one build share a time; rhythm's cost is reading the human's turn
  times and cutting them into sessions, which does not depend on the times.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from truehearth.core import acts
from truehearth.core.events import Draft
from truehearth.core.ids import new_id
from truehearth.core.records import Layer, Source, Voice
from truehearth.exchange import training
from truehearth.home import Home
from truehearth.homedir import DB_NAME
from truehearth.rhythm import usage
from truehearth.store.base import RecordQuery

LINES = [
    "How was the rehearsal tonight?",
    "I keep thinking about the lighthouse trip.",
    "Can you remind me what we said about the garden?",
    "I don't agree, I think the second draft was better.",
    "Tell me something true about today.",
]


def turns(sessions: int, per_session: int, now: str) -> Iterator[Draft]:
    for s in range(sessions):
        session = f"s_bench{s:07d}"
        for t in range(per_session):
            human = t % 2 == 0
            yield acts.remember(
                record_id=new_id("r"),
                layer=Layer.ARCHIVE,
                text=f"{LINES[(s + t) % len(LINES)]} ({s}.{t})",
                voice=Voice.HUMAN if human else Voice.COMPANION,
                actor=Voice.HUMAN,
                source=Source(
                    via="turn",
                    session=session,
                    mouth=None if human else "bench",
                    mouth_fingerprint=None if human else "b2:bench",
                ),
                now=now,
                verified=True,
                meta={"kind": "turn", "turn": t // 2, "speaker": "human" if human else "companion"},
            )


def build(path: Path, sessions: int, per_session: int) -> Home:
    if path.exists():
        return Home.open(path)
    started = time.perf_counter()
    home = Home.init(path, "Ash")
    home.append_stream(lambda now: turns(sessions, per_session, now))
    took = time.perf_counter() - started
    print(f"built {path.name}: {sessions * per_session:,} records in {took:.0f} s")
    return home


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds of one call (CPU time moves less with the machine's load)."""
    started, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - started, time.process_time() - cpu


def synthetic_million(root: Path) -> None:
    """Rhythm's own query and session cutting over a records table of 1,000,000 rows.

    Not a home: only the columns and index the query uses, so it can be built
    in seconds on a loaded machine. Half the rows are the human's turns, 40
    per session, 2 minutes apart, one session a day.
    """
    path = root / "records-1m.sqlite"
    if not path.exists():
        conn = sqlite3.connect(path)
        conn.execute(
            "CREATE TABLE records (rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, "
            "layer TEXT NOT NULL, voice TEXT NOT NULL, trust TEXT NOT NULL, "
            "current INTEGER NOT NULL, recorded_at TEXT NOT NULL, text TEXT NOT NULL, "
            "value BLOB NOT NULL)"
        )
        conn.execute(
            "CREATE INDEX records_by_layer ON records (layer, current, trust, recorded_at)"
        )
        start = datetime(2024, 1, 1, 20, 0, tzinfo=UTC)

        def rows() -> Iterator[tuple[str, str, str, str, bytes]]:
            for n in range(1_000_000):
                session, turn = divmod(n // 2, 20)
                at = start + timedelta(days=session, minutes=2 * turn)
                voice = "human" if n % 2 == 0 else "companion"
                text = LINES[n % len(LINES)]
                yield f"r{n}", voice, at.isoformat(timespec="microseconds"), text, b"{}"

        conn.executemany(
            "INSERT INTO records (id, layer, voice, trust, current, recorded_at, text, value) "
            "VALUES (?, 'archive', ?, 'verified', 1, ?, ?, ?)",
            rows(),
        )
        conn.commit()
        conn.close()

    def run() -> None:
        conn = sqlite3.connect(path)
        usage.sessions_of(usage.turn_times(conn), UTC)
        conn.close()

    took, took_cpu = timed(run)
    print(
        f"rhythm's query and session cutting over 1,000,000 record rows (500,000 human turns, "
        f"synthetic table): {took:.2f} s wall, {took_cpu:.2f} s CPU"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument(
        "--million", action="store_true", help="build and time the 1M-event rhythm home too"
    )
    parser.add_argument(
        "--synthetic-million",
        action="store_true",
        help="only time rhythm's query over a 1M-row synthetic records table",
    )
    args = parser.parse_args()
    args.root.mkdir(parents=True, exist_ok=True)
    if args.synthetic_million:
        synthetic_million(args.root)
        return

    with build(args.root / "export-100k", 5_000, 20) as home, tempfile.TemporaryDirectory() as tmp:
        base, base_cpu = timed(lambda: home.store.records(RecordQuery(limit=10_000_000)))
        took, took_cpu = timed(
            lambda: training.export_training(home, Path(tmp) / "t.jsonl", training.Format.OPENAI)
        )
        print(
            f"export training, 100,000 verified turn records: {took:.1f} s wall, {took_cpu:.1f} s "
            f"CPU (baseline, reading every record once: {base:.1f} s wall, {base_cpu:.1f} s CPU)"
        )

    rhythm_home = args.root / ("rhythm-1m" if args.million else "export-100k")
    with build(rhythm_home, 25_000, 40) as home:
        head = home.head()
        events = head.seq if head else 0

        def scan() -> None:
            conn = sqlite3.connect(home.path / DB_NAME)
            for _ in conn.execute("SELECT body FROM journal"):
                pass
            conn.close()

        base, base_cpu = timed(scan)
        took, took_cpu = timed(lambda: usage.compute(home))
        print(
            f"rhythm over {events:,} journal events: {took:.2f} s wall, {took_cpu:.2f} s CPU "
            f"(baseline, reading every journal body once: {base:.2f} s wall, {base_cpu:.2f} s CPU)"
        )


if __name__ == "__main__":
    main()
