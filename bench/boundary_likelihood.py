"""A yes/no likelihood per boundary, measured on tuning data only, beside the rules.

    OMP_NUM_THREADS=1 PYTHONPATH=src:bench nice -n 5 .venv/bin/python \
        bench/boundary_likelihood.py rules --out /work/runs/r17/lik17
        # the rules' verdict on every tuning boundary reply (kept in OUT/rules.json)
    ... bench/boundary_likelihood.py run --model smollm2|qwen --out /work/runs/r17/lik17
        # the likelihood on each reply the rules pass (OUT/MODEL.jsonl, resumable)
    ... bench/boundary_likelihood.py report --out /work/runs/r17/lik17 [--model ...]

For a reply and one boundary as the human wrote it, with the conversation so far, the
model is asked "does the reply cross this boundary?" and its log-probability of "Yes"
against "No" is read through the mouth's ``logprob`` port (the one the preference probes
use), with no sampling. A reply's score is its highest over the home's boundaries (not
the consent rules: those are consent's). It can only add a failure to what the rules
say, so it is asked only about the replies the rules pass, as ``--judge`` is.

The threshold is fitted with one companion left out (50-odd folds): on the other
companions' replies, the lowest threshold at which rules-or-likelihood keeps precision
:data:`PRECISION_FLOOR` and the failures it adds are right at least as often as wrong
(:data:`ADDED_FLOOR`; below that the per-reply verdict gets worse), then scored on the
left-out companion. No home is ever in both the fit and the evaluation.

Tuning data only: :data:`SETS` (the rules-tuning sets and the boundaries-only set of
round 16). Never a held-out set.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from truehearth.continuity.blindset import (
    BLIND5_DIR,
    BLIND6_DIR,
    BLIND7_DIR,
    BLIND10_DIR,
    BLIND13_DIR,
    BLIND14_DIR,
    BLIND15_DIR,
    BLIND16_DIR,
    BLIND17_DIR,
    BOUNDS16_DIR,
    BlindReply,
    load_set,
)
from truehearth.continuity.knowledge import Knowledge
from truehearth.continuity.scorers import rule_scorers
from truehearth.continuity.validation import score_blind

sys.path.insert(0, str(Path(__file__).parent))
from boundary_yesno import crossing_margins

# The tuning data of round 17: the rules-tuning sets, the seventeenth (tuning this round)
# and the 360-reply boundaries-only set (tuning this round). Written out, so the figures
# stay the same when a later round moves more sets.
SETS = (
    BLIND5_DIR,
    BLIND6_DIR,
    BLIND7_DIR,
    BLIND10_DIR,
    BLIND13_DIR,
    BLIND14_DIR,
    BLIND15_DIR,
    BLIND16_DIR,
    BLIND17_DIR,
    BOUNDS16_DIR,
)
PRECISION_FLOOR = 0.85
ADDED_FLOOR = 0.5
MODELS = ("smollm2", "qwen")


@dataclass(frozen=True, slots=True)
class Row:
    key: str  # set/reply id
    group: str  # set/companion: the fold
    item: BlindReply


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def tuning() -> tuple[list[Row], dict[str, Knowledge]]:
    """Every tuning boundary reply, and each of their companions' knowledge (by group)."""
    from continuity_blind import knowledge_for

    rows: list[Row] = []
    knowledge: dict[str, Knowledge] = {}
    for d in SETS:
        s = load_set(d, frozen=False, name=d.name)
        mine = [i for i in s.tune if i.dimension == "boundaries"]
        used = {i.companion for i in mine}
        for key, k in knowledge_for({c: v for c, v in s.companions.items() if c in used}).items():
            knowledge[f"{d.name}/{key}"] = k
        rows += [Row(f"{d.name}/{i.id}", f"{d.name}/{i.companion}", i) for i in mine]
    return rows, knowledge


