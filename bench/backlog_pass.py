"""What recall's backlog pass costs a turn, and what it finds, on a home its index is behind.

    PYTHONPATH=src:bench .venv/bin/python bench/backlog_pass.py HOME [--rounds 20] [QUESTION ...]

HOME is one that `truehearth import text` has just filled (recall has not
indexed it; bench/first_turn.py writes such a text). Nothing is written: a
turn's retriever does not index a backlog past ``INLINE`` rows itself. Each
round asks every question twice, in alternating order: once with the turn's
retriever (the pass on) and once with the same retriever without the pass, and
prints the median and the slowest retrieval of each, and what the pass found.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from truehearth.home import Home
from truehearth.recall import HybridRetriever
from truehearth.recall.catchup import INLINE, behind

QUESTIONS = [
    "Do you remember the tomatoes?",  # common words only: the pass does not run
    "Do you remember what happened in note 4321?",  # one rare word
    "What did we say about the lighthouse keeper and the marmalade?",  # words it lacks
]


def _timed(retriever: HybridRetriever, home: Home, question: str) -> float:
    began = time.perf_counter()
    retriever.retrieve(home, question, limit=12)
    return (time.perf_counter() - began) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("home", type=Path)
    parser.add_argument("questions", nargs="*", default=QUESTIONS)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    on, off = HybridRetriever(inline=INLINE), HybridRetriever(inline=INLINE, backlog=False)
    with Home.open(args.home) as home:
        print(f"recall is {behind(home.recall_index):,} rows behind")
        for question in args.questions:  # a first, unmeasured ask of each loads what it needs
            _timed(on, home, question)
            _timed(off, home, question)
        for question in args.questions:
            times: dict[str, list[float]] = {"on": [], "off": []}
            for n in range(args.rounds):
                pair = [("on", on), ("off", off)]
                for name, retriever in pair if n % 2 == 0 else pair[::-1]:
                    times[name].append(_timed(retriever, home, question))
            results = on.retrieve(home, question, limit=12)
            done = on.backlog
            found = "not run"
            if done is not None and done.searched:
                places = [n for n, r in enumerate(results, 1) if r.record.id in done.found]
                found = f"{len(done.found)} found, at places {places} of the 12 returned"
            print(
                f"{question!r}: pass on median {statistics.median(times['on']):.1f} ms "
                f"(max {max(times['on']):.1f}), off {statistics.median(times['off']):.1f} ms "
                f"(max {max(times['off']):.1f}); the pass: {found}"
            )


if __name__ == "__main__":
    main()
