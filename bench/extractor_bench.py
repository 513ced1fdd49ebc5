"""The graph's two fact extractors on externally written conversations: rules against a mouth.

    nice -n 10 python bench/extractor_bench.py [--per-class 30] [--models smollm2,qwen]

Data: RealMem (Apache-2.0, ``../shared/data/realmem`` or ``$TRUEHEARTH_EXT_DATA``), the
**tune users only** (the same fixed split as ``extsets.realmem``: sorted dialogue files,
even positions tune, odd test; test files are never opened here). RealMem's authors
extracted, for each session, the memories worth keeping and the turn each came from
(``extracted_memory[].source_turn``). A user turn that is the source of such a memory
is a *gold* turn: it says something a companion should keep.

Each extractor reads user turns as imported records (voice external, speaker the
user, exactly what the SillyTavern importer keeps) and "fires" on a turn when it
finds at least one fact. Reported, per extractor:

* turn-level precision, recall and F1 of firing against the gold turns;
* of the facts found, the share whose object is *grounded* (every word of it is in
  the turn: not invented) and the share that appears in the gold memory text;
* for the mouth: answers refused as malformed (never half-used), the mode
  (constrained by the schema, or asked in words) and seconds per turn.

MemoryBank (MIT), tune users only (``extsets.memorybank``'s split), has no per-turn
gold: on its companion-style chat only firing and grounding are reported (its
precision and recall columns read 0).

The rules run on every tune user turn (the natural share of gold turns) and on the
sample; each mouth only on the sample: ``--per-class`` gold and as many non-gold
user turns, picked by a hash of their place (balanced, so precision on the sample
is higher than it would be at the natural share; both are printed). Models run
with one thread; run the bench under ``nice``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import extsets
from truehearth.core.records import Layer, Record, Source, Trust, Voice
from truehearth.mouths.llama import LlamaMouth
from truehearth.recall.extract import Extractor, Fact, MouthExtractor, RuleExtractor

_WORD = re.compile(r"[\w']+")


@dataclass(frozen=True, slots=True)
class Item:
    """One user turn of a tune user, and the gold memories that came from it."""

    key: str
    text: str
    gold: tuple[str, ...]

    @property
    def is_gold(self) -> bool:
        return bool(self.gold)

    def record(self) -> Record:
        return Record(
            id=f"r-{self.key}",
            layer=Layer.ARCHIVE,
            text=self.text,
            voice=Voice.EXTERNAL,
            trust=Trust.UNTRUSTED,
            source=Source(via="import", locator=self.key),
            recorded_at="2025-01-01T12:00:00.000000+00:00",
            meta={"speaker": "user"},
        )


def tune_items(root: Path) -> list[Item]:
    """Every user turn of RealMem's tune users, with the gold memories sourced from it."""
    files = sorted((root / "realmem" / "dialogues").glob("*.json"))
    items: list[Item] = []
    for path in files[0::2]:  # extsets.realmem: position i is tune when i % 2 == 0
        raw = json.loads(path.read_text())
        person = raw["_metadata"]["person_name"]
        for session in raw["dialogues"]:
            turns = session["dialogue_turns"]
            gold: dict[int, list[str]] = {}
            for memory in session["extracted_memory"]:
                if memory["source_role_snapshot"] != "User":
                    continue
                snap = memory["source_content_snapshot"][:40]
                at = next(
                    (
                        i
                        for i, t in enumerate(turns)
                        if t["speaker"] == "User" and t["content"][:40] == snap
                    ),
                    None,
                )
                if at is not None:
                    gold.setdefault(at, []).append(memory["content"])
            for i, turn in enumerate(turns):
                if turn["speaker"] == "User" and turn["content"].strip():
                    key = f"{person}/{session['session_uuid']}/{i}"
                    items.append(Item(key, turn["content"], tuple(gold.get(i, []))))
    return items


def memorybank_items(root: Path) -> list[Item]:
    """The user turns of MemoryBank's tune users (no gold: only firing and grounding count)."""
    history = json.loads((root / "memorybank" / "memory_bank_en.json").read_text())
    items: list[Item] = []
    for i, key in enumerate(sorted(history, key=str.strip)):
        if i % 2:  # extsets.memorybank: odd positions are test users, never read
            continue
        for day, pairs in sorted(history[key]["history"].items()):
            for n, pair in enumerate(pairs):
                if pair["query"].strip():
                    items.append(Item(f"{key.strip()}/{day}/{n}", pair["query"], ()))
    return items


def by_hash(items: list[Item], n: int) -> list[Item]:
    return sorted(items, key=lambda i: hashlib.sha256(i.key.encode()).hexdigest())[:n]


def sample(items: list[Item], per_class: int) -> list[Item]:
    """``per_class`` gold and ``per_class`` other turns, in a fixed order by hash of place."""

    def order(item: Item) -> str:
        return hashlib.sha256(item.key.encode()).hexdigest()

    gold = sorted((i for i in items if i.is_gold), key=order)[:per_class]
    other = sorted((i for i in items if not i.is_gold), key=order)[:per_class]
    return sorted(gold + other, key=order)


