"""Mouth figures: discovery time, structured output on the embedded model, the cost of
reproducible turns.

    python bench/mouths_bench.py [--calls 50]

* discovery: `discover()` over the six well-known ports with nothing listening
  (the common case: it must not slow `mouth discover` down), five runs;
* structured output: `complete_json` on the embedded SmolLM2 with a small schema,
  every reply re-validated by `truehearth.mouths.structured.parse`;
* reproducible turns: the same greedy prompt answered by the mouth (cache cleared
  before each call) beside llama-cpp-python called directly on the same model
  (prefix cache reused), side by side in one run.
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


def bench_reproducible(turns: int = 8) -> None:
    mouth = LlamaMouth(n_threads=1)
    params = GenerationParams(max_tokens=16, temperature=0.0, top_p=1.0, seed=1)
    system = Message("system", "You are Wren, a warm companion. " * 20)
    prompts = [[system, Message("user", q)] for q in QUESTIONS]
    cleared, reused = [], []
    for number in range(turns):
        messages = prompts[number % len(prompts)]
        started = time.perf_counter()
        mouth.complete(messages, params)
        cleared.append(time.perf_counter() - started)
        started = time.perf_counter()
        mouth.llm.create_chat_completion(  # llama-cpp-python directly: prefix cache reused
            messages=[{"role": m.role, "content": m.content} for m in messages],
            max_tokens=16,
            temperature=0.0,
        )
        reused.append(time.perf_counter() - started)
    mouth.close()
    a, b = statistics.median(cleared), statistics.median(reused)
    print(
        f"greedy turn, ~{len(system.content) // 4} prompt tokens: cache cleared {a * 1000:.0f} ms, "
        f"prefix reused {b * 1000:.0f} ms (ratio {a / b:.2f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=50)
    args = parser.parse_args()
    bench_discovery()
    bench_reproducible()
    bench_structured(args.calls)


if __name__ == "__main__":
    main()