def rules(out: Path) -> None:
    rows, knowledge = tuning()
    scorers = rule_scorers()
    found: dict[str, bool] = {}
    by_set: dict[str, list[Row]] = {}
    for r in rows:
        by_set.setdefault(r.key.split("/", 1)[0], []).append(r)
    for batch in by_set.values():
        ks = {r.item.companion: knowledge[r.group] for r in batch}
        for score, r in zip(score_blind([r.item for r in batch], ks, scorers), batch, strict=True):
            found[r.key] = score.flagged
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    (out / "rules.json").write_text(json.dumps({"commit": head, "flagged": found}))
    print(f"{len(found)} boundary replies, rules fail {sum(found.values())} (at {head})")


def run(model: str, out: Path, limit: int | None) -> None:
    rows, knowledge = tuning()
    flagged = json.loads((out / "rules.json").read_text())["flagged"]
    path = out / f"{model}.jsonl"
    done = set()
    if path.exists():
        done = {json.loads(line)["key"] for line in path.read_text().splitlines() if line}
    # Asked where the rules pass, in the order of their ids' SHA-256: a run cut short
    # leaves a sample fixed by rule, not by what it found.
    asked = sorted((r for r in rows if not flagged[r.key]), key=lambda r: digest(r.key))
    if limit is not None:
        asked = asked[:limit]
    from continuity_models import load  # the embedded models, only when a run needs them

    mouth = load(model)
    try:
        with path.open("a") as f:
            for r in asked:
                if r.key in done:
                    continue
                i = r.item
                started, cpu = time.perf_counter(), time.process_time()
                margins = crossing_margins(mouth, knowledge[r.group], i.history, i.message, i.reply)
                took = time.perf_counter() - started
                row = {"key": r.key, "margins": [round(m, 4) for m in margins or []]}
                cost = {"s": round(took, 3), "cpu": round(time.process_time() - cpu, 3)}
                f.write(json.dumps({**row, **cost}) + "\n")
                f.flush()
    finally:
        mouth.close()


@dataclass(frozen=True, slots=True)
class Scored:
    group: str
    gold: bool
    rules: bool
    score: float  # -inf where not asked (the rules fail) or no boundary


def tally(pairs: Sequence[tuple[bool, bool]]) -> tuple[int, int, int, int]:
    tp = sum(1 for f, g in pairs if f and g)
    fp = sum(1 for f, g in pairs if f and not g)
    fn = sum(1 for f, g in pairs if not f and g)
    tn = sum(1 for f, g in pairs if not f and not g)
    return tp, fp, fn, tn


def flags(rows: Sequence[Scored], t: float) -> list[tuple[bool, bool]]:
    return [(r.rules or r.score >= t, r.gold) for r in rows]


def threshold_for(rows: Sequence[Scored]) -> float:
    """The lowest threshold at which rules-or-likelihood keeps :data:`PRECISION_FLOOR` and
    its added failures are right at least :data:`ADDED_FLOOR` of the time; ``inf`` (the
    likelihood never fails a reply) when none does."""
    for t in sorted({r.score for r in rows if not r.rules and math.isfinite(r.score)}):
        tp, fp, _, _ = tally(flags(rows, t))
        added = [(r.score >= t, r.gold) for r in rows if not r.rules]
        atp, afp, _, _ = tally(added)
        if tp + fp and tp / (tp + fp) >= PRECISION_FLOOR and atp >= ADDED_FLOOR * (atp + afp):
            return t
    return math.inf


def cell(pairs: Sequence[tuple[bool, bool]]) -> str:
    tp, fp, fn, tn = tally(pairs)
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 0.0
    acc = (tp + tn) / len(pairs) if pairs else 0.0
    return f"{p:.2f} / {r:.2f} (FP {fp}, FN {fn}; accuracy {acc:.3f})"


def auc(rows: Sequence[Scored]) -> float:
    pos = [r.score for r in rows if r.gold]
    neg = [r.score for r in rows if not r.gold]
    if not pos or not neg:
        return math.nan
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def score_of(margins: Sequence[float], how: str) -> float:
    """A reply's score from its margins: the highest (``max``, the rule fixed before the
    runs), or how far the highest stands above the reply's median boundary (``lift``,
    a second reading tried on the same cache: what the model says of every boundary
    alike, a reply that merely sounds edgy, cancels out)."""
    if not margins:
        return -math.inf
    top = max(margins)
    if how == "max":
        return top
    ordered = sorted(margins)
    mid = len(ordered) // 2
    median = ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
    return top - median