@dataclass(slots=True)
class Score:
    fired_gold: int = 0
    fired_other: int = 0
    gold: int = 0
    facts: int = 0
    grounded: int = 0
    in_gold: int = 0
    seconds: float = 0.0

    def row(self) -> str:
        fired = self.fired_gold + self.fired_other
        p = self.fired_gold / fired if fired else 0.0
        r = self.fired_gold / self.gold if self.gold else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        g = f"{self.grounded / self.facts:.2f}" if self.facts else "-"
        m = f"{self.in_gold / self.facts:.2f}" if self.facts else "-"
        return f"{p:.2f} | {r:.2f} | {f1:.2f} | {fired} | {self.facts} | {g} | {m}"


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


def score(extractor: Extractor, items: list[Item], progress: str = "", show: bool = False) -> Score:
    """``show``: print each fact beside the start of its turn (tune data only)."""
    out = Score(gold=sum(i.is_gold for i in items))
    for n, item in enumerate(items, 1):
        started = time.perf_counter()
        facts: list[Fact] = extractor.extract([item.record()])
        out.seconds += time.perf_counter() - started
        if facts:
            if item.is_gold:
                out.fired_gold += 1
            else:
                out.fired_other += 1
        if show and facts:
            said = " ".join(item.text.split())[:100]
            found = "; ".join(f"{f.relation}={f.object}" for f in facts)
            print(f"  [{'gold' if item.is_gold else 'other'}] {said!r} -> {found}", file=sys.stderr)
        turn = _words(item.text)
        gold_text = " ".join(item.gold).lower()
        for fact in facts:
            out.facts += 1
            out.grounded += _words(fact.object) <= turn
            out.in_gold += fact.object.lower() in gold_text
        if progress and n % 5 == 0:
            print(f"  {progress}: {n}/{len(items)} ({out.seconds:.0f} s)", file=sys.stderr)
    return out


HEADER = (
    "| extractor | turns | precision | recall | F1 | fired | facts | grounded | in gold |\n"
    "|---|---|---|---|---|---|---|---|---|"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-class", type=int, default=30)
    parser.add_argument("--models", default="smollm2", help="comma list: smollm2, qwen")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--memorybank", type=int, default=20, help="MemoryBank turns per mouth")
    parser.add_argument("--show", action="store_true", help="print the facts found")
    args = parser.parse_args()
    root = extsets.data_dir()
    if root is None or not (root / "realmem").is_dir():
        print("skipped: no ../shared/data/realmem (set TRUEHEARTH_EXT_DATA)")
        return
    items = tune_items(root)
    picked = sample(items, args.per_class)
    gold = sum(i.is_gold for i in items)
    print(
        f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; "
        f"run {date.today().isoformat()}; RealMem tune users, {len(items)} user turns, "
        f"{gold} gold ({gold / len(items):.0%}); sample {len(picked)} "
        f"({args.per_class} gold + {args.per_class} other)\n"
    )
    print(HEADER)
    rules = RuleExtractor()
    everything = score(rules, items)
    print(f"| rules | all {len(items)} | {everything.row()} |")
    on_sample = score(rules, picked)
    print(f"| rules | sample {len(picked)} | {on_sample.row()} |", flush=True)
    notes = [f"rules: {everything.seconds * 1000 / len(items):.2f} ms a turn"]
    chat = memorybank_items(root) if (root / "memorybank").is_dir() else []
    chat_sample = by_hash(chat, args.memorybank)
    if chat:
        print(f"| rules | MemoryBank tune, all {len(chat)} | {score(rules, chat).row()} |")
        few = score(rules, chat_sample).row()
        print(f"| rules | MemoryBank sample {len(chat_sample)} | {few} |")
    for name in args.models.split(","):
        path = None
        if name == "qwen":
            from truehearth.mouths.shipped import qwen_coder_path

            path = qwen_coder_path()
        mouth = LlamaMouth(path, n_threads=args.threads)
        try:
            extractor = MouthExtractor(mouth)
            found = score(extractor, picked, progress=name, show=args.show)
            print(f"| mouth: {name} ({extractor.mode}) | sample {len(picked)} | {found.row()} |")
            if chat_sample:
                on_chat = score(
                    extractor, chat_sample, progress=f"{name} memorybank", show=args.show
                )
                print(
                    f"| mouth: {name} ({extractor.mode}) | MemoryBank sample "
                    f"{len(chat_sample)} | {on_chat.row()} |"
                )
            notes.append(
                f"{name}: {found.seconds / len(picked):.1f} s a turn, "
                f"{extractor.rejected} of {len(picked) + len(chat_sample)} answers refused "
                f"as malformed, {extractor.ungrounded} facts dropped as not said in the turn"
                + (f" (last: {extractor.last_refusal})" if extractor.last_refusal else "")
            )
        finally:
            mouth.close()
        sys.stdout.flush()
    print()
    for note in notes:
        print(f"- {note}")
    spread = [len(i.text) for i in picked]
    print(f"- sample turn length: median {statistics.median(spread):.0f} characters")


if __name__ == "__main__":
    main()
