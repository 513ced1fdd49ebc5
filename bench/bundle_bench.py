"""Export, verify and restore a signed bundle of a home with N records.

    .venv/bin/python bench/bundle_bench.py --records 100000

The home is filled with archive-like records through the same streaming
append importers use (1,000 records per event), then exported, verified and
restored into a new home; the restored head is checked against the original.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from truehearth.core.acts import record_effect
from truehearth.core.events import Draft
from truehearth.core.ids import new_id
from truehearth.core.records import Layer, Record, Source, Trust, Voice
from truehearth.exchange import bundle
from truehearth.home import Home

WORDS = [
    "we",
    "walked",
    "to",
    "the",
    "lighthouse",
    "in",
    "the",
    "rain",
    "and",
    "talked",
    "about",
    "winter",
    "letters",
    "tea",
]


def drafts(count: int, now: str, rng: random.Random) -> Iterator[Draft]:
    batch = []
    for index in range(count):
        text = " ".join(rng.choices(WORDS, k=rng.randint(8, 80)))
        record = Record(
            id=new_id("r"),
            layer=Layer.ARCHIVE,
            text=text,
            voice=Voice.EXTERNAL,
            trust=Trust.UNTRUSTED,
            source=Source(via="import", import_sha256="0" * 64, locator=f"bench/{index}"),
            recorded_at=now,
            meta={"kind": "turn", "turn": index % 50, "speaker": "human", "format": "bench"},
        )
        batch.append(record_effect(record))
        if len(batch) == 1000:
            yield Draft("import.batch", "human", {"count": len(batch)}, batch)
            batch = []
    if batch:
        yield Draft("import.batch", "human", {"count": len(batch)}, batch)


def timed(label: str, fn: object) -> float:
    start, cpu = time.perf_counter(), time.process_time()
    fn()  # type: ignore[operator]
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"{label}: {seconds:.1f} s (CPU {cpu:.1f} s)")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args()
    rng = random.Random(11)
    with tempfile.TemporaryDirectory(prefix="bundle-bench-") as tmp:
        root = Path(tmp)
        with Home.init(root / "home", "Bench") as home:
            timed("fill", lambda: home.append_stream(lambda now: drafts(args.records, now, rng)))
            out = root / "home.bundle.zip"
            timed("export", lambda: bundle.export_bundle(home, out))
            print(
                f"bundle size: {out.stat().st_size / 1024**2:.1f} MiB for {args.records:,} records"
            )
            report: list[bundle.BundleReport] = []
            timed("verify", lambda: report.append(bundle.verify_bundle(out)))
            assert report[0].ok, report[0].problem
            restored: list[Home] = []
            timed("restore", lambda: restored.append(bundle.restore_bundle(out, root / "copy")))
            with restored[0] as copy:
                assert copy.head() == home.head()
            print("restored head equals the original head")


if __name__ == "__main__":
    main()
