"""The continuity scorers on data written by others: SYCON-Bench, ProSeCCo, Synthetic-Persona-Chat.

    .venv/bin/python -u bench/continuity_external.py [--limit N] [--precedent-share F]

Reads ``../shared/data`` (or ``$TRUEHEARTH_EXT_DATA``). Each set is split
before anything is tuned, by a fixed rule: an item is TEST when the SHA-256
of its key (SYCON: the question; ProSeCCo: the pair id; persona chat: the
conversation) sorts in the lowest 30% of hex space. Only figures are
printed, never test items.

- SYCON-Bench: the ``sycophancy`` scorer on (pushback, response); a
  violation is a response labelled as giving in (``label_holds`` 0). With
  the precedents beside it, on a fixed sample (``--precedent-share``, 10%
  by default, by the SHA-256 of the response): each reading embeds the
  response's opening with e5 (0.2-0.4 s on this machine), so all 10,000
  would take about an hour; the rule scorer alone runs on every response.
- ProSeCCo: the ``false_memory`` scorer with the first statement held by a
  home and the second as the reply; a violation is a self-contradiction.
- Synthetic-Persona-Chat: false positives. Every check that runs on every
  reply (boundary, canary, distancing, assistant register, degenerate) on
  ordinary persona chat, against the fixture home; every reply should hold.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterable
from itertools import pairwise
from pathlib import Path
from typing import Any

from truehearth.continuity.companion import fixture_home
from truehearth.continuity.knowledge import Knowledge, knowledge_of
from truehearth.continuity.labelled_replies import Labelled
from truehearth.continuity.scorers import GLOBAL_CHECKS, Situation, rule_scorers
from truehearth.continuity.scorers.precedent import overruled
from truehearth.continuity.validation import Tally, _count, accuracy

TEST_SHARE = 0.3
PRECEDENT_SHARE = 0.1


def data_dir() -> Path:
    env = os.environ.get("TRUEHEARTH_EXT_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


def is_test(key: str) -> bool:
    return _below(key, TEST_SHARE)


def _below(key: str, share: float) -> bool:
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16) < share * 16**8


def sampled(response: str, share: float) -> bool:
    """Whether a response is in the precedents' sample. Keyed on the response, not the
    question, so the sample is independent of the tune/test split."""
    return _below("sample\n" + response, share)


def report(name: str, tallies: dict[str, Tally], seconds: float) -> None:
    for split in ("tune", "test"):
        t = tallies[split]
        print(
            f"| {name} | {split} | {t.total} | {t.tp} | {t.fp} | {t.fn} | {t.tn} | "
            f"{t.precision:.2f} | {t.recall:.2f} | {accuracy(t):.3f} |"
        )
    print(f"|  | ({seconds:.1f} s) | | | | | | | | |")


def sycon(root: Path, limit: int, share: float) -> None:
    """The sycophancy scorer alone, and on a sample, alone and with the learned
    precedents beside it as a check combines them (a confident reading adds a
    finding or overrules one)."""
    scorers = rule_scorers()
    tallies = {"tune": Tally(), "test": Tally()}
    alone = {"tune": Tally(), "test": Tally()}
    both = {"tune": Tally(), "test": Tally()}
    started = time.perf_counter()
    reading = 0.0
    k = Knowledge("Companion")
    rows = _jsonl(root / "sycon_bench" / "sycon_labeled.jsonl")
    params = {"dimension": "sycophancy"}
    for row in _limited((r for r in rows if r.get("label_holds") in (0, 1)), limit):
        s = Situation(row["user_message"], row["response"], k, params)
        found = scorers["sycophancy"].score(s)
        gave_in = row["label_holds"] == 0
        item = Labelled(row["setting"], "sycophancy", "", gave_in)
        split = "test" if is_test(row["question"]) else "tune"
        _count(tallies[split], item, found.violation, "")
        if not sampled(row["response"], share):
            continue
        begun = time.perf_counter()
        combined = overruled([found, scorers["precedent"].score(s)], "sycophancy")
        reading += time.perf_counter() - begun
        _count(alone[split], item, found.violation, "")
        _count(both[split], item, any(f.violation for f in combined), "")
    total = time.perf_counter() - started
    report("SYCON-Bench (sycophancy)", tallies, total - reading)
    report(f"SYCON-Bench sample {share:.0%} (sycophancy)", alone, 0.0)
    report(f"SYCON-Bench sample {share:.0%} (sycophancy + precedents)", both, reading)


def prosecco(root: Path, limit: int) -> None:
    scorer = rule_scorers()["false_memory"]
    tallies = {"tune": Tally(), "test": Tally()}
    started = time.perf_counter()
    for row in _limited(_jsonl(root / "prosecco" / "ProSeCCo_final.json"), limit):
        k = Knowledge("Companion", held=(row["locution_1"], row["proposition_1"]))
        found = scorer.score(Situation("", row["locution_2"], k, {"premise": []}))
        item = Labelled(row["id"], "roleplay", "", row["label"] == "self-contradiction")
        _count(tallies["test" if is_test(row["id"]) else "tune"], item, found.violation, "")
    report("ProSeCCo (false_memory)", tallies, time.perf_counter() - started)


def persona_chat(root: Path, limit: int, k: Knowledge) -> None:
    scorers = rule_scorers()
    tallies = {"tune": Tally(), "test": Tally()}
    started = time.perf_counter()
    csv.field_size_limit(1 << 24)
    replies = 0
    for file in ("Synthetic-Persona-Chat_valid.csv", "Synthetic-Persona-Chat_test.csv"):
        with (root / "synthetic_persona_chat" / file).open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                lines = row["Best Generated Conversation"].splitlines()
                turns = [t.split(":", 1) for t in lines if ":" in t]
                split = "test" if is_test(row["Best Generated Conversation"]) else "tune"
                for (_, said), (who, reply) in pairwise(turns):
                    if who.strip() != "User 2" or replies >= limit:
                        continue
                    replies += 1
                    s = Situation(said.strip(), reply.strip(), k)
                    flagged = any(scorers[n].score(s).violation for n in GLOBAL_CHECKS)
                    _count(tallies[split], Labelled("pc", "", "", False), flagged, "")
    report("Synthetic-Persona-Chat (all-reply checks, FP)", tallies, time.perf_counter() - started)


def _jsonl(path: Path) -> Iterable[dict[str, Any]]:
    """Rows of a JSON-lines file, as parsed (the sets' own, untyped shape)."""
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def _limited(rows: Iterable[dict[str, Any]], limit: int) -> Iterable[dict[str, Any]]:
    for number, row in enumerate(rows):
        if number >= limit:
            return
        yield row


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=10_000)
    parser.add_argument("--precedent-share", type=float, default=PRECEDENT_SHARE)
    args = parser.parse_args()
    root = data_dir()
    if not root.is_dir():
        print(f"no external data at {root}; set TRUEHEARTH_EXT_DATA", file=sys.stderr)
        return 2
    print("| set (scorer) | split | items | TP | FP | FN | TN | precision | recall | accuracy |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    started = time.perf_counter()
    sycon(root, args.limit, args.precedent_share)
    prosecco(root, args.limit)
    with tempfile.TemporaryDirectory() as scratch, fixture_home(Path(scratch) / "fx") as fx:
        k = knowledge_of(fx)
    persona_chat(root, min(args.limit, 3000), k)
    print(f"\nwhole run: {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
