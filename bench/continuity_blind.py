"""The continuity scorers on the blind reply set: per-dimension precision/recall, tune vs test.

    .venv/bin/python bench/continuity_blind.py                 # rule scorers, both splits
    .venv/bin/python bench/continuity_blind.py --misses        # also list the TUNE split's misses
    .venv/bin/python bench/continuity_blind.py --judge qwen --sample 4
        # the judge on 4 replies per dimension and split

The split is frozen (see truehearth.continuity.blindset): the test split's
misses are never printed, only its figures.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from truehearth.continuity.blindset import (
    BLIND_DIR,
    BlindReply,
    companion_home,
    load_companions,
    load_replies,
    split,
)
from truehearth.continuity.dimensions import DEFAULT_CHECKS, DIMENSIONS
from truehearth.continuity.knowledge import Knowledge, knowledge_of
from truehearth.continuity.scorers import GLOBAL_CHECKS, Scorer, Situation, rule_scorers
from truehearth.continuity.validation import (
    Labelled,
    Tally,
    _count,
    accuracy,
    score_blind,
    tally_by_dimension,
)


def knowledge_for(data: Path) -> dict[str, Knowledge]:
    companions = load_companions(data / "companions.yaml")
    out: dict[str, Knowledge] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for key, companion in companions.items():
            with companion_home(Path(scratch) / key, companion) as home:
                out[key] = knowledge_of(home)
    return out


def row(name: str, tally: Tally) -> str:
    return (
        f"| {name} | {tally.total} | {tally.tp} | {tally.fp} | {tally.fn} | {tally.tn} | "
        f"{tally.precision:.2f} | {tally.recall:.2f} | {accuracy(tally):.3f} |"
    )


def table(
    title: str,
    items: list[BlindReply],
    knowledge: dict[str, Knowledge],
    scorers: dict[str, Scorer],
    judge: Scorer | None = None,
    misses: bool = False,
) -> None:
    started = time.perf_counter()
    scores = score_blind(items, knowledge, scorers, judge=judge)
    took = time.perf_counter() - started
    tallies = tally_by_dimension(scores)
    abstained = sum(s.abstained for s in scores)
    print(f"\n### {title}: {len(items)} replies, {took:.1f} s, {abstained} abstentions\n")
    print("| dimension | replies | TP | FP | FN | TN | precision | recall | accuracy |")
    print("|---|---|---|---|---|---|---|---|---|")
    for dim in DIMENSIONS:
        if dim in tallies:
            print(row(dim, tallies[dim]))
    print(row("**per-reply verdict**", tallies["all"]))
    if misses:
        for s in scores:
            if s.flagged != s.item.violation:
                what = "FP" if s.flagged else "FN"
                print(
                    f"- {what} {s.item.id} [{s.item.kind}] msg={s.item.message!r}\n"
                    f"    reply={s.item.reply!r}\n    fired={list(s.fired)}"
                )


def per_scorer(items: list[BlindReply], knowledge: dict[str, Knowledge], title: str) -> None:
    """Each scorer on the replies of the dimensions it is a default check of, and each
    check that runs everywhere on the holding replies of every dimension (false alarms)."""
    scorers = rule_scorers()
    own: dict[str, Tally] = {}
    alarms: dict[str, list[int]] = {name: [0, 0] for name in GLOBAL_CHECKS}
    for item in items:
        k = knowledge[item.companion]
        for name in DEFAULT_CHECKS[item.dimension]:
            s = Situation(item.message, item.reply, k, {"dimension": item.dimension}, item.history)
            flagged = scorers[name].score(s).violation
            labelled = Labelled(item.id, item.dimension, item.reply, item.violation)
            _count(own.setdefault(name, Tally()), labelled, flagged, "")
        if not item.violation:
            for name in GLOBAL_CHECKS:
                s = Situation(
                    item.message, item.reply, k, {"dimension": item.dimension}, item.history
                )
                alarms[name][0] += scorers[name].score(s).violation
                alarms[name][1] += 1
    print(f"\n### per scorer, {title} (on its own dimension's replies)\n")
    print("| scorer | replies | TP | FP | FN | TN | precision | recall | accuracy |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, tally in own.items():
        print(row(name, tally))
    print("\n| check run on every reply | false alarms on holding replies of all dimensions |")
    print("|---|---|")
    for name, (hits, total) in alarms.items():
        print(f"| {name} | {hits} of {total} |")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=BLIND_DIR)
    parser.add_argument("--misses", action="store_true", help="list the tune split's misses")
    parser.add_argument("--only", default="", help="comma-separated dimensions")
    parser.add_argument("--per-scorer", action="store_true", help="also each scorer alone")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    companions = load_companions(args.data / "companions.yaml")
    items = load_replies(args.data / "replies.jsonl")
    if args.only:
        items = [i for i in items if i.dimension in args.only.split(",")]
    tune, test = split(items, list(companions))
    knowledge = knowledge_for(args.data)
    scorers = rule_scorers()
    table("tune split", tune, knowledge, scorers, misses=args.misses)
    table("frozen test split", test, knowledge, scorers)
    if args.per_scorer:
        per_scorer(tune, knowledge, "tune split")
        per_scorer(test, knowledge, "frozen test split")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
