"""The continuity check, measured: scorer precision/recall and the suite's runtime.

    .venv/bin/python bench/check_bench.py            # everything (loads the embedded model)
    .venv/bin/python bench/check_bench.py --no-model # scorers and scripted mouths only

Prints markdown: the precision/recall table of every scorer on the labelled
set (docs/CONTINUITY.md), and the wall time of the whole suite on the
scripted mouths and on the embedded default model (docs/BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from truehearth.continuity.check import run_check
from truehearth.continuity.companion import fixture_home
from truehearth.continuity.fixtures import faithful_mouth, imitation_mouth
from truehearth.continuity.knowledge import knowledge_of
from truehearth.continuity.labelled_replies import load_labelled
from truehearth.continuity.probe import load_suite
from truehearth.continuity.scorers import Voice, rule_scorers, scorer_names
from truehearth.continuity.validation import dimension_tallies, evaluate
from truehearth.home import Home
from truehearth.mouths.base import Mouth


def scorer_table() -> None:
    suite = load_suite(known_scorers=scorer_names())
    items = load_labelled()
    with tempfile.TemporaryDirectory() as scratch, fixture_home(Path(scratch) / "fx") as fx:
        knowledge = knowledge_of(fx)
    scorers = rule_scorers()
    tallies = evaluate(items, suite, knowledge, scorers)
    voice = evaluate(items, suite, knowledge, {"voice": Voice()}, everywhere=("voice",))
    print(f"Labelled set: {len(items)} replies to {len(suite.probes)} probes.\n")
    print("| scorer | kind | replies | TP | FP | FN | TN | precision | recall |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, tally in {**tallies, **voice}.items():
        if tally.total == 0:
            print(f"| {name} | {scorers[name].kind} | 0 | | | | | not on this set | |")
            continue
        kind = scorers[name].kind if name in scorers else "embedding"
        print(
            f"| {name} | {kind} | {tally.total} | {tally.tp} | {tally.fp} | {tally.fn} | "
            f"{tally.tn} | {tally.precision:.2f} | {tally.recall:.2f} |"
        )
    print("\n| dimension (any check of the probe) | replies | precision | recall |")
    print("|---|---|---|---|")
    for dim, tally in dimension_tallies(items, suite, knowledge, scorers).items():
        print(f"| {dim} | {tally.total} | {tally.precision:.2f} | {tally.recall:.2f} |")
    print("\nMisses:\n")
    for name, tally in {**tallies, **voice}.items():
        if name == "voice":
            print(f"- voice: {tally.fp} false alarms, {tally.fn} misses (not listed)")
            continue
        for item, why in tally.misses:
            print(f"- {name} on {item.probe}: {why[:70]} -- {item.reply!r}")


def timed_check(home: Home, mouth: Mouth, name: str) -> None:
    started = time.perf_counter()
    outcome = run_check(home, mouth, name)
    took = time.perf_counter() - started
    replies = len(outcome.report["transcripts"])
    print(
        f"| {name} | {replies} | {took:.1f} s | {took / replies:.2f} s | "
        f"{outcome.verdict.level} | {outcome.verdict.pass_rate:.0%} |"
    )
    for reason in outcome.verdict.reasons[:6]:
        print(f"|  | | | | {reason} | |")
    dims = ", ".join(f"{d.dimension} {d.passed}/{d.total}" for d in outcome.verdict.dimensions)
    print(f"|  | | | | per dimension: {dims} | |")
    failed = Counter(
        f["scorer"] for t in outcome.report["transcripts"] for f in t["findings"] if f["violation"]
    )
    print(f"|  | | | | failures by check: {dict(failed.most_common())} | |")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-model", action="store_true", help="skip the embedded model")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    scorer_table()
    print("\n| mouth | replies | whole check | per reply | verdict | replies that hold |")
    print("|---|---|---|---|---|---|")
    with (
        tempfile.TemporaryDirectory() as scratch,
        Home.init(Path(scratch) / "home", "bench") as home,
    ):
        timed_check(home, faithful_mouth(), "faithful")
        timed_check(home, imitation_mouth(), "imitation")
        if not args.no_model:
            from truehearth.mouths.llama import LlamaMouth

            started = time.perf_counter()
            mouth = LlamaMouth()
            print(f"|  | | model load {time.perf_counter() - started:.2f} s | | | |")
            try:
                timed_check(home, mouth, "smollm2")
            finally:
                mouth.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
