"""The continuity check with real models: the judge measured per dimension, and whole checks.

    nice -n 10 .venv/bin/python bench/continuity_models.py judge --per 2
        # Qwen2.5-Coder-1.5B as the judge on 2 violating + 2 holding blind replies
        # per dimension and split (72 replies), one thread
    nice -n 10 .venv/bin/python bench/continuity_models.py check smollm2
    nice -n 10 .venv/bin/python bench/continuity_models.py check qwen
    nice -n 10 .venv/bin/python bench/continuity_models.py check smollm2 --judge qwen
        # the judge grades only the replies no rule failed; --judge-all grades every one
    nice -n 10 .venv/bin/python bench/continuity_models.py judge-cost --per 2
        # SmolLM2's replies to the first 2 probes of each dimension, then the same
        # replies judged twice: every reply (as before) and only those no rule failed
    nice -n 10 .venv/bin/python bench/continuity_models.py preference-cost --per 2
        # SmolLM2's replies and preference probes for the first 2 probes with a reference
        # per dimension, twice in one process: preferences after all the replies (as
        # before) and each beside its probe's reply; time, tokens evaluated, every figure

The judge sample is fixed by rule (the replies whose SHA-256 of their id sorts
lowest, per dimension, split and label), never chosen by looking at them; the
test split's items are not printed. The Qwen GGUF is the one shipped in the
``judge`` extra (:mod:`truehearth.mouths.shipped`), verified by its hash.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from truehearth.continuity.blindset import BLIND_DIR, BlindReply, load_companions, load_replies
from truehearth.continuity.blindset import split as split_items
from truehearth.continuity.check import run_check
from truehearth.continuity.dimensions import DIMENSIONS
from truehearth.continuity.scorers.base import Finding
from truehearth.continuity.scorers.judge import Judge
from truehearth.continuity.validation import Tally, accuracy, score_blind, tally_by_dimension
from truehearth.continuity.verdict import decide
from truehearth.home import Home
from truehearth.mouths.llama import LlamaMouth
from truehearth.mouths.shipped import qwen_coder_path, smollm2_path

sys.path.insert(0, str(Path(__file__).parent))
from continuity_blind import knowledge_for


def load(name: str) -> LlamaMouth:
    path = qwen_coder_path() if name == "qwen" else smollm2_path()
    return LlamaMouth(path, n_threads=1, n_ctx=4096)


def sample(items: list[BlindReply], per: int) -> list[BlindReply]:
    def key(i: BlindReply) -> str:
        return hashlib.sha256(i.id.encode()).hexdigest()

    chosen: list[BlindReply] = []
    for dim in DIMENSIONS:
        for label in (True, False):
            pool = sorted(
                (i for i in items if i.dimension == dim and i.violation is label), key=key
            )
            chosen += pool[:per]
    # One companion and dimension after another: the judge's system prompt is then
    # shared by consecutive calls and llama.cpp reuses its evaluated prefix.
    return sorted(chosen, key=lambda i: (i.companion, i.dimension))


def row(name: str, t: Tally) -> str:
    return (
        f"| {name} | {t.total} | {t.tp} | {t.fp} | {t.fn} | {t.tn} | "
        f"{t.precision:.2f} | {t.recall:.2f} | {accuracy(t):.3f} |"
    )


def judge_only(per: int, splits: str) -> None:
    companions = load_companions(BLIND_DIR / "companions.yaml")
    tune, test = split_items(load_replies(BLIND_DIR / "replies.jsonl"), list(companions))
    knowledge = knowledge_for(BLIND_DIR)
    mouth = load("qwen")
    judge = Judge(mouth)
    try:
        chosen_splits = [
            (t, i) for t, i in (("tune", tune), ("frozen test", test)) if t.split()[-1] in splits
        ]
        for title, items in chosen_splits:
            chosen = sample(items, per)
            started = time.perf_counter()
            scores = score_blind(chosen, knowledge, {}, judge=judge)
            took = time.perf_counter() - started
            tallies = tally_by_dimension(scores)
            abstained = sum(s.abstained for s in scores)
            print(
                f"\n### judge alone, {title} split: {len(chosen)} replies, {took:.0f} s "
                f"({took / len(chosen):.1f} s each), {abstained} abstentions\n"
            )
            print("| dimension | replies | TP | FP | FN | TN | precision | recall | accuracy |")
            print("|---|---|---|---|---|---|---|---|---|")
            for dim in DIMENSIONS:
                if dim in tallies:
                    print(row(dim, tallies[dim]))
            print(row("**per-reply verdict**", tallies["all"]))
            sys.stdout.flush()
    finally:
        mouth.close()


def judge_cost(per: int) -> None:
    """Old against new on the same replies: the judge on every reply, then only where it can
    change the verdict. Same process, same replies, one after the other; wall and CPU time."""
    from truehearth.continuity.companion import fixture_home
    from truehearth.continuity.knowledge import knowledge_of
    from truehearth.continuity.probe import Suite, load_suite
    from truehearth.continuity.runner import run_probes, score_reply
    from truehearth.continuity.scorers import rule_scorers, scorer_names

    full = load_suite(known_scorers=scorer_names())
    taken: Counter[str] = Counter()
    probes = []
    for p in full.probes:  # the first `per` probes of each dimension, in the suite's order
        if taken[p.dimension] < per:
            taken[p.dimension] += 1
            probes.append(p)
    suite = Suite(tuple(probes), full.source)
    mouth, qwen = load("smollm2"), load("qwen")
    scorers = rule_scorers()
    reused = [0, 0]
    cache = qwen._cache
    original = cache.reuse

    def counted(wanted: Sequence[int]) -> int:
        keep = original(wanted)
        reused[0] += keep
        reused[1] += len(wanted)
        return keep

    cache.reuse = counted  # type: ignore[method-assign]
    try:
        with tempfile.TemporaryDirectory() as scratch, fixture_home(Path(scratch) / "f") as home:
            run = run_probes(mouth, "smollm2", suite, scorers, fixture=home)
            k = knowledge_of(home)
            by_id = suite.by_id()
            print(f"\n### judge cost: {len(run.transcripts)} replies to {len(probes)} probes\n")
            print(
                "| judge asked about | calls | wall s | CPU s | wall s/call | prompt tokens "
                "reused from the last call |"
            )
            print("|---|---|---|---|---|---|")
            found: dict[bool, list[tuple[Finding, ...]]] = {}
            times: dict[bool, tuple[float, float]] = {}
            for every in (True, False):
                reused[:] = [0, 0]
                judge = Judge(qwen)
                wall, cpu = time.perf_counter(), time.process_time()
                found[every] = [
                    score_reply(
                        by_id[t.probe], t.message, t.reply, k, scorers, judge, judge_all=every
                    )
                    for t in run.transcripts
                ]
                times[every] = (time.perf_counter() - wall, time.process_time() - cpu)
                calls = sum(
                    1 for f in found[every] for g in f if g.scorer == "judge" and not g.not_asked
                )
                share = reused[0] / reused[1] if reused[1] else 0.0
                print(
                    f"| {'every reply' if every else 'replies no rule failed'} | {calls} | "
                    f"{times[every][0]:.0f} | {times[every][1]:.0f} | "
                    f"{times[every][0] / max(calls, 1):.1f} | "
                    f"{reused[0]} of {reused[1]} ({share:.0%}) |"
                )
            pairs = list(zip(found[True], found[False], strict=True))
            same_reply = sum(
                any(g.violation for g in a) == any(g.violation for g in b) for a, b in pairs
            )
            judged = [(a[-1], b[-1]) for a, b in pairs if not b[-1].not_asked]
            same_judge = sum(
                (a.violation, a.evidence) == (b.violation, b.evidence) for a, b in judged
            )
            wall_ratio = times[False][0] / times[True][0]
            cpu_ratio = times[False][1] / times[True][1]
            print(f"\n- new/old: wall {wall_ratio:.2f}, CPU {cpu_ratio:.2f}")
            print(f"- per-reply verdict the same on {same_reply} of {len(pairs)} replies")
            print(
                f"- the judge's answer the same on {same_judge} of {len(judged)} replies it "
                "still grades"
            )
            sys.stdout.flush()
    finally:
        mouth.close()
        qwen.close()


def preference_cost(per: int) -> None:
    """Old against new on the same probes and the same model: the preferences asked after
    every reply (each prompt evaluated again), then each beside its probe's reply (the
    prompt still in the cache). Same process, same fixture home; wall time, CPU time,
    tokens the model evaluated, and whether every reply, verdict and figure is the same."""
    from truehearth.continuity.companion import fixture_home
    from truehearth.continuity.preference import preference_probes
    from truehearth.continuity.probe import Suite, load_suite
    from truehearth.continuity.runner import CHECK_PARAMS, run_probes
    from truehearth.continuity.scorers import rule_scorers, scorer_names

    full = load_suite(known_scorers=scorer_names())
    taken: Counter[str] = Counter()
    probes = []
    for p in full.probes:  # the first `per` probes with a reference per dimension
        if p.reference and p.home == "fixture" and (per <= 0 or taken[p.dimension] < per):
            taken[p.dimension] += 1
            probes.append(p)
    suite = Suite(tuple(probes), full.source)
    mouth = load("smollm2")
    evaluated = [0]
    inner = mouth.llm.eval

    def counting(tokens: Sequence[int]) -> None:
        evaluated[0] += len(tokens)
        inner(tokens)

    mouth.llm.eval = counting
    scorers = rule_scorers()
    try:
        with tempfile.TemporaryDirectory() as scratch, fixture_home(Path(scratch) / "f") as home:
            rows = {}
            for beside in (False, True):
                evaluated[0] = 0
                wall, cpu = time.perf_counter(), time.process_time()
                run = run_probes(mouth, "smollm2", suite, scorers, fixture=home, preferences=beside)
                if not beside:
                    run.preferences = preference_probes(mouth, suite, home, params=CHECK_PARAMS)
                took = (time.perf_counter() - wall, time.process_time() - cpu)
                rows[beside] = (run, took, evaluated[0])
    finally:
        mouth.close()
    (old, old_t, old_n), (new, new_t, new_n) = rows[False], rows[True]
    print(
        f"\n### preference cost: {len(new.transcripts)} replies and {len(new.preferences)} "
        f"preference probes ({len(probes)} probes)\n"
    )
    print("| preferences asked | wall s | CPU s | tokens evaluated |")
    print("|---|---|---|---|")
    for label, (w, c), n in (
        ("after every reply (before)", old_t, old_n),
        ("beside each probe's reply", new_t, new_n),
    ):
        print(f"| {label} | {w:.0f} | {c:.0f} | {n:,} |")
    pairs = list(zip(old.transcripts, new.transcripts, strict=True))
    same_reply = sum(a.reply == b.reply for a, b in pairs)
    same_verdict = sum(a.failed == b.failed for a, b in pairs)
    same_findings = sum(a.findings == b.findings for a, b in pairs)
    prefs = list(zip(old.preferences, new.preferences, strict=True))
    same_pref = sum(a == b for a, b in prefs)
    worst = max((abs(a.margin - b.margin) for a, b in prefs), default=0.0)
    print(
        f"\n- new/old: wall {new_t[0] / old_t[0]:.2f}, CPU {new_t[1] / old_t[1]:.2f}, "
        f"tokens evaluated {new_n / old_n:.2f}"
    )
    print(
        f"- the same reply on {same_reply} of {len(pairs)}, the same per-reply verdict on "
        f"{same_verdict}, the same findings on {same_findings}"
    )
    print(
        f"- the same preference figures (to the last bit) on {same_pref} of {len(prefs)}; "
        f"largest margin difference {worst:.2g}; the same side preferred on "
        f"{sum(a.prefers_faithful == b.prefers_faithful for a, b in prefs)}"
    )
    print(f"- verdict before: {decide(old).level}, now: {decide(new).level}")
    sys.stdout.flush()


def timed(mouth: LlamaMouth, calls: list[tuple[float, float]]) -> None:
    """Record each structured call's wall and CPU seconds (the judge's, at one thread)."""
    inner = mouth.complete_json

    def complete_json(*args: Any, **kwargs: Any) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return inner(*args, **kwargs)
        finally:
            calls.append((time.perf_counter() - wall, time.process_time() - cpu))

    mouth.complete_json = complete_json  # type: ignore[method-assign]


def check(
    name: str,
    judge_name: str | None,
    preferences: bool,
    judge_all: bool = False,
    keep: Path | None = None,
) -> None:
    started = time.perf_counter()
    mouth = load(name)
    judge = load(judge_name) if judge_name else None
    loaded = time.perf_counter() - started
    calls: list[tuple[float, float]] = []
    if judge is not None:
        timed(judge, calls)
    try:
        with tempfile.TemporaryDirectory() as scratch, Home.init(Path(scratch) / "h", "b") as home:
            started, cpu = time.perf_counter(), time.process_time()
            outcome = run_check(
                home, mouth, name, judge=judge, preferences=preferences, judge_all=judge_all
            )
            took, cpu = time.perf_counter() - started, time.process_time() - cpu
            if keep is not None:
                keep.write_bytes(outcome.json_path.read_bytes())
    finally:
        mouth.close()
        if judge is not None:
            judge.close()
    report = outcome.report
    label = name + (f" + judge {judge_name}" if judge_name else "")
    print(f"\n### check: {label}\n")
    print(
        f"- load {loaded:.1f} s; whole check {took:.0f} s ({took / 60:.1f} min), "
        f"CPU {cpu:.0f} s ({cpu / 60:.1f} min)"
    )
    if calls:
        wall_j, cpu_j = sum(w for w, _ in calls), sum(c for _, c in calls)
        print(
            f"- judge: {len(calls)} calls, {wall_j:.0f} s wall ({wall_j / len(calls):.1f} s "
            f"each), {cpu_j:.0f} s CPU ({cpu_j / len(calls):.1f} s each); the rest of the "
            f"check {took - wall_j:.0f} s wall, {cpu - cpu_j:.0f} s CPU"
        )
    print(
        f"- verdict: **{outcome.verdict.level}**; replies that hold {outcome.verdict.pass_rate:.0%}"
    )
    for reason in outcome.verdict.reasons:
        print(f"  - {reason}")
    dims = ", ".join(f"{d.dimension} {d.passed}/{d.total}" for d in outcome.verdict.dimensions)
    print(f"- per dimension: {dims}")
    fired = Counter(
        f["scorer"] for t in report["transcripts"] for f in t["findings"] if f["violation"]
    )
    print(f"- failures by check: {dict(fired.most_common())}")
    if judge_name:
        asked = report["judge"]
        print(
            f"- judge asked about {asked['asked']} of {len(report['transcripts'])} replies "
            f"({asked['not_asked']} already failed by a rule); {asked['abstained']} "
            f"abstentions; it failed {asked['failed']}"
        )
    pref = report.get("preference") or {}
    if pref.get("share") is not None:
        print(
            f"- preference probes: the model finds the faithful reply likelier on "
            f"{pref['share']:.0%} of {len(pref['probes'])} probes"
        )


def main() -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="what", required=True)
    j = sub.add_parser("judge")
    j.add_argument("--per", type=int, default=2)
    j.add_argument("--splits", default="tune,test")
    c = sub.add_parser("check")
    c.add_argument("mouth", choices=["smollm2", "qwen"])
    c.add_argument("--judge", choices=["qwen", "smollm2"])
    c.add_argument("--no-preferences", action="store_true")
    c.add_argument("--judge-all", action="store_true")
    c.add_argument("--report", type=Path, help="keep the check's report.json here")
    jc = sub.add_parser("judge-cost")
    jc.add_argument("--per", type=int, default=2)
    pc = sub.add_parser("preference-cost")
    pc.add_argument("--per", type=int, default=2, help="0: every probe with a reference")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    if args.what == "judge":
        judge_only(args.per, args.splits)
    elif args.what == "judge-cost":
        judge_cost(args.per)
    elif args.what == "preference-cost":
        preference_cost(args.per)
    else:
        check(args.mouth, args.judge, not args.no_preferences, args.judge_all, args.report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