def report(out: Path, models: Sequence[str], how: str = "max") -> None:
    rows, _ = tuning()
    gold = {r.key: (r.group, r.item.violation) for r in rows}
    saved = json.loads((out / "rules.json").read_text())
    flagged: dict[str, bool] = saved["flagged"]
    print(f"rules at {saved['commit']}: {len(flagged)} tuning boundary replies")
    for model in models:
        path = out / f"{model}.jsonl"
        if not path.exists():
            continue
        lines = [json.loads(line) for line in path.read_text().splitlines() if line]
        got = {j["key"]: j for j in lines}
        # The replies measured: a prefix of every tuning boundary reply in the SHA-256
        # order of their keys (the order ``run`` asks in), up to the first one the rules
        # pass that the model has not been asked about yet; so a run cut short still
        # gives a sample fixed by rule, with the rules' catches in their own share.
        keys = []
        for k in sorted(gold, key=digest):
            if not flagged[k] and k not in got:
                break
            keys.append(k)
        scored = [
            Scored(
                gold[k][0],
                gold[k][1],
                flagged[k],
                score_of(got[k]["margins"], how) if k in got else -math.inf,
            )
            for k in keys
        ]
        asked = [s for s in scored if not s.rules]
        groups = sorted({s.group for s in scored})
        oof: list[tuple[bool, bool]] = []
        chosen: list[float] = []
        for g in groups:
            t = threshold_for([s for s in scored if s.group != g])
            chosen.append(t)
            oof += flags([s for s in scored if s.group == g], t)
        whole = threshold_for(scored)
        secs = [j["s"] for j in lines]
        cpus = [j["cpu"] for j in lines if "cpu" in j]
        fin = [t for t in chosen if math.isfinite(t)]
        print(
            f"\n## {model}: {len(scored)} replies ({len(asked)} asked, rules pass), "
            f"{len(groups)} companions"
        )
        print(f"- rules alone:                 {cell([(s.rules, s.gold) for s in scored])}")
        print(f"- rules or likelihood, OOF:    {cell(oof)}")
        print(f"- in sample (t={whole:.3f}):   {cell(flags(scored, whole))}")
        print(
            f"- AUC of the margin where the rules pass: {auc(asked):.3f} "
            f"({sum(s.gold for s in asked)} violating, {sum(not s.gold for s in asked)} "
            "holding)"
        )
        print(
            f"- fold thresholds: {len(fin)} finite of {len(chosen)}"
            + (f", {min(fin):.3f} .. {max(fin):.3f}" if fin else "")
        )
        print(
            f"- s per reply asked: mean {sum(secs) / len(secs):.2f}, "
            f"max {max(secs):.2f} ({len(secs)} replies); CPU s mean "
            f"{sum(cpus) / max(len(cpus), 1):.2f} ({len(cpus)} replies)"
        )
        for q in (0.5, 0.8, 0.9, 0.95):
            hold = sorted(s.score for s in asked if not s.gold)
            t = hold[min(len(hold) - 1, int(q * len(hold)))]
            caught = sum(s.score >= t for s in asked if s.gold)
            print(
                f"  at the holding replies' {q:.0%} quantile ({t:.3f}): "
                f"{caught} of {sum(s.gold for s in asked)} misses caught"
            )


def main() -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("rules").add_argument("--out", type=Path, required=True)
    r = sub.add_parser("run")
    r.add_argument("--model", choices=MODELS, required=True)
    r.add_argument("--out", type=Path, required=True)
    r.add_argument("--limit", type=int, default=None, help="the first N in SHA-256 order")
    p = sub.add_parser("report")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--model", choices=MODELS, action="append")
    p.add_argument("--score", choices=("max", "lift"), default="max")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.cmd == "rules":
        rules(args.out)
    elif args.cmd == "run":
        run(args.model, args.out, args.limit)
    else:
        report(args.out, args.model or MODELS, args.score)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
