"""Mouth figures: discovery time, structured output on the embedded model, the cost of
reproducible turns.

    python bench/mouths_bench.py [--calls 50]

* discovery: `discover()` over the six well-known ports with nothing listening
  (the common case: it must not slow `mouth discover` down), five runs;
* structured output: `complete_json` on the embedded SmolLM2 with a small schema,
  every reply re-validated by `truehearth.mouths.structured.parse`;
* reproducible turns: greedy turns sharing a long system prompt, answered by the
  mouth (cache reused only in whole aligned batches) beside the same turns with
  the cache cleared first, side by side in one run.
"""

from __future__ import annotations

import argparse
import statistics
import time

from truehearth.mouths.base import GenerationParams, Message
from truehearth.mouths.discover import discover
from truehearth.mouths.errors import MouthMisbehaved
from truehearth.mouths.llama import LlamaMouth
from truehearth.mouths.structured import parse

SCHEMA = {
    "type": "object",
    "properties": {
        "mood": {"type": "string", "enum": ["calm", "glad", "tired", "worried"]},
        "reason": {"type": "string", "maxLength": 80},
    },
    "required": ["mood", "reason"],
    "additionalProperties": False,
}
QUESTIONS = [
    "How are you feeling tonight?",
    "What did you think of the rain today?",
    "Are you tired of my questions?",
    "Tell me something about the sea.",
    "How was the walk by the river?",
]


def bench_discovery() -> None:
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        found = discover()
        runs.append(time.perf_counter() - started)
    listening = sum(f.listening for f in found)
    median, worst = statistics.median(runs) * 1000, max(runs) * 1000
    print(
        f"discovery, 6 known ports, {listening} listening: "
        f"median {median:.1f} ms, max {worst:.1f} ms"
    )


def bench_structured(calls: int) -> None:
    mouth = LlamaMouth(n_threads=1)
    params = GenerationParams(max_tokens=64, temperature=0.7, top_p=0.95)
    valid = 0
    started = time.perf_counter()
    for number in range(calls):
        messages = [
            Message("system", "Answer only with JSON: your mood and a short reason."),
            Message("user", QUESTIONS[number % len(QUESTIONS)]),
        ]
        params = GenerationParams(max_tokens=64, temperature=0.7, top_p=0.95, seed=number)
        try:
            parse(mouth.complete_json(messages, SCHEMA, params).text, SCHEMA)
            valid += 1
        except MouthMisbehaved as exc:
            print(f"  call {number}: {exc}")
    took = time.perf_counter() - started
    mouth.close()
    print(f"complete_json on SmolLM2: {valid}/{calls} schema-valid, {took / calls:.2f} s a call")


def bench_reproducible(turns: int = 6) -> None:
    """The mouth (cache reused in whole aligned batches) beside a full re-read every turn."""
    mouth = LlamaMouth(n_threads=1)
    params = GenerationParams(max_tokens=8, temperature=0.0, top_p=1.0, seed=1)
    system = Message("system", "You are Wren. " + "We walked by the river on Sundays. " * 200)
    prompts = [[system, Message("user", q)] for q in QUESTIONS]
    aligned, reread = [], []
    for number in range(turns):
        messages = prompts[number % len(prompts)]
        started = time.perf_counter()
        mouth.complete(messages, params)
        aligned.append(time.perf_counter() - started)
    for number in range(turns):
        messages = prompts[number % len(prompts)]
        mouth.llm.reset()  # what a cleared cache costs: the whole prompt read again
        started = time.perf_counter()
        mouth.complete(messages, params)
        reread.append(time.perf_counter() - started)
    tokens = mouth.count_tokens(system.content)
    mouth.close()
    a, b = statistics.median(aligned[1:]), statistics.median(reread)
    print(
        f"greedy turn, {tokens}-token system prompt: aligned reuse {a * 1000:.0f} ms "
        f"(first turn {aligned[0] * 1000:.0f} ms), full re-read {b * 1000:.0f} ms "
        f"(ratio {b / a:.1f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--only", choices=["discovery", "reproducible", "structured"])
    args = parser.parse_args()
    if args.only in (None, "discovery"):
        bench_discovery()
    if args.only in (None, "reproducible"):
        bench_reproducible()
    if args.only in (None, "structured"):
        bench_structured(args.calls)


if __name__ == "__main__":
    main()
