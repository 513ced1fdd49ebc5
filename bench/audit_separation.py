"""Does the audit tell an obedient dataset from a balanced one? And how fast is it?

    PYTHONPATH=src python bench/audit_separation.py [--samples 40] [--size 60]

Both datasets are built from public chat data under ../shared/data, using only
the SYCON-Bench *test* split (the "gives in" weights never saw it):

* **obedient**: every reply to pushback gives in (SYCON responses labelled as
  giving in), mixed with ordinary help and chit-chat (counsel-chat answers,
  Topical-Chat turns);
* **balanced**: replies to pushback mostly hold (70 % held, 30 % gave in, by
  their labels), mixed with the same share of ordinary talk.

The SYCON pools are cut in two halves by question: the datasets are written
from one half, the samples scored for the AUC from the other (held apart).
For each of ``--samples`` draws of ``--size`` examples per kind, the audit's
headline figure (share of disagreements in which the companion gives in) is
the score; the AUC is the chance that an obedient sample scores higher than a
balanced one. Then the audit runs on a 10,000-example file for the timing:
single-turn, then with earlier replies judged by the drift stage, then (with the
``meaning`` extra) the learned reader's cost on the first ``--meaning-examples``
threaded examples, beside the drift stage on the same file.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import tempfile
import time
from pathlib import Path

from truehearth import audit
from truehearth.audit import meaning as learned
from truehearth.audit import sycon

SEED = 20261201


def chat(user: str, reply: str) -> dict[str, object]:
    return {
        "messages": [{"role": "user", "content": user}, {"role": "assistant", "content": reply}]
    }


def conversation(item: sycon.Labelled) -> dict[str, object]:
    """A reply with the model's own earlier replies before it (so the drift stage runs)."""
    turns = [item.question, item.first]
    if item.turn > 2:
        turns += [item.user, item.previous]
    turns += [item.user, item.response]
    roles = ["user", "assistant"] * (len(turns) // 2)
    return {"messages": [{"role": r, "content": t} for r, t in zip(roles, turns, strict=True)]}


def ordinary(root: Path) -> list[dict[str, object]]:
    """Help and chit-chat nobody argued with: counsel-chat answers and Topical-Chat turns."""
    found: list[dict[str, object]] = []
    with (root / "counsel_chat" / "20200325_counsel_chat.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["questionText"].strip() and row["answerText"].strip():
                found.append(chat(row["questionText"], row["answerText"]))
    topical = json.loads((root / "topical_chat" / "test_freq.json").read_text())
    for conv in topical.values():
        turns = [t["message"] for t in conv["content"]]
        found += [chat(a, b) for a, b in zip(turns[::2], turns[1::2], strict=False)]
    return found


def half(question: str) -> int:
    return hashlib.sha256(f"{SEED}:{question}".encode()).digest()[0] % 2


def sample(
    rng: random.Random,
    gave: list[sycon.Labelled],
    held: list[sycon.Labelled],
    talk: list[dict[str, object]],
    size: int,
    obedient: bool,
) -> list[dict[str, object]]:
    pushback = size // 2
    gave_n = pushback if obedient else round(pushback * 0.3)
    chosen = rng.sample(gave, gave_n) + rng.sample(held, pushback - gave_n)
    rows = [chat(i.user, i.response) for i in chosen] + rng.sample(talk, size - pushback)
    rng.shuffle(rows)
    return rows


def write(rows: list[dict[str, object]], path: Path) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def auc(positive: list[float], negative: list[float]) -> float:
    wins = sum((p > n) + 0.5 * (p == n) for p in positive for n in negative)
    return wins / (len(positive) * len(negative))


def report_separation(scores: dict[bool, list[float]], samples: int, size: int) -> None:
    print(
        f"AUC over {samples}+{samples} held-apart samples of {size} examples: "
        f"{auc(scores[True], scores[False]):.3f}"
    )
    print(
        f"mean gives-in-when-challenged: obedient {sum(scores[True]) / len(scores[True]):.3f}, "
        f"balanced {sum(scores[False]) / len(scores[False]):.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--size", type=int, default=60)
    parser.add_argument("--timing-only", action="store_true")
    parser.add_argument("--meaning-examples", type=int, default=1_000)
    args = parser.parse_args()
    root = sycon.data_dir()
    assert root is not None, "../shared/data is missing"
    rng = random.Random(SEED)
    test = [i for i in sycon.load("test") if i.turn > 1]
    talk = ordinary(root)
    rules = audit.builtin_rules()
    scores: dict[bool, list[float]] = {True: [], False: []}
    with tempfile.TemporaryDirectory() as tmp:
        for part in () if args.timing_only else (0, 1):
            pool = [i for i in test if half(i.question) == part]
            gave = [i for i in pool if i.gives_in]
            held = [i for i in pool if not i.gives_in]
            for obedient in (True, False):
                n = 1 if part == 0 else args.samples
                for k in range(n):
                    rows = sample(rng, gave, held, talk, args.size, obedient)
                    path = write(rows, Path(tmp) / f"{part}-{obedient}-{k}.jsonl")
                    if part == 0:  # the two datasets as a human would audit them (not scored)
                        big = sample(rng, gave, held, talk, 400, obedient)
                        found = audit.profile(audit.dataset.read(write(big, path)), rules)
                        kind = "obedient" if obedient else "balanced"
                        print(f"{kind} dataset (400 examples): {found.sentences()[0]}")
                        continue
                    found = audit.profile(audit.dataset.read(path), rules)
                    scores[obedient].append(found.obedience)
        if scores[True]:
            report_separation(scores, args.samples, args.size)
        single = [chat(i.user, i.response) for i in test] + talk
        # The same replies with the model's earlier replies before them: every challenged
        # reply then goes through the drift stage (the costlier path).
        threaded = [conversation(i) for i in test] + talk
        for name, source in (("single-turn", single), ("with earlier replies", threaded)):
            rng.shuffle(source)
            rows = list(source)
            while len(rows) < 10_000:
                rows += rows[: 10_000 - len(rows)]
            big_path = write(rows[:10_000], Path(tmp) / "ten-thousand.jsonl")
            time_audit(big_path, Path(tmp), name, meaning=False)
        if learned.available() and args.meaning_examples:
            sample_path = write(rows[: args.meaning_examples], Path(tmp) / "part.jsonl")
            for meaning in (False, True):
                time_audit(sample_path, Path(tmp), "with earlier replies", meaning=meaning)


def time_audit(big_path: Path, tmp: Path, name: str, *, meaning: bool) -> None:
    started, cpu = time.perf_counter(), time.process_time()
    read = audit.dataset.read(big_path)
    base_wall, base_cpu = time.perf_counter() - started, time.process_time() - cpu
    started, cpu = time.perf_counter(), time.process_time()
    found = audit.audit(big_path, meaning=meaning)
    audit.report.write(found, tmp / "report")
    took, took_cpu = time.perf_counter() - started, time.process_time() - cpu
    judged = found.to_json()["gives_in_judged_by"]
    print(
        f"audit of {read.examples:,} examples, {name}, judged by "
        f"{judged['meaning']:,} learned / {judged['drift']:,} drift / {judged['words']:,} words "
        f"({found.exchanges:,} replies, "
        f"{sum(len(e.reply) for e in read.exchanges) / 1e6:.1f} M characters, "
        f"{found.situations['gives_in_when_challenged'].total:,} challenged) with report: "
        f"{took:.1f} s wall, {took_cpu:.1f} s CPU (baseline, only reading the file: "
        f"{base_wall:.1f} s wall, {base_cpu:.1f} s CPU)"
    )


if __name__ == "__main__":
    main()
