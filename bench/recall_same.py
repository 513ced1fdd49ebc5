"""Whether a change to recall left its answers exactly as they were.

Run: PYTHONPATH=src:bench .venv/bin/python bench/recall_same.py --home H --out after.json
         [--against before.json]

Asks context_bench.py's 200 questions (seed 7) of a kept home, once each, and
writes each question's ranked record ids, scores and explanations as JSON. With
``--against`` it compares with an earlier file (made by the code before the
change, on the same home) and exits non-zero at the first question that differs:
a speed change must not change what recall returns.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

from context_bench import _LAYERS, Words
from truehearth.home import Home
from truehearth.recall import default_retriever


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--against", type=Path, default=None)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    words = Words(random.Random(7))
    queries = [words.sentence(words.rng.randint(4, 12)) for _ in range(args.queries)]
    answers: list[list[list[object]]] = []
    with Home.open(args.home) as home:
        retriever = default_retriever()
        for q in queries:
            found = retriever.retrieve(home, q, limit=12, layers=_LAYERS)
            answers.append([[r.record.id, r.score, r.why] for r in found])
    args.out.write_text(json.dumps(answers))
    if args.against is None:
        print(f"{len(answers)} questions written to {args.out}")
        return
    before = json.loads(args.against.read_text())
    for i, (old, new) in enumerate(zip(before, answers, strict=False)):
        if old != new:
            print(f"question {i} differs: {queries[i]!r}", file=sys.stderr)
            sys.exit(1)
    if len(before) != len(answers):
        print(f"{len(before)} questions before, {len(answers)} now", file=sys.stderr)
        sys.exit(1)
    print(f"same answers to all {len(answers)} questions")


if __name__ == "__main__":
    main()
