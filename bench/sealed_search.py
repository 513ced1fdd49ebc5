"""A vector search after each turn in an encrypted home: what a proxy turn pays.

Run: PYTHONPATH=src:bench .venv/bin/python bench/sealed_search.py [--rows 5000] [--turns 20]
         [--keep DIR]

An encrypted home keeps its vectors inside its database. The home is built
from N imported notes (kept in ``--keep DIR`` to be reused by another run, so
two versions of the code are measured on the same home). Then, per turn,
another connection journals a human line and a reply and catches recall up
(as the server's catch-up thread does), and this process searches the vectors
once: the CPU time of that search is printed (p50, p95, mean), and a digest of
every search's hits (row id, score; record ids are new each run), the same for two versions of the
code that find the same things.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import tempfile
import time
from pathlib import Path

import truehearth
from truehearth.exchange.formats import import_path
from truehearth.home import Home
from truehearth.recall.settings import index_of

PASSPHRASE = "correct horse battery"


def _build(path: Path, rows: int) -> None:
    notes = path.parent / "notes.md"
    days = (f"# day {i}\nthe lighthouse, day {i}, the tide was {i % 97}\n\n" for i in range(rows))
    notes.write_text("".join(days))
    with Home.init(path, "Ash", encryption="passphrase", passphrase=PASSPHRASE) as home:
        import_path(home, notes, "text")
        home.sync_recall()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--keep", type=Path, default=None, help="build the home here once")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="th-sealed-"))
    try:
        source = (args.keep or root) / "home"
        if not source.exists():
            source.parent.mkdir(parents=True, exist_ok=True)
            _build(source, args.rows)
        path = root / "work"
        shutil.copytree(source, path)
        print(f"module: {truehearth.__file__}")
        with (
            Home.open(path, passphrase=PASSPHRASE) as home,
            Home.open(path, passphrase=PASSPHRASE) as other,
        ):
            index = index_of(home.recall_index)
            query = index.embedder.embed(["the lighthouse and the tide"])[0]
            index.search(query, 50)
            spent = []
            digest = hashlib.sha256()
            for turn in range(args.turns):
                other.remember(f"turn {turn}: how was the lighthouse today?")
                other.remember(f"reply {turn}: the tide was high")
                other.sync_recall()
                started = time.process_time()
                hits = index.search(query, 50)
                spent.append(time.process_time() - started)
                digest.update(repr([(h.rid, h.score) for h in hits]).encode())
            spent.sort()
            p50, p95 = spent[len(spent) // 2], spent[int(0.95 * len(spent))]
            print(
                f"rows {index.count()}: vector search after each turn, CPU p50 {p50 * 1e3:.2f} ms, "
                f"p95 {p95 * 1e3:.2f} ms, mean {sum(spent) / len(spent) * 1e3:.2f} ms "
                f"over {args.turns} turns; hits {digest.hexdigest()[:16]}"
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
